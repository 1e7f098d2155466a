"""Once per person: "Playbook updated to release R7: 5 articles changed — What changed".

A calm bar at the top of the playbook pane, in the house style of the due banner. It
never takes the keyboard focus (an agent may be typing in the call pane when another
desk applies a release). "What changed" lists the articles (title, new or updated);
opening one shows it in the playbook. Either opening that list or dismissing the bar
means the person has been told: :attr:`ReleaseNoticeBanner.seen` carries the release
id so the window can record it, and the bar never comes back for that release, not
even after a restart.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kb.releases import ReleaseNotice
from ui.releases.texts import change_row, notice_text

SlugRole = Qt.ItemDataRole.UserRole + 72


class WhatChangedDialog(QDialog):
    """The articles a release changed; Enter or a double click opens one in the playbook."""

    articleRequested = Signal(str)

    def __init__(self, notice: ReleaseNotice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("releaseWhatChanged")
        self.setWindowTitle(f"What changed in playbook release {notice.label}")
        summary = notice_text(notice.label, len(notice.changed))
        intro = QLabel(f"{summary}. Open one to read it now.")
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("changedArticles")
        self.list.setAccessibleName("Articles the release changed")
        for change in notice.changed:
            item = QListWidgetItem(change_row(change))
            item.setData(SlugRole, change.slug)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.list.itemActivated.connect(self._open_item)
        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton("&Open", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setEnabled(self.list.count() > 0)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_current)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(520, 320)
        self.list.setFocus()

    def open_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._open_item(item)

    def _open_item(self, item: QListWidgetItem) -> None:
        self.articleRequested.emit(str(item.data(SlugRole)))


class ReleaseNoticeBanner(QFrame):
    """Shows one :class:`ReleaseNotice` until the person dismisses it or opens the list."""

    seen = Signal(str)  # release id: record that this person has been told
    articleRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("releaseNoticeBanner")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("Playbook release notice")
        self.setStyleSheet(
            "QFrame#releaseNoticeBanner { background: #eef3fb; border: 1px solid #c9d8ef;"
            " border-radius: 6px; }"
        )
        self.notice: ReleaseNotice | None = None
        self.dialog: WhatChangedDialog | None = None
        self.label = QLabel()
        self.label.setObjectName("releaseNoticeText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.what_button = QPushButton("What changed")
        self.what_button.setObjectName("releaseWhatChangedButton")
        self.what_button.setToolTip("List the articles this release changed")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setToolTip("Hide this notice; it will not come back")
        for button in (self.what_button, self.dismiss_button):
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.what_button.clicked.connect(self.show_changes)
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        layout.setSpacing(8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.what_button)
        layout.addWidget(self.dismiss_button)
        self.hide()

    def show_notice(self, notice: ReleaseNotice) -> None:
        """Show ``notice`` (a newer one replaces the one showing)."""
        self.notice = notice
        self.label.setText(f"{notice_text(notice.label, len(notice.changed))}.")
        self.setToolTip("\n".join(change_row(change) for change in notice.changed))
        self.show()

    def text(self) -> str:
        return self.label.text()

    def show_changes(self) -> None:
        """Open the list of changed articles; the notice has been seen."""
        notice = self.notice
        if notice is None:
            return
        dialog = WhatChangedDialog(notice, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.articleRequested.connect(self.articleRequested)
        self.dialog = dialog
        dialog.destroyed.connect(lambda _obj=None: self._forget(dialog))
        dialog.show()
        self._told(notice)

    def dismiss(self) -> None:
        if self.notice is not None:
            self._told(self.notice)

    def withdraw(self) -> None:
        """Nothing is pending any more (seen elsewhere): step aside without recording."""
        self.notice = None
        self.hide()

    def _told(self, notice: ReleaseNotice) -> None:
        self.notice = None
        self.hide()
        self.seen.emit(notice.release_id)

    def _forget(self, dialog: WhatChangedDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
