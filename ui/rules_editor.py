"""The phrasing rules editor: supervisors add, change and switch off the coach's rules.

The list on the left is every rule (switched-off ones say so); the form on the right
edits the selected one. The "Try a sentence" box answers the question a supervisor
really has while writing a rule, "what would this flag?", live and with the unsaved
draft in place of the stored rule. Saving goes through the service, which refuses a
rule that cannot work or would underline everyday notes; the refusal is shown under
the form and the form keeps every word typed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from companion import phrasing_rules
from companion.changes import Changes, Topic
from companion.errors import CompanionError
from companion.phrasing import PhrasingRule, Severity
from companion.phrasing_rules import RuleView
from companion.users import User
from ui.list_model import RowListModel
from ui.service_runner import ServiceRunner
from ui.time_format import local_datetime

ERROR = "#b3261e"
OFF = QColor("#80868b")


class RulesEditor(QWidget):
    def __init__(self, user: User, runner: ServiceRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rulesEditor")
        self.user = user
        self.runner = runner
        self.current: RuleView | None = None
        self.model = RowListModel[RuleView](
            _rule_row,
            tooltip=lambda view: view.rule.pattern,
            colour=lambda view: None if view.rule.enabled else OFF,
            empty_text="No rules yet: press New rule.",
            parent=self,
        )
        self.list = QListView()
        self.list.setObjectName("rulesList")
        self.list.setModel(self.model)
        self.list.setAccessibleName("Phrasing rules")
        self.list.selectionModel().currentChanged.connect(self._row_chosen)
        self.new_button = QPushButton("&New rule")
        self.new_button.setToolTip("Start an empty rule (Ctrl+N)")
        self.new_button.clicked.connect(self.new_rule)
        left = QVBoxLayout()
        left.addWidget(QLabel("Rules"))
        left.addWidget(self.list, 1)
        left.addWidget(self.new_button)

        self.rule_id = QLineEdit()
        self.rule_id.setPlaceholderText("a short name such as calm-down")
        self.pattern = QLineEdit()
        self.pattern.setPlaceholderText("words to flag, e.g. cancelled|canceled or cancel*")
        self.suggestion = QLineEdit()
        self.suggestion.setPlaceholderText("what to say instead")
        self.why = QLineEdit()
        self.why.setPlaceholderText("one sentence on why it helps the caller")
        self.unless = QLineEdit()
        self.unless.setPlaceholderText("optional: phrases not to flag, e.g. broken down")
        self.replaceable = QCheckBox("The suggestion can replace the words as they stand")
        self.enabled = QCheckBox("Enabled: the coach flags these words")
        form = QFormLayout()
        for label, field in (
            ("&Id", self.rule_id),
            ("&Pattern", self.pattern),
            ("&Suggestion", self.suggestion),
            ("&Why", self.why),
            ("&Unless", self.unless),
        ):
            form.addRow(label, field)
            field.textChanged.connect(self._update_try)
        form.addRow("", self.replaceable)
        form.addRow("", self.enabled)
        self.replaceable.toggled.connect(self._update_try)
        self.enabled.toggled.connect(self._update_try)
        self.revision = QLabel()
        self.revision.setObjectName("ruleRevision")
        self.error = QLabel()
        self.error.setObjectName("ruleError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR};")
        self.status = QLabel()
        self.status.setObjectName("ruleStatus")
        self.save_button = QPushButton("Sa&ve")
        self.save_button.setToolTip("Save the rule (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.toggle_button = QPushButton("&Disable")
        self.toggle_button.clicked.connect(self.toggle_enabled)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.toggle_button)
        buttons.addStretch(1)

        self.sentence = QLineEdit()
        self.sentence.setObjectName("trySentence")
        self.sentence.setPlaceholderText("Type a sentence an agent might write")
        self.sentence.textChanged.connect(self._update_try)
        self.try_result = QLabel()
        self.try_result.setObjectName("tryResult")
        self.try_result.setWordWrap(True)
        self.try_result.setTextFormat(Qt.TextFormat.PlainText)
        try_label = QLabel("&Try a sentence")
        try_label.setProperty("cardTitle", True)
        try_label.setBuddy(self.sentence)

        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.revision)
        right.addLayout(buttons)
        right.addWidget(self.error)
        right.addWidget(self.status)
        right.addSpacing(12)
        right.addWidget(try_label)
        right.addWidget(self.sentence)
        right.addWidget(self.try_result)
        right.addStretch(1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        for part, stretch in ((left, 1), (right, 2)):
            holder = QWidget()
            holder.setLayout(part)
            splitter.addWidget(holder)
            splitter.setStretchFactor(splitter.count() - 1, stretch)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        for keys, slot in (("Ctrl+S", self.save), ("Ctrl+N", self.new_rule)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        runner.changed.connect(self.handle_changes)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        """Read the rules again and select ``select`` (or keep the current rule)."""
        wanted = select or (self.current.rule.id if self.current else None)

        def failed(message: str) -> None:
            self._show_error(message)
            self.setEnabled(False)

        self.runner.read(
            phrasing_rules.list_rules,
            self.user,
            on_done=lambda views: self._show_rules(views, wanted),
            on_error=failed,
        )

    def handle_changes(self, changes: Changes) -> None:
        """Rules saved here or at another desk: list them again, keeping the selection."""
        if changes.touches(Topic.RULES):
            self.reload()

    def _show_rules(self, views: list[RuleView], wanted: str | None) -> None:
        self.setEnabled(True)
        self.model.set_rows(views)
        row = next((n for n, view in enumerate(views) if view.rule.id == wanted), 0)
        if views:
            self.list.selectionModel().setCurrentIndex(
                self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
        else:
            self.new_rule()

    def new_rule(self) -> None:
        self.list.clearSelection()
        self._load(None)
        self.rule_id.setFocus()

    def draft(self) -> PhrasingRule:
        """The rule as the form now reads, whether or not it would be accepted."""
        kept = self.current.rule if self.current else None
        return PhrasingRule(
            id=self.rule_id.text().strip(),
            pattern=self.pattern.text(),
            suggestion=self.suggestion.text(),
            why=self.why.text(),
            replaceable=self.replaceable.isChecked(),
            severity=kept.severity if kept else Severity.WARN,
            enabled=self.enabled.isChecked(),
            unless=self.unless.text(),
        )

    def save(self) -> None:
        expected = self.current.revision if self.current else 0
        self._submit(phrasing_rules.save_rule, self.draft(), expected_revision=expected)

    def toggle_enabled(self) -> None:
        if self.current is None:
            return
        rule = self.current.rule
        self._submit(phrasing_rules.set_enabled, rule.id, not rule.enabled)

    def _submit(self, function: Any, *args: Any, **kwargs: Any) -> None:
        self._show_error("")
        self.status.setText("Saving…")
        self.save_button.setEnabled(False)
        self.toggle_button.setEnabled(False)
        self.runner.submit(
            function, self.user, *args, on_done=self._saved, on_error=self._failed, **kwargs
        )

    def _saved(self, view: RuleView) -> None:
        self._restore_buttons()
        self.status.setText(f"Saved “{view.rule.id}” as revision {view.revision}.")
        self.current = view  # the list is read again from the runner's ``changed``

    def _failed(self, message: str) -> None:
        self._restore_buttons()
        self.status.clear()
        self._show_error(message)

    def _restore_buttons(self) -> None:
        self.save_button.setEnabled(True)
        self.toggle_button.setEnabled(self.current is not None)

    def _row_chosen(self) -> None:
        self._load(self.model.row(self.list.currentIndex().row()))

    def _load(self, view: RuleView | None) -> None:
        self.current = view
        rule = view.rule if view else PhrasingRule("", "", "", "")
        self.rule_id.setText(rule.id)
        self.rule_id.setReadOnly(view is not None)
        self.rule_id.setToolTip("The id of a saved rule cannot change" if view else "")
        for field, value in (
            (self.pattern, rule.pattern),
            (self.suggestion, rule.suggestion),
            (self.why, rule.why),
            (self.unless, rule.unless),
        ):
            field.setText(value)
        self.replaceable.setChecked(rule.replaceable)
        self.enabled.setChecked(rule.enabled)
        self.toggle_button.setEnabled(view is not None)
        self.toggle_button.setText("&Enable" if view and not rule.enabled else "&Disable")
        if view is None:
            self.revision.setText("New rule: not saved yet.")
        else:
            when = f"{local_datetime(view.updated_at):%Y-%m-%d %H:%M}"
            who = view.updated_by
            by = who if who == phrasing_rules.SHIPPED_BY else f"by {who}"
            self.revision.setText(f"Revision {view.revision}, {by}, {when}")
        self._show_error("")
        self._update_try()

    def _update_try(self) -> None:
        text = self.sentence.text()
        if not text.strip():
            self.try_result.setText("Nothing to check yet.")
            return
        rules = [view.rule for view in self.model.rows()]
        draft = self.draft()
        if draft.pattern.strip():
            draft = dataclasses.replace(draft, id=draft.id or "new-rule")
            rules = phrasing_rules.with_draft(rules, draft)
        try:
            lines = phrasing_rules.try_sentence(text, rules)
        except CompanionError as exc:
            self.try_result.setText(f"Cannot check: {exc}")
            return
        self.try_result.setText("\n".join(lines) if lines else "No rule flags this sentence.")

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))


def _rule_row(view: RuleView) -> str:
    return view.rule.id if view.rule.enabled else f"{view.rule.id} (off)"
