"""The window's side of playbook releases, in one place the main window creates once.

It owns the Supervisor menu's three release actions (apply, make, conflicts with their
count), the conflict flag above the article and the once-per-person notice at the top
of the playbook pane. Everything it shows is read through the window's runner, and it
follows the runner's ``changed`` signal: a release applied or a conflict resolved,
here or at another desk, refreshes the count, the flag and the notice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from companion.changes import Changes, Topic
from companion.permissions import EDITORS, can_edit_playbook
from companion.users import Role, User
from kb.releases import ReleaseNotice, mark_notice_seen, pending_notice
from kb.search.index import SearchIndex
from ui.playbook_pane import PlaybookPane
from ui.releases.apply_flow import ApplyReleaseFlow
from ui.releases.conflict_flag import ConflictFlag, ConflictFlagFollower
from ui.releases.conflicts_dialog import ConflictsDialog
from ui.releases.jobs import conflict_count, conflicts_topics
from ui.releases.make_flow import FILTER, MakeReleaseFlow
from ui.releases.notice_banner import ReleaseNoticeBanner
from ui.releases.texts import conflicts_action_text
from ui.service_runner import ServiceRunner

# The window's check of the stored account before a tool opens: (roles, action, then).
WhenAllowed = Callable[[tuple[Role, ...], str, Callable[[], None]], None]


def _at_once(_roles: tuple[Role, ...], _action: str, then: Callable[[], None]) -> None:
    then()


class ReleaseDesk(QObject):
    message = Signal(str)  # one line for the status bar

    def __init__(
        self,
        window: QWidget,
        user: User,
        runner: ServiceRunner,
        playbook: PlaybookPane,
        index: SearchIndex | None = None,
        when_allowed: WhenAllowed = _at_once,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.user = user
        self.runner = runner
        self.playbook = playbook
        self.index = index
        self.folder = Path.home()  # where the last release file was chosen
        self.flow: ApplyReleaseFlow | MakeReleaseFlow | None = None
        self.conflicts_dialog: ConflictsDialog | None = None
        self.conflict_count = 0

        self.apply_action = QAction("Apply playbook &release…", self)
        self.apply_action.setToolTip("Bring in a release file (.cpb) from head office")
        self.apply_action.triggered.connect(
            lambda: when_allowed(EDITORS, "Applying a playbook release", self.apply_release)
        )
        self.make_action = QAction("&Make playbook release…", self)
        self.make_action.setToolTip("Write this playbook as a release file for the sites")
        self.make_action.triggered.connect(
            lambda: when_allowed(EDITORS, "Making a playbook release", self.make_release)
        )
        self.conflicts_action = QAction(conflicts_action_text(0), self)
        self.conflicts_action.setToolTip("Articles edited here that a release also changed")
        self.conflicts_action.setEnabled(False)
        self.conflicts_action.triggered.connect(
            lambda: when_allowed(EDITORS, "Resolving release conflicts", self.show_conflicts)
        )

        self.banner = ReleaseNoticeBanner()
        self.banner.seen.connect(self._seen)
        self.banner.articleRequested.connect(playbook.open_article)
        playbook.add_banner(self.banner)
        self.flag = ConflictFlag()
        self.flag.resolveRequested.connect(
            lambda slug: when_allowed(
                EDITORS, "Resolving release conflicts", lambda: self.show_conflicts(slug)
            )
        )
        playbook.add_article_bar(self.flag)
        self.follower = ConflictFlagFollower(
            self.flag, playbook.viewer, user, runner, self.message.emit
        )
        runner.changed.connect(self._on_changes)

    def start(self) -> None:
        """At window start: this person's notice, and the conflict count for supervisors."""
        self.check_notice()
        self.refresh_count()

    def menu_actions(self) -> list[QAction]:
        """The Supervisor menu's release items, for someone who may edit the playbook."""
        return [self.apply_action, self.make_action, self.conflicts_action]

    def user_changed(self) -> None:
        """The window's account was re-read (e.g. demoted): the flag and count follow."""
        self.follower.check()
        self.refresh_count()

    # -- the menu --------------------------------------------------------------------------

    def apply_release(self) -> None:
        if self.flow is not None:
            self.message.emit("A release is already being applied or made.")
            return
        chosen, _ = QFileDialog.getOpenFileName(
            self.window, "Apply playbook release", str(self.folder), FILTER
        )
        if not chosen:
            return
        path = Path(chosen)
        self.folder = path.parent
        flow = ApplyReleaseFlow(self.user, self.runner, self.index, self.window)
        self._begin(flow)
        flow.start(path)

    def make_release(self) -> None:
        if self.flow is not None:
            self.message.emit("A release is already being applied or made.")
            return
        flow = MakeReleaseFlow(self.user, self.runner, self.window, self.folder)
        self._begin(flow)
        flow.start()

    def _begin(self, flow: ApplyReleaseFlow | MakeReleaseFlow) -> None:
        self.flow = flow
        flow.message.connect(self.message)
        flow.ended.connect(lambda: self._flow_ended(flow))

    def _flow_ended(self, flow: QObject) -> None:
        if self.flow is flow:
            self.flow = None
        flow.deleteLater()

    def show_conflicts(self, slug: str | None = None) -> None:
        """Open (or bring forward) the conflicts dialog, at ``slug``'s conflict if given."""
        dialog = self.conflicts_dialog
        if dialog is None:
            dialog = ConflictsDialog(self.user, self.runner, self.index, self.window)
            dialog.finished.connect(lambda _r: self._conflicts_closed(dialog))
            self.conflicts_dialog = dialog
        dialog.load(slug)
        if dialog.isVisible():
            dialog.raise_()
            dialog.activateWindow()
        else:
            dialog.show()

    def _conflicts_closed(self, dialog: ConflictsDialog) -> None:
        if self.conflicts_dialog is dialog:
            self.conflicts_dialog = None
        dialog.deleteLater()

    # -- what changed ------------------------------------------------------------------------

    def refresh_count(self) -> None:
        if not can_edit_playbook(self.user):
            self._set_count(0)
            return
        # The count is a courtesy beside the menu item: a failed read stays quiet.
        self.runner.read(conflict_count, on_done=self._set_count, on_error=lambda _m: None)

    def _set_count(self, count: int) -> None:
        self.conflict_count = count
        self.conflicts_action.setText(conflicts_action_text(count))
        self.conflicts_action.setEnabled(count > 0)

    def check_notice(self) -> None:
        self.runner.read(
            pending_notice, self.user, on_done=self._notice, on_error=lambda _m: None
        )  # fmt: skip

    def _notice(self, notice: ReleaseNotice | None) -> None:
        if notice is not None and notice.changed:
            self.banner.show_notice(notice)
        else:
            self.banner.withdraw()  # told at another desk, or a newer release was seen

    def _seen(self, release_id: str) -> None:
        self.runner.submit(
            mark_notice_seen, self.user, release_id, on_error=self.message.emit
        )  # fmt: skip

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.RELEASES):
            self.check_notice()
        if changes.touches(*conflicts_topics()):
            self.refresh_count()
