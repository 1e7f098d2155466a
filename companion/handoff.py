"""The handoff summary an agent passes on when a call goes beyond them.

Whoever takes the call next should not have to ask the caller everything again:
the summary says who is calling, what they want, what is already known and still
unknown, what was tried and promised, and how the caller feels. It is plain text
that reads well pasted into a ticket or chat, and also as a note in the record.

Entries are never edited, so a corrected entry is shown with its correction after
it: the next person must see the corrected fact without losing the original.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum

from companion.calls import CHECKLIST_LABELS, CallView
from companion.clock import local_today
from companion.entries import EntryKind, EntryView
from companion.promises import PromiseView

LATEST_SAID = 3
ITEM_MAX = 300

_TRIED_FIELD = "already_tried"
_RTL_CLASSES = {"R", "AL"}
# First-strong isolate / pop directional isolate: right-to-left text keeps its own
# direction without dragging the label's punctuation around on a left-to-right line.
_FSI, _PDI = "\u2068", "\u2069"


class CallerMood(StrEnum):
    CALM = "calm"
    CONFUSED = "confused"
    FRUSTRATED = "frustrated"
    UPSET = "upset"
    ANGRY = "angry"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def handoff_summary(
    call: CallView,
    entries: Sequence[EntryView],
    promises: Iterable[PromiseView],
    mood: CallerMood | None,
    note: str = "",
    *,
    today: date | None = None,
) -> str:
    """A short, scannable handoff for the next person; ``mood`` None reads "not said yet".

    ``today`` decides which promises are overdue (the desk's local date by default).
    """
    corrections = _corrections(entries)
    lines = [_caller_line(call), f"Handled so far by: {call.agent.display_name}", ""]
    lines += _section(
        "Goal",
        [
            f"Problem: {_text(call.problem) or 'not recorded'}",
            f"What would put it right: {_text(call.ideal_resolution) or 'not recorded'}",
        ],
    )
    lines += _section("What is known", _known(call))
    lines += _section("What was tried", _tried(call, entries, corrections))
    lines += _section("What was promised", _promised(promises, corrections, today))
    lines += _section("How the caller feels", _feeling(mood, note))
    said = [e for e in entries if e.kind is EntryKind.SAID][-LATEST_SAID:]
    lines += _section(
        "Latest things said",
        [f"#{e.seq} {_entry_text(e, corrections)}" for e in said] or ["Nothing recorded yet."],
    )
    return "\n".join(lines).rstrip() + "\n"


def _caller_line(call: CallView) -> str:
    phones = ", ".join(call.customer.phones) or "no phone on file"
    return f"Caller: {_text(call.customer.display_name)} ({phones})"


def _known(call: CallView) -> list[str]:
    known = [
        f"{label}: {_text(getattr(call.checklist, name))}"
        for name, label in CHECKLIST_LABELS.items()
        if name != _TRIED_FIELD and getattr(call.checklist, name)
    ]
    unknown = [
        label for label in call.checklist.missing() if label != CHECKLIST_LABELS[_TRIED_FIELD]
    ]
    if not known:
        known.append("Nothing from the checklist yet.")
    if unknown:
        known.append(f"Still unknown: {'; '.join(unknown)}")
    return known


def _tried(
    call: CallView, entries: Sequence[EntryView], corrections: dict[str, list[str]]
) -> list[str]:
    tried = []
    if call.checklist.already_tried:
        tried.append(f"By the caller: {_text(call.checklist.already_tried)}")
    tried += [
        f"#{e.seq} {_entry_text(e, corrections)}" for e in entries if e.kind is EntryKind.DONE
    ]
    return tried or ["Nothing recorded yet."]


def _promised(
    promises: Iterable[PromiseView], corrections: dict[str, list[str]], today: date | None
) -> list[str]:
    day = today or local_today()
    lines = []
    for promise in promises:
        state = promise.state.value
        overdue = promise.days_overdue(day)
        if overdue:
            state += f", overdue by {overdue} day{'s' if overdue != 1 else ''}"
        text = _with_corrections(promise.text, corrections.get(promise.entry_id, []))
        lines.append(
            f"{text} (due {promise.due_on:%Y-%m-%d}, owner {promise.owner.display_name}, {state})"
        )
    return lines or ["Nothing promised."]


def _feeling(mood: CallerMood | None, note: str) -> list[str]:
    lines = [mood.label if mood is not None else "Not said yet."]
    kept = [_isolate(line.strip()) for line in _plain(note).strip().split("\n")]
    if kept != [""]:
        lines.append("Note: " + "\n  ".join(kept))
    return lines


def _section(title: str, items: list[str]) -> list[str]:
    return [title, *(f"- {item}" for item in items), ""]


def _corrections(entries: Sequence[EntryView]) -> dict[str, list[str]]:
    """Amendment texts keyed by the id of the entry they correct, oldest first."""
    found: dict[str, list[str]] = {}
    for entry in entries:
        if entry.kind is EntryKind.AMENDMENT and entry.amends is not None:
            found.setdefault(entry.amends, []).append(entry.text)
    return found


def _entry_text(entry: EntryView, corrections: dict[str, list[str]]) -> str:
    return _with_corrections(entry.text, corrections.get(entry.id, []))


def _with_corrections(text: str, later: list[str]) -> str:
    shown = _text(text)
    for correction in later:
        shown += f" [corrected: {_text(correction)}]"
    return shown


def _text(value: str) -> str:
    """One line of at most ITEM_MAX characters: the full text stays in the record."""
    flat = " ".join(_plain(value).split())
    if len(flat) > ITEM_MAX:
        flat = flat[: ITEM_MAX - 1].rstrip() + "…"
    return _isolate(flat)


def _plain(value: str) -> str:
    """Drop control characters a paste may carry; direction marks and emoji stay."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        " " if ch == "\t" else ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc"
    )


def _isolate(text: str) -> str:
    if any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text):
        return f"{_FSI}{text}{_PDI}"
    return text
