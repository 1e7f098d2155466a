"""The audit trail for supervisors: filter by person, action, object and dates; export CSV.

Filters apply as they change (a read of at most a few hundred rows, run by the
window's runner off the UI thread), newest events first; an open view reads again
whenever the runner reports a change, this desk's or another's. An impossible range (end before start) is said under the filters and the
table keeps what it showed, rather than going blank for no visible reason. The
export is written off the UI thread, because it also writes an audit event and
the database may be busy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from companion import audit_query
from companion.audit import AuditEntry
from companion.changes import Changes
from companion.clock import local_today
from companion.users import User
from ui.list_model import RowTableModel
from ui.service_runner import ServiceRunner
from ui.time_format import local_datetime

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("When", "Person", "Action", "Object", "Details")
SHOW_MAX = 500
DETAILS_MAX = 160
ERROR = "#b3261e"


class AuditTableModel(RowTableModel[AuditEntry]):
    """Events as rows; the full details are one hover away, the first part is in the row."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)

    def set_events(self, events: Sequence[AuditEntry]) -> None:
        self.set_rows(events)

    def events(self) -> list[AuditEntry]:
        return self.rows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        event = self.row_at(index)
        if event is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _cells(event)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == len(COLUMNS) - 1:
            return json.dumps(event.details, ensure_ascii=False, indent=1, sort_keys=True)
        return None


class AuditView(QWidget):
    eventsShown = Signal()  # the answer to the latest filters (or why it failed) is shown

    def __init__(self, user: User, runner: ServiceRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditView")
        self.user = user
        self.runner = runner
        self.person = QComboBox()
        self.action = QComboBox()
        self.object_type = QComboBox()
        today = local_today()
        self.since_on, self.since = _date_filter("&From", today - timedelta(days=7))
        self.until_on, self.until = _date_filter("&To", today)
        filters = QHBoxLayout()
        for caption, field in (
            ("&Person", self.person),
            ("&Action", self.action),
            ("&Object", self.object_type),
        ):
            label = QLabel(caption)
            label.setBuddy(field)
            filters.addWidget(label)
            filters.addWidget(field)
        for check, edit in ((self.since_on, self.since), (self.until_on, self.until)):
            filters.addWidget(check)
            filters.addWidget(edit)
        filters.addStretch(1)
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.clicked.connect(self.export)
        filters.addWidget(self.export_button)

        self.model = AuditTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setAccessibleName("Audit events")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.message = QLabel()
        self.message.setObjectName("auditMessage")
        self.message.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("auditError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR};")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self._asked = 0  # the latest search asked for; older answers are dropped
        self._choices_loaded = False
        self.runner.read(
            audit_query.filter_choices,
            self.user,
            on_done=self._load_choices,
            on_error=self._choices_failed,
        )
        for combo in (self.person, self.action, self.object_type):
            combo.currentIndexChanged.connect(self.apply_filters)
        for check, edit in ((self.since_on, self.since), (self.until_on, self.until)):
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(self.apply_filters)
            edit.dateChanged.connect(self.apply_filters)
        self.runner.changed.connect(self._on_changes)
        self.apply_filters()

    def apply_filters(self) -> None:
        """Ask the runner for the events these filters choose; the newest answer is shown."""
        self._asked += 1
        asked = self._asked
        self.runner.read(
            audit_query.search_events,
            self.user,
            actor=self.person.currentData(),
            action=self.action.currentData(),
            object_type=self.object_type.currentData(),
            since=_chosen(self.since_on, self.since),
            until=_chosen(self.until_on, self.until),
            limit=SHOW_MAX,
            on_done=lambda events: self._show_events(asked, events),
            on_error=lambda message: self._search_failed(asked, message),
        )

    def _on_changes(self, _changes: Changes) -> None:
        """Something was written here or at another desk: an open trail reads again."""
        if self.isVisible() and self._choices_loaded:
            self.apply_filters()

    def _search_failed(self, asked: int, message: str) -> None:
        if asked != self._asked:
            return
        self._show_error(message)
        self.eventsShown.emit()

    def _show_events(self, asked: int, events: list[AuditEntry]) -> None:
        if asked != self._asked:
            return
        self._show_error("")
        self.model.set_events(events)
        if not events:
            self.message.setText("No events match these filters.")
        elif len(events) == SHOW_MAX:
            self.message.setText(
                f"Showing the newest {SHOW_MAX} events; narrow the filters to reach older ones."
            )
        else:
            self.message.setText(f"{len(events)} event{'s' if len(events) != 1 else ''}.")
        self.eventsShown.emit()

    def export(self) -> None:
        events = self.model.events()
        if not events:
            self._show_error("There is nothing to export: no events match these filters.")
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        start = Path(folder) / f"Audit trail {local_today():%Y-%m-%d}.csv"
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export the audit trail as CSV", str(start), "CSV files (*.csv)"
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".csv":
            path = path.with_name(f"{path.name}.csv")
        self.export_button.setEnabled(False)
        self.message.setText("Exporting…")
        self.runner.submit(
            audit_query.export_csv,
            self.user,
            events,
            path,
            on_done=lambda written: self._exported(written, len(events)),
            on_error=self._export_failed,
        )

    def _exported(self, written: Path, count: int) -> None:
        self.export_button.setEnabled(True)
        self._show_error("")
        self.message.setText(f"Exported {count} event{'s' if count != 1 else ''} to {written}.")

    def _export_failed(self, message: str) -> None:
        self.export_button.setEnabled(True)
        self.message.clear()
        self._show_error(message)

    def _choices_failed(self, message: str) -> None:
        self._show_error(message)
        self.setEnabled(False)

    def _load_choices(self, choices: audit_query.AuditChoices) -> None:
        """Fill the filter lists without each added item asking for a search of its own."""
        combos = (self.person, self.action, self.object_type)
        for combo in combos:
            combo.blockSignals(True)
        try:
            self._fill_choices(choices)
        finally:
            for combo in combos:
                combo.blockSignals(False)
        self._choices_loaded = True

    def _fill_choices(self, choices: audit_query.AuditChoices) -> None:
        self.person.addItem("Anyone", None)
        for person in choices.people:
            self.person.addItem(person.display_name, person.id)
        self.action.addItem("Any action", None)
        for action in choices.actions:
            self.action.addItem(action.capitalize(), action)
        self.object_type.addItem("Any object", None)
        for object_type in choices.object_types:
            self.object_type.addItem(object_type.replace("_", " ").capitalize(), object_type)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))


def _date_filter(caption: str, start: date) -> tuple[QCheckBox, QDateEdit]:
    """A date bound that is off until ticked, so a range can be left open on either side."""
    check = QCheckBox(caption)
    edit = QDateEdit(QDate(start.year, start.month, start.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setEnabled(False)
    edit.setAccessibleName(caption.replace("&", "") + " date")
    return check, edit


def _chosen(check: QCheckBox, edit: QDateEdit) -> date | None:
    if not check.isChecked():
        return None
    value = edit.date()
    return date(value.year(), value.month(), value.day())


def _cells(event: AuditEntry) -> tuple[str, ...]:
    details = json.dumps(event.details, ensure_ascii=False, sort_keys=True)
    if len(details) > DETAILS_MAX:
        details = details[:DETAILS_MAX].rstrip() + "…"
    return (
        f"{local_datetime(event.at):%Y-%m-%d %H:%M:%S}",
        event.actor_name,
        event.action,
        f"{event.object_type.replace('_', ' ')} {event.object_id[:8]}",
        details,
    )
