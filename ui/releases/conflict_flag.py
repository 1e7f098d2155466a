"""A calm line above the article, for supervisors: "Conflicts with head office release R7".

It follows the article view: each time an article is shown, and when a release or an
article changes (here or at another desk), the open article's conflict is read off the
UI thread. Agents never see it, and never cause that read: what they read stays the
site's version, undisturbed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from companion.changes import Changes
from companion.permissions import can_edit_playbook
from companion.users import User
from kb.releases import ReleaseConflict, conflict_for
from ui.article_view import ArticleView
from ui.releases.jobs import conflicts_topics
from ui.service_runner import ServiceRunner


class ConflictFlag(QFrame):
    """Shown above the open article while it conflicts; ``resolveRequested`` names its slug."""

    resolveRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("releaseConflictFlag")
        self.setAccessibleName("Release conflict")
        self.setStyleSheet(
            "QFrame#releaseConflictFlag { background: #fdf6e3; border: 1px solid #eadbb0;"
            " border-radius: 6px; }"
        )
        self.slug: str | None = None
        self.label = QLabel()
        self.label.setObjectName("releaseConflictText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.resolve_button = QPushButton("&Resolve…")
        self.resolve_button.setToolTip("Compare both versions and choose what agents read")
        self.resolve_button.setAutoDefault(False)
        self.resolve_button.clicked.connect(self._resolve)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 8, 4)
        layout.setSpacing(8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.resolve_button)
        self.hide()

    def show_conflict(self, conflict: ReleaseConflict | None) -> None:
        if conflict is None:
            self.slug = None
            self.hide()
            return
        self.slug = conflict.slug
        self.label.setText(f"{conflict.message[:1].upper()}{conflict.message[1:]}.")
        self.show()

    def text(self) -> str:
        return self.label.text()

    def _resolve(self) -> None:
        if self.slug is not None:
            self.resolveRequested.emit(self.slug)


class ConflictFlagFollower:
    """Keeps a :class:`ConflictFlag` in step with an article view, for supervisors only."""

    def __init__(
        self,
        flag: ConflictFlag,
        viewer: ArticleView,
        user: User,
        runner: ServiceRunner,
        on_error: Callable[[str], None],
    ) -> None:
        self.flag = flag
        self.viewer = viewer
        self.user = user
        self.runner = runner
        self.on_error = on_error
        viewer.articleOpened.connect(self.check)
        runner.changed.connect(self._on_changes)

    def check(self, slug: str | None = None) -> None:
        """Read the open article's conflict; an agent (or a demoted supervisor) sees none."""
        current = self.viewer.current
        slug = slug or (current.slug if current is not None else None)
        if slug is None or not can_edit_playbook(self.user):
            self.flag.show_conflict(None)
            return

        def found(conflict: ReleaseConflict | None) -> None:
            shown = self.viewer.current
            if shown is not None and shown.slug == slug:
                self.flag.show_conflict(conflict if can_edit_playbook(self.user) else None)

        self.runner.read(conflict_for, slug, on_done=found, on_error=self.on_error)

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(*conflicts_topics()) and self.viewer.current is not None:
            self.check()
