"""An earlier call's full record, read-only, as the agent on the phone needs to read it.

The exported record (Markdown and PDF, see :mod:`ui.call.record_export`) states
times in UTC because it is the legal record; this view reads the same
:class:`~companion.call_export.CallRecord` but shows local times, since the agent
is matching it against what the caller remembers ("you rang me at four"). What
people typed is shown literally: it is escaped before the Markdown is rendered, so
a line starting with "#" or a pasted "<b>" stays text, and the HTML is sanitised.

The record is read through the window's runner (off the UI thread) and the
Markdown is rendered in a worker thread (:class:`~ui.render_worker.BackgroundRenderer`),
so a long call never freezes the window that opened it; "Loading the record…" shows
only if reading or rendering takes long enough to notice.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from itertools import pairwise

import peewee
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from companion.call_export import CallRecord, call_record
from companion.calls import CHECKLIST_LABELS
from companion.entries import EntryView
from companion.errors import CompanionError
from companion.promises import PromiseEventView
from companion.users import User
from ui.call.record_export import ask_and_export
from ui.render_worker import LOADING_DELAY_MS, BackgroundRenderer
from ui.service_runner import ServiceRunner
from ui.time_format import local_datetime

RECORD_CSS = """
h1 { font-size: 16pt; font-weight: 600; margin: 0 0 6px 0; }
h2 { font-size: 12pt; font-weight: 600; margin: 14px 0 4px 0; }
h3 { font-size: 10pt; font-weight: 600; margin: 10px 0 2px 0; }
blockquote { margin: 2px 0 8px 14px; color: #303338; }
.loading { color: #6b6f76; }
"""
# Every character that could start Markdown or HTML syntax is written as an entity,
# so Markdown leaves it alone and the sanitised HTML shows it as typed.
_SYNTAX = re.compile(r"[\\`*_{}\[\]()#+\-.!|=~<>&:\"']")
_LEADING_SPACE = re.compile(r"^[ \t]+")


def record_markdown(record: CallRecord) -> str:
    """The whole record as Markdown with local times and every typed text escaped."""
    call, customer = record.call, record.customer
    seq_of = {e.id: e.seq for e in record.entries}
    phones = ", ".join(p.display for p in customer.phones)
    lines = [
        f"# Call with {_esc(customer.display_name)}",
        "",
        f"- Customer: {_esc(customer.display_name)}" + (f" ({_esc(phones)})" if phones else ""),
        f"- Agent: {_esc(call.agent.display_name)}",
        f"- Direction: {call.direction.value}",
        f"- Started: {_when(call.started_at)} (local time)",
        f"- Ended: {_when(call.ended_at) + ' (local time)' if call.ended_at else 'still open'}",
        f"- Outcome: {call.outcome.label if call.outcome else 'not closed yet'}",
        "",
        "## The caller's goal",
        "",
        "**Problem:**",
        "",
        *_quote(call.problem, "(not recorded)"),
        "",
        "**What would put it right:**",
        "",
        *_quote(call.ideal_resolution, "(not recorded)"),
        "",
        "## Information checklist",
        "",
    ]
    for name, label in CHECKLIST_LABELS.items():
        value = " ".join(getattr(call.checklist, name).split())
        lines.append(f"- {label}: {_esc(value) if value else '*(not asked)*'}")
    lines += ["", "## What was said, promised and done", ""]
    lines += [line for entry in record.entries for line in _entry(entry)]
    if not record.entries:
        lines += ["*(no entries)*", ""]
    lines += ["## Promises", ""]
    for promise, events in record.promises:
        lines += [
            f"### #{seq_of.get(promise.entry_id, '?')}: {_esc(' '.join(promise.text.split()))}",
            "",
            f"- Owner: {_esc(promise.owner.display_name)}",
            f"- Due: {promise.due_on:%Y-%m-%d}",
            f"- State: {promise.state.value}",
            "- History:",
            *(f"    - {_event(event)}" for event in events),
            "",
        ]
    if not record.promises:
        lines += ["*(none)*", ""]
    lines += ["## Summary", "", *_quote(call.summary, "(no summary)"), ""]
    lines += ["*Times are this computer's local time; exported files use UTC.*", ""]
    return "\n".join(lines)


class CallRecordDialog(QDialog):
    """Read-only view of one call, with the same exports as the close dialog."""

    recordShown = Signal()  # the rendered record (or why it failed) is on screen

    def __init__(
        self,
        user: User,
        call_id: str,
        parent: QWidget | None = None,
        *,
        runner: ServiceRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self._user = user
        self._call_id = call_id
        self._runner = runner
        self._reading = False
        self.setWindowTitle("Call record")
        self.resize(760, 680)
        note = QLabel(
            "Read-only. Entries are never changed: a correction is a later entry "
            "marked “corrects #N”."
        )
        note.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setObjectName("callRecord")
        self.browser.setOpenLinks(False)
        self.browser.setAccessibleName("Call record")
        self.browser.document().setDefaultStyleSheet(RECORD_CSS)
        self.browser.document().setDocumentMargin(14)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.export_markdown = QPushButton("Export &Markdown…")
        self.export_pdf = QPushButton("Export P&DF…")
        for button in (self.export_markdown, self.export_pdf):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.setAutoDefault(False)
        self.export_markdown.clicked.connect(lambda: self._export("md"))
        self.export_pdf.clicked.connect(lambda: self._export("pdf"))
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(note)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self._renderer = BackgroundRenderer(self, "record-render", "The record")
        self._renderer.rendered.connect(self._show_record)
        self._renderer.failed.connect(self._show_failure)
        self._renderer.slow.connect(self._show_loading)
        self._load()
        self.browser.setFocus()

    def _load(self) -> None:
        """Read the record through the window's runner; directly only without one (tests)."""
        if self._runner is not None:
            self._reading = True
            QTimer.singleShot(LOADING_DELAY_MS, self, self._still_reading)
            self._runner.read(
                call_record,
                self._user,
                self._call_id,
                on_done=self._show_read,
                on_error=self._read_failed,
            )
            return
        try:
            record = call_record(self._user, self._call_id)
        except (CompanionError, peewee.DatabaseError) as exc:
            self._read_failed(str(exc))
            return
        self._show_read(record)

    def _still_reading(self) -> None:
        if self._reading:
            self._show_loading()

    def _read_failed(self, reason: str) -> None:
        self._reading = False
        self.browser.setPlainText(f"This call's record could not be shown.\n\n{reason}")
        self.export_markdown.setEnabled(False)
        self.export_pdf.setEnabled(False)
        self.recordShown.emit()

    def _show_read(self, record: CallRecord) -> None:
        self._reading = False
        started = local_datetime(record.call.started_at)
        self.setWindowTitle(
            f"Call record — {record.customer.display_name}, {started:%Y-%m-%d %H:%M}"
        )
        self._renderer.render(record_markdown(record))

    @property
    def rendering(self) -> bool:
        """True while the record is still being read or rendered."""
        return self._reading or self._renderer.busy

    def _show_loading(self) -> None:
        self.browser.setHtml('<p class="loading">Loading the record…</p>')

    def _show_record(self, page: str) -> None:
        self.browser.setHtml(page)
        self.recordShown.emit()

    def _show_failure(self, reason: str) -> None:
        self.browser.setHtml(f"<p>{html.escape(reason)}</p>")
        self.recordShown.emit()

    def _export(self, fmt: str) -> None:
        ask_and_export(self, self._user, self._call_id, fmt, runner=self._runner)


def _entry(entry: EntryView) -> list[str]:
    parts = [
        f"**#{entry.seq}**",
        _when(entry.at),
        entry.kind.value,
        _esc(entry.author.display_name),
    ]
    if entry.amends_seq is not None:
        parts.append(f"corrects #{entry.amends_seq}")
    if entry.amended_by:
        parts.append(f"amended by {', '.join(f'#{n}' for n in entry.amended_by)}")
    return [" · ".join(parts), "", *_quote(entry.text, ""), ""]


def _event(event: PromiseEventView) -> str:
    who = f"{_when(event.at)}, {_esc(event.actor.display_name)}"
    if event.from_state is None:
        text = f"{who}: promised, due {event.new_due:%Y-%m-%d}"
    elif event.old_due is not None and event.old_due != event.new_due:
        text = (
            f"{who}: {event.to_state.value}, due date moved from "
            f"{event.old_due:%Y-%m-%d} to {event.new_due:%Y-%m-%d}"
        )
    else:
        text = f"{who}: {event.from_state.value} → {event.to_state.value}"
    reason = " ".join(event.reason.split())
    return f"{text}. {_esc(reason)}" if reason else text


def _quote(text: str, empty: str) -> list[str]:
    """Typed text as a block quote, keeping its line breaks and indentation."""
    if not text:
        return [f"*{empty}*"] if empty else []
    lines = text.split("\n")
    # Two trailing spaces make a Markdown line break; the last line needs none.
    breaks = ["  " if line.strip() and after.strip() else "" for line, after in pairwise(lines)]
    return [
        f"> {_esc_line(line)}{brk}" if line.strip() else ">"
        for line, brk in zip(lines, [*breaks, ""], strict=True)
    ]


def _esc_line(line: str) -> str:
    indent = _LEADING_SPACE.match(line)
    width = len(indent.group().expandtabs(4)) if indent else 0
    return "&nbsp;" * width + _esc(line.lstrip(" \t"))


def _esc(text: str) -> str:
    return _SYNTAX.sub(lambda match: f"&#{ord(match.group())};", text)


def _when(moment: datetime) -> str:
    return f"{local_datetime(moment):%Y-%m-%d %H:%M:%S}"
