"""Every keyboard shortcut, declared once: the window binds them, F1 lists them.

Keeping the list in one place means the help overlay can never drift from what the
keys actually do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shortcut:
    keys: str
    action: str
    where: str = "Anywhere"


WINDOW = {
    "start_call": Shortcut("Ctrl+N", "Start a call: find the caller"),
    "search": Shortcut("Ctrl+K", "Search the playbook"),
    "follow_ups": Shortcut("Ctrl+U", "Show follow-ups (promises due)"),
    "hold": Shortcut("Ctrl+H", "Put the call on hold", "During a call"),
    "escalate": Shortcut("Ctrl+E", "Escalate: write a handoff summary", "During a call"),
    "close_call": Shortcut("Ctrl+W", "Close the call (wrap-up)", "During a call"),
    "next_unknown": Shortcut("Ctrl+I", "Jump to the next unknown detail", "During a call"),
    "suggestion": Shortcut("Alt+S", "Open the first suggested article", "During a call"),
    "next_stage": Shortcut("Ctrl+]", "Next call stage (opens its article)", "During a call"),
    "previous_stage": Shortcut("Ctrl+[", "Previous call stage", "During a call"),
    "composer": Shortcut("Ctrl+L", "Back to the composer", "During a call"),
    "help": Shortcut("F1", "Show this list"),
}

# Keys handled inside one widget; listed for the agent, bound by that widget.
IN_WIDGETS = (
    Shortcut("Enter", "Add the entry", "Composer"),
    Shortcut("Shift+Enter", "New line in the entry", "Composer"),
    Shortcut("Alt+1 … Alt+4", "Said / promised / done / note", "Composer"),
    Shortcut("Ctrl+.", "Use the suggested wording for the flagged phrase", "Composer"),
    Shortcut("F2", "Amend the selected entry", "Timeline"),
    Shortcut("Down / Up, Enter", "Move through matches, pick one", "Caller lookup, search"),
    Shortcut("Ctrl+1 … Ctrl+7", "Open a call stage's article", "Playbook"),
    Shortcut("Alt+Left / Alt+Right", "Back / forward between articles", "Playbook"),
    Shortcut("Esc", "Clear the search, or cancel a form", "Search, forms"),
    Shortcut("Alt+K / Alt+T / Alt+E", "Keep ours / take theirs / edit", "Release conflicts"),
    Shortcut("Ctrl+S", "Save the merged version", "Release merge editor"),
)
