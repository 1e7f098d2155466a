"""Underline wording that tends to inflame, and offer the calmer phrase.

A QSyntaxHighlighter checks each paragraph with the phrasing coach as the agent
types; flagged words get a wavy underline. Hovering shows the suggestion; Ctrl+.
replaces the flagged words at (or just before) the cursor, and a hint line under the
field says what the flag is for agents who never touch the mouse.

The rules come from the database, read through the window's runner off the UI
thread: one :class:`WindowRules` per runner holds the compiled coach for every field
of that window and reads it again whenever the runner's ``changed`` touches
``Topic.RULES`` (a rule edit here or at another desk). A field finds its window's
runner through its ancestors once it is placed (at the first show, keystroke or
check); until the first answer it uses the shipped rules. A field with no window
around it (tests, a widget on its own) reads the rules directly, as before.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QKeySequence,
    QShortcut,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QToolTip

from companion import phrasing_rules
from companion.changes import Changes, Topic
from companion.errors import CompanionError
from companion.phrasing import (
    Coach,
    Flag,
    apply_replacement,
    code_point_offset,
    default_coach,
    flag_at,
    utf16_spans,
)
from companion.text import NOTE_MAX
from ui.service_runner import ServiceRunner

log = logging.getLogger(__name__)

UNDERLINE = QColor("#c26a00")
REPLACE_KEYS = "Ctrl+."
# Characters either side of the cursor checked for the hint and the one-key replace.
HINT_WINDOW = 400
# Characters of one paragraph underlined. Qt re-highlights the whole paragraph on every
# keystroke in it, so a pasted megabyte without line breaks would make each key wait
# for a check of all of it; no note may be longer than this anyway.
HIGHLIGHT_LIMIT = NOTE_MAX


class PhrasingHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument, coach: Coach) -> None:
        super().__init__(document)
        self.coach = coach
        self.underline = QTextCharFormat()
        self.underline.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        self.underline.setUnderlineColor(UNDERLINE)

    def highlightBlock(self, text: str) -> None:
        if len(text) > HIGHLIGHT_LIMIT:
            text = text[:HIGHLIGHT_LIMIT]
        flags = self.coach.check(text)
        for start, length in utf16_spans(text, flags):
            self.setFormat(start, length, self.underline)


EditWidget = QPlainTextEdit | QTextEdit


class WindowRules(QObject):
    """The phrasing rules of one window: read through its runner, again when rules change."""

    coachChanged = Signal(object)  # the newly read Coach

    def __init__(self, runner: ServiceRunner) -> None:
        super().__init__(runner)
        self.runner = runner
        self.coach: Coach | None = None  # None until the first answer
        runner.changed.connect(self._on_changes)
        self.reload()

    @classmethod
    def of(cls, runner: ServiceRunner) -> WindowRules:
        """The runner's rules, started on first use."""
        found = runner.findChild(WindowRules)
        return found if found is not None else cls(runner)

    def reload(self) -> None:
        self.runner.read(
            phrasing_rules.coach_or_default, on_done=self._loaded, on_error=self._failed
        )

    @Slot(object)
    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.RULES):
            self.reload()

    def _loaded(self, coach: Coach) -> None:
        self.coach = coach
        self.coachChanged.emit(coach)

    def _failed(self, message: str) -> None:
        log.warning("keeping the phrasing rules already in use: %s", message)


class PhrasingCoach(QObject):
    """Attach the coach to one text field (composer, summary, handoff note)."""

    def __init__(self, edit: EditWidget, hint: QLabel | None = None, coach: Coach | None = None):
        super().__init__(edit)
        self.edit = edit
        self.hint = hint
        # A given coach is kept; otherwise the window's rules, found once the field is placed.
        self._placed = coach is not None
        self._rules_seen: int | None = None  # set when following the rules directly
        self._coach = coach or default_coach()
        self.highlighter = PhrasingHighlighter(edit.document(), self._coach)
        edit.viewport().installEventFilter(self)
        if coach is None:
            edit.installEventFilter(self)
            edit.textChanged.connect(self._follow_rule_edits)
            self._place()
        edit.cursorPositionChanged.connect(self._update_hint)
        edit.textChanged.connect(self._update_hint)
        shortcut = QShortcut(QKeySequence(REPLACE_KEYS), edit)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self.replace_at_cursor)

    @property
    def coach(self) -> Coach:
        """The rules this field is checked with."""
        if not self._placed:
            self._place(final=True)
        return self._coach

    def _place(self, *, final: bool = False) -> None:
        """Follow the window's runner if the field has one around it; else, once final, the
        database directly (a field on its own)."""
        runner = _window_runner(self.edit)
        if runner is not None:
            self._placed = True
            rules = WindowRules.of(runner)
            rules.coachChanged.connect(self._use)
            if rules.coach is not None:
                self._use(rules.coach)
        elif final:
            self._placed = True
            self._rules_seen = phrasing_rules.changes()
            self._use(phrasing_rules.coach_or_default())

    @Slot(object)
    def _use(self, coach: Coach) -> None:
        if coach is self._coach:
            return
        self._coach = self.highlighter.coach = coach
        self.highlighter.rehighlight()
        self._update_hint()

    def _follow_rule_edits(self) -> None:
        """Without a window: a rule edit reaches an open field at its next keystroke."""
        if not self._placed:
            self._place(final=True)
        elif self._rules_seen is not None and self._rules_seen != phrasing_rules.changes():
            self._rules_seen = phrasing_rules.changes()
            self._use(phrasing_rules.coach_or_default())

    def flags_in_block(self, cursor: QTextCursor) -> tuple[str, list[Flag], int]:
        """The cursor's paragraph, the flags near the cursor, and its index (code points).

        Only a window around the cursor is checked: this runs on every keystroke and
        cursor move, and a pasted megabyte on one line must not make typing lag.
        """
        block = cursor.block()
        text = block.text()
        offset = code_point_offset(text, cursor.position() - block.position())
        low = max(0, offset - HINT_WINDOW)
        while low > 0 and not text[low - 1].isspace():
            low -= 1  # start on a word boundary, so no word is checked from its middle
        high = min(len(text), offset + HINT_WINDOW)
        while high < len(text) and not text[high].isspace():
            high += 1
        flags = [
            replace(flag, start=flag.start + low, end=flag.end + low)
            for flag in self.coach.check(text[low:high])
        ]
        return text, flags, offset

    def flag_near_cursor(self) -> Flag | None:
        _, flags, offset = self.flags_in_block(self.edit.textCursor())
        found = flag_at(flags, offset)
        if found is None:
            before = [flag for flag in flags if flag.end <= offset]
            found = before[-1] if before else (flags[0] if flags else None)
        return found

    def replace_at_cursor(self) -> bool:
        """Swap the flagged words near the cursor for the suggestion; True if replaced."""
        cursor = self.edit.textCursor()
        text, _, _ = self.flags_in_block(cursor)
        flag = self.flag_near_cursor()
        if flag is None:
            return False
        try:
            replaced = apply_replacement(text, flag)
        except CompanionError as exc:
            if self.hint is not None:
                self.hint.setText(str(exc))
            return False
        block = cursor.block()
        edit_cursor = QTextCursor(block)
        edit_cursor.movePosition(
            QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor
        )
        edit_cursor.insertText(replaced)
        units = len((text[: flag.start] + flag.replacement).encode("utf-16-le")) // 2
        position = QTextCursor(block)
        position.setPosition(block.position() + units)
        self.edit.setTextCursor(position)
        return True

    def _update_hint(self) -> None:
        if self.hint is None:
            return
        flag = self.flag_near_cursor()
        if flag is None:
            self.hint.clear()
            return
        key = f"  ({REPLACE_KEYS} to use it)" if flag.rule.replaceable else ""
        self.hint.setText(f"“{flag.text}”: {flag.tooltip}{key}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit:
            if event.type() == QEvent.Type.Show and not self._placed:
                self._place(final=True)
            return False
        if event.type() == QEvent.Type.ToolTip:
            position = event.pos()  # type: ignore[attr-defined]
            cursor = self.edit.cursorForPosition(position)
            _, flags, offset = self.flags_in_block(cursor)
            flag = flag_at(flags, offset)
            if flag is not None:
                QToolTip.showText(event.globalPos(), flag.tooltip, self.edit)  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(watched, event)


def _window_runner(widget: QObject) -> ServiceRunner | None:
    """The runner of the window a field sits in: the nearest ancestor with a ``runner``."""
    current: QObject | None = widget
    while current is not None and shiboken6.isValid(current):
        runner = getattr(current, "runner", None)
        if isinstance(runner, ServiceRunner):
            return runner
        current = current.parent()
    return None
