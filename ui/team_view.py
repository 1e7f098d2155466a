"""The team overview: who is behind today, what is coming due, and how often we keep our word.

The chart is drawn with QPainter: fourteen bars and two axes do not earn a plotting
library (QtCharts would pull in the full PySide6 Addons). Numbers sit on the bars
and the kept-on-time rate is written out beside the chart, so nobody has to read a
value off an axis, and the view reads the same to a screen reader as to the eye.
The figures are read through the window's runner (off the UI thread) and read again
whenever calls or promises change, here or at another desk.

At head office, which holds call records imported from other sites, a "Site" choice
(All sites, then each known site) narrows every figure to the calls taken at one
site; the list of sites is read with the figures, so a new site appears after its
first import. A store that knows only itself hides the choice: there is nothing to
narrow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from companion import team
from companion.changes import Changes, Topic
from companion.clock import local_today
from companion.sites import Site, known_sites
from companion.team import AgentDay, KeptOnTime
from companion.users import User
from ui.list_model import RowTableModel
from ui.service_runner import ServiceRunner

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Person", "Overdue", "Due today", "Calls today", "Escalations today")
OVERDUE = QColor("#b3261e")
BAR = QColor("#8fa9c9")
TODAY_BAR = QColor("#2f5d8a")
AXIS = QColor("#5d636b")
CHART_DAYS = 14
RATE_DAYS = 30


class TeamTableModel(RowTableModel[AgentDay]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(COLUMNS, parent)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        values = (
            row.agent.display_name,
            row.overdue,
            row.due_today,
            row.calls_today,
            row.escalations_today,
        )
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return str(values[column])
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == 1 and row.overdue:
            return OVERDUE
        return None


class DueChart(QWidget):
    """Outstanding promises due on each of the coming days; today's bar is the dark one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dueChart")
        self.days: list[tuple[date, int]] = []
        self.today: date | None = None
        self.setMinimumSize(420, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_days(self, days: Sequence[tuple[date, int]], today: date) -> None:
        self.days = list(days)
        self.today = today
        total = sum(count for _, count in self.days)
        self.setAccessibleName("Promises due per day")
        self.setAccessibleDescription(
            ", ".join(f"{day:%a %d %b}: {count}" for day, count in self.days) or "No days"
        )
        self.setToolTip(f"{total} promise{'s' if total != 1 else ''} due in the next 14 days")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        line = metrics.height()
        plot = QRectF(self.rect()).adjusted(
            metrics.horizontalAdvance("000") + 8, line, -4, -2.2 * line
        )
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(AXIS)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        if not self.days:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No days to show")
            return
        top = max(1, max(count for _, count in self.days))
        label_rect = QRectF(0, plot.top() - line / 2, plot.left() - 6, line)
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignRight, str(top))
        zero_rect = QRectF(0, plot.bottom() - line / 2, plot.left() - 6, line)
        painter.drawText(zero_rect, Qt.AlignmentFlag.AlignRight, "0")
        slot = plot.width() / len(self.days)
        bold = QFont(painter.font())
        bold.setBold(True)
        for number, (day, count) in enumerate(self.days):
            is_today = day == self.today
            left = plot.left() + number * slot
            height = (plot.height() - line) * count / top
            bar = QRectF(left + slot * 0.15, plot.bottom() - height, slot * 0.7, height)
            painter.fillRect(bar, TODAY_BAR if is_today else BAR)
            painter.setFont(bold if is_today else self.font())
            painter.setPen(text)
            if count:
                above = QRectF(left, bar.top() - line, slot, line)
                painter.drawText(above, Qt.AlignmentFlag.AlignCenter, str(count))
            painter.setPen(TODAY_BAR if is_today else AXIS)
            name = "Today" if is_today else f"{day:%a}"[:2]
            for row, caption in enumerate((name, f"{day.day}")):
                below = QRectF(left, plot.bottom() + 2 + row * line, slot, line)
                painter.drawText(below, Qt.AlignmentFlag.AlignCenter, caption)


@dataclass(frozen=True)
class TeamFigures:
    rows: list[AgentDay]
    days: list[tuple[date, int]]
    kept: KeptOnTime
    sites: list[Site]


def team_figures(user: User, day: date, site: str | None = None) -> TeamFigures:
    """Everything the view shows, at one site or all (None), read in one job."""
    return TeamFigures(
        team.team_summary(user, day, site),
        team.promises_due_per_day(user, day, CHART_DAYS, site),
        team.kept_on_time_rate(user, day, RATE_DAYS, site),
        known_sites(),
    )


ALL_SITES = "All sites"


class TeamView(QWidget):
    def __init__(
        self,
        user: User,
        runner: ServiceRunner,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] = local_today,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("teamView")
        self.user = user
        self.runner = runner
        self._request = 0
        self.today = today
        self.model = TeamTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("teamTable")
        self.table.setModel(self.model)
        self.table.setAccessibleName("Team today")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.chart = DueChart()
        self.rate = QLabel()
        self.rate.setObjectName("keptRate")
        font = self.rate.font()
        font.setPointSizeF(font.pointSizeF() * 2.4)
        font.setBold(True)
        self.rate.setFont(font)
        self.rate_caption = QLabel()
        self.rate_caption.setObjectName("keptRateCaption")
        self.rate_caption.setWordWrap(True)
        self.rate_caption.setMaximumWidth(220)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.site_choice = QComboBox()
        self.site_choice.setObjectName("teamSite")
        self.site_choice.setAccessibleName("Site")
        self.site_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.site_choice.setToolTip("Show the figures of calls taken at one site, or all")
        self.site_choice.addItem(ALL_SITES, None)
        self.site_choice.currentIndexChanged.connect(lambda _index: self.refresh())
        site_label = QLabel("&Site:")
        site_label.setBuddy(self.site_choice)
        self.site_row = QWidget()
        site_box = QHBoxLayout(self.site_row)
        site_box.setContentsMargins(0, 0, 0, 0)
        site_box.addWidget(site_label)
        site_box.addWidget(self.site_choice)
        site_box.addStretch(1)
        self.site_row.hide()
        chart_title = QLabel(f"Promises due, next {CHART_DAYS} days")
        chart_title.setProperty("cardTitle", True)
        rate_title = QLabel(f"Kept on time, last {RATE_DAYS} days")
        rate_title.setProperty("cardTitle", True)
        rate_box = QVBoxLayout()
        rate_box.addWidget(rate_title)
        rate_box.addWidget(self.rate)
        rate_box.addWidget(self.rate_caption)
        rate_box.addStretch(1)
        chart_box = QVBoxLayout()
        chart_box.addWidget(chart_title)
        chart_box.addWidget(self.chart, 1)
        lower = QHBoxLayout()
        lower.addLayout(chart_box, 3)
        lower.addSpacing(16)
        lower.addLayout(rate_box, 1)
        table_title = QLabel("Today, per person")
        table_title.setProperty("cardTitle", True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.site_row)
        layout.addWidget(table_title)
        layout.addWidget(self.table, 1)
        layout.addLayout(lower, 1)
        self.message.hide()
        runner.changed.connect(self.handle_changes)
        self.refresh()

    def handle_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.CALLS, Topic.PROMISES, Topic.ACCOUNTS):
            self.refresh()

    @property
    def site(self) -> str | None:
        """The id of the site whose figures are shown, or None for all sites."""
        chosen = self.site_choice.currentData()
        return None if chosen is None else str(chosen)

    def refresh(self) -> None:
        """Read the figures again; a refusal or a busy database is said, not hidden."""
        day = self.today()
        site = self.site
        self._request += 1
        request = self._request

        def loaded(figures: TeamFigures) -> None:
            if request != self._request:
                return
            self.message.hide()
            self._show_sites(figures.sites)
            self.model.set_rows(figures.rows)
            self.chart.set_days(figures.days, day)
            self._show_rate(figures.kept)

        def failed(message: str) -> None:
            if request == self._request:
                self.message.setText(message)
                self.message.show()

        self.runner.read(team_figures, self.user, day, site, on_done=loaded, on_error=failed)

    def _show_sites(self, sites: list[Site]) -> None:
        """Offer every known site, keeping the one chosen; shown once there are two."""
        names = [
            f"{site.name} (this site)" if n == 0 else site.name for n, site in enumerate(sites)
        ]
        wanted = [(ALL_SITES, None), *zip(names, (site.id for site in sites), strict=True)]
        have = [
            (self.site_choice.itemText(i), self.site_choice.itemData(i))
            for i in range(self.site_choice.count())
        ]
        if wanted != have:
            chosen = self.site
            self.site_choice.blockSignals(True)
            self.site_choice.clear()
            for name, site_id in wanted:
                self.site_choice.addItem(name, site_id)
            found = self.site_choice.findData(chosen) if chosen is not None else 0
            self.site_choice.setCurrentIndex(max(found, 0))
            self.site_choice.blockSignals(False)
            if chosen is not None and found < 0:
                self.refresh()  # the chosen site is gone: show all sites' figures
        self.site_row.setVisible(len(sites) > 1)

    def _show_rate(self, kept: KeptOnTime) -> None:
        if kept.rate is None:
            self.rate.setText("—")
            self.rate_caption.setText(f"No promises fell due in the last {RATE_DAYS} days.")
            return
        self.rate.setText(f"{kept.rate:.0%}")
        self.rate_caption.setText(
            f"{kept.kept_on_time} of {kept.due_total} promises due in the last {RATE_DAYS} "
            "days were kept by the date first promised."
        )
