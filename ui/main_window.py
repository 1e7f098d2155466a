"""The main window: the call pane beside the playbook.

The call is the agent's work and the playbook is its reference, so the call pane
sits on the left and the playbook on the right, each with its own splitter. Window
geometry and splitter positions are remembered in the data dir (not the user's
global settings), so two data dirs on one desk never fight over a layout.

Every widget holds the one ``User`` object the window signed in with. Services judge
rights against the database, so an admin elsewhere can demote or disable that account
at any moment; when a service says so, the window brings its copy up to date in
place (every widget sees it at once), rebuilds the Supervisor menu, and for a
revoked account asks someone to sign in again, leaving every widget's text as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from companion.call_articles import record_article_opened
from companion.call_desks import held_here
from companion.calls import CallView
from companion.changes import Changes, Topic
from companion.errors import PermissionDenied
from companion.permissions import (
    ADMINS,
    EDITORS,
    AccountRevoked,
    can_edit_playbook,
    can_manage_accounts,
    can_view_team,
    current_user,
    require_role,
)
from companion.promises import PromiseView
from companion.users import Role, User
from kb.workspace import Workspace
from ui.call.call_pane import CallPane
from ui.call.caller_lookup import CustomerLookupWorker
from ui.call.session import CallSession
from ui.call.suggestions import SuggestionWorker
from ui.change_feed import ChangeFeedThread
from ui.due_banner import DueBanner
from ui.due_notifier import DueNotifier
from ui.followups_view import FollowUpsView
from ui.help_overlay import HelpOverlay
from ui.login_dialog import sign_in_again
from ui.outage_banner import OutageBanner
from ui.playbook_pane import PlaybookPane
from ui.releases import ReleaseDesk
from ui.search_worker import SearchWorker
from ui.service_runner import ServiceRunner
from ui.shortcuts import WINDOW
from ui.worker_thread import WorkerThread

SETTINGS_FILE = "window.ini"
STATUS_TIMEOUT_MS = 8000


def desk_users() -> list[User]:
    return list(User.select().order_by(User.display_name))


def stored_account(user: User) -> User | AccountRevoked:
    """The account as stored now, or why it can no longer work here."""
    try:
        return current_user(user, action="Working in this window")
    except AccountRevoked as revoked:
        return revoked


def refusal_of(user: User, roles: tuple[Role, ...], action: str) -> PermissionDenied | None:
    """Why the stored account may not do ``action`` (None if it may)."""
    try:
        require_role(user, *roles, action=action)
    except PermissionDenied as refused:
        return refused
    return None


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.setWindowTitle("Companion")
        self.setObjectName("mainWindow")
        self.settings = QSettings(
            str(workspace.data_dir / SETTINGS_FILE), QSettings.Format.IniFormat
        )
        self.runner = ServiceRunner(workspace.db_url, self)
        self.runner.rightsRefused.connect(self.on_rights_refused)
        self.supervisor_menu: QMenu | None = None
        self._asking_to_sign_in = False
        self.search_thread = WorkerThread(SearchWorker(workspace), "search")
        self.lookup_thread = WorkerThread(CustomerLookupWorker(workspace.user), "lookup")
        self.suggestion_thread = WorkerThread(SuggestionWorker(workspace), "suggestions")
        worker = self.search_thread.worker

        self.playbook = PlaybookPane(worker, runner=self.runner)
        self.playbook.message.connect(self.show_message)
        self.session = CallSession(workspace.user, self.runner, self)
        self._escalated_calls: set[str] = set()  # handoff saved: close presets "escalated"
        self.call_pane = CallPane(
            self.session,
            self.lookup_thread.worker,
            self.suggestion_thread.worker,
            [],
        )
        self.call_pane.message.connect(self.show_message)
        self.call_pane.articleRequested.connect(self.playbook.open_article)
        self.playbook.viewer.articleOpened.connect(self._note_article_opened)
        self.playbook.viewer.track_reads(workspace.user, self.runner)
        self.releases = ReleaseDesk(
            self, workspace.user, self.runner, self.playbook, workspace.index, self._when_allowed
        )
        self.releases.message.connect(self.show_message)

        self.follow_ups = FollowUpsView(workspace.user, self.runner)
        self.follow_ups.message.connect(self.show_message)
        self.follow_ups.callBackRequested.connect(self._call_back)
        self.work_tabs = QTabWidget()
        self.work_tabs.setObjectName("workTabs")
        self.work_tabs.addTab(self.call_pane, "Call")
        self.work_tabs.addTab(self.follow_ups, "Follow-ups")
        self.work_tabs.currentChanged.connect(self._on_tab_changed)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.work_tabs)
        self.splitter.addWidget(self.playbook)
        self.splitter.setChildrenCollapsible(False)
        self.due_banner = DueBanner()
        self.due_banner.showRequested.connect(self.show_follow_ups)
        self.outage_banner = OutageBanner(workspace.location)
        self.outage_banner.follow(self.runner)
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.outage_banner)
        central_layout.addWidget(self.due_banner)
        central_layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.notifier = DueNotifier(workspace.user, self.runner, self)
        self.notifier.promisesFellDue.connect(self.due_banner.show_promises)
        self.runner.changed.connect(self.playbook.handle_changes)
        self.runner.changed.connect(self._on_changes)
        # Other desks' writes reach the views through the same signal as this window's.
        self.change_feed = ChangeFeedThread(workspace.database, workspace.index, self)
        self.change_feed.arrived.connect(self.runner.publish)
        self.change_feed.start()
        self._load_users()

        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.index_label = QLabel()
        self.statusBar().addPermanentWidget(self.index_label)
        self.statusBar().addPermanentWidget(self.progress)
        worker.indexProgress.connect(self._on_index_progress)
        worker.indexReady.connect(self._on_index_ready)
        worker.indexFailed.connect(self._on_index_failed)

        self._bind_shortcuts()
        self._build_menus()
        self._fit_to_screen()
        self._restore_layout()
        self.index_ready = False
        self.index_label.setText("Checking the search index…")
        worker.prepare_index()
        self.playbook.refresh()  # queued behind the index check, so it sees a fresh index
        self.releases.start()
        self._resume_interrupted_call()

    # -- shortcuts ---------------------------------------------------------------------

    def _bind_shortcuts(self) -> None:
        pane = self.call_pane
        bindings: dict[str, Callable[[], None]] = {
            "start_call": pane.focus_start,
            "search": self.playbook.focus_search,
            "hold": pane.hold_call,
            "escalate": self.escalate,
            "close_call": self.close_call,
            "next_unknown": pane.goal.focus_next_unknown,
            "suggestion": lambda: pane.suggestions.open(0),
            "next_stage": pane.stage_bar.next,
            "previous_stage": pane.stage_bar.previous,
            "composer": self.show_composer,
            "follow_ups": self.show_follow_ups,
            "help": self.show_help,
        }
        for name, slot in bindings.items():
            action = QAction(WINDOW[name].action, self)
            action.setShortcut(QKeySequence(WINDOW[name].keys))
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
        pane.escalate_button.clicked.connect(self.escalate)
        pane.close_button.clicked.connect(self.close_call)

    def show_follow_ups(self) -> None:
        self.due_banner.hide()
        self.work_tabs.setCurrentWidget(self.follow_ups)
        self.follow_ups.refresh()
        self.follow_ups.setFocus()

    def show_composer(self) -> None:
        self.work_tabs.setCurrentWidget(self.call_pane)
        self.call_pane.composer.edit.setFocus()

    def _call_back(self, promise: PromiseView) -> None:
        self.work_tabs.setCurrentWidget(self.call_pane)
        self.call_pane.call_back(promise.customer.id, promise.call_id)

    def _on_tab_changed(self, _index: int) -> None:
        if self.work_tabs.currentWidget() is self.follow_ups:
            self.follow_ups.refresh()

    def _on_changes(self, changes: Changes) -> None:
        if changes.touches(Topic.ACCOUNTS):
            self._load_users()

    def _load_users(self) -> None:
        """The people a promise can be given to, for the call pane's promise dialog."""
        self.runner.read(
            desk_users,
            on_done=self.call_pane.set_users,
            on_error=lambda msg: self.show_message(f"The list of people could not be read: {msg}"),
        )

    def _build_menus(self) -> None:
        """Menus mirror the shortcuts for discovery; supervisor tools appear by role."""
        desk = self.menuBar().addMenu("&Desk")
        for action in self.actions():
            desk.addAction(action)
        self._build_supervisor_menu()

    def _build_supervisor_menu(self) -> None:
        """(Re)build the Supervisor menu for the role the window's user has now."""
        if self.supervisor_menu is not None:
            self.menuBar().removeAction(self.supervisor_menu.menuAction())
            self.supervisor_menu.deleteLater()
            self.supervisor_menu = None
        user = self.workspace.user
        tools = [
            ("Playbook &editor…", can_edit_playbook(user), self.show_editor),
            ("&Team view…", can_view_team(user), self.show_team),
            ("&Phrasing rules…", can_view_team(user), self.show_rules),
            ("Audit &log…", can_view_team(user), self.show_audit),
            ("&Accounts…", can_manage_accounts(user), self.show_accounts),
        ]
        visible = [(label, slot) for label, allowed, slot in tools if allowed]
        if visible:
            self.supervisor_menu = self.menuBar().addMenu("Super&visor")
            for label, slot in visible:
                self.supervisor_menu.addAction(label, slot)
            if can_edit_playbook(user):
                self.supervisor_menu.addSeparator()
                self.supervisor_menu.addActions(self.releases.menu_actions())

    # -- rights changed at another desk ----------------------------------------------------

    def on_rights_refused(self, refusal: PermissionDenied) -> None:
        """A service refused the window's user: catch up with what an admin changed.

        Judged again now, not from the refusal alone: a refusal queued before someone
        signed in again must not ask a second time.
        """
        self.refresh_user(str(refusal) if isinstance(refusal, AccountRevoked) else None)

    def refresh_user(self, reason: str | None = None) -> None:
        """Re-read the signed-in account (off the UI thread); ask to sign in if it is revoked.

        ``reason`` is what the sign-in dialog says; by default the revocation itself.
        """

        def read(account: User | AccountRevoked) -> None:
            if isinstance(account, AccountRevoked):
                self._sign_in_again(reason or str(account))
            else:
                self._adopt(account)

        self.runner.read(
            stored_account, self.workspace.user, on_done=read, on_error=self.show_message
        )

    def _when_allowed(self, roles: tuple[Role, ...], action: str, then: Callable[[], None]) -> None:
        """Check a supervisor tool against the stored account, then open it (or say why not)."""

        def checked(refused: PermissionDenied | None) -> None:
            if refused is None:
                then()
                return
            self.show_message(str(refused))
            self.on_rights_refused(refused)

        self.runner.read(
            refusal_of,
            self.workspace.user,
            roles,
            action,
            on_done=checked,
            on_error=self.show_message,
        )

    def _sign_in_again(self, reason: str) -> None:
        if self._asking_to_sign_in:
            return
        self._asking_to_sign_in = True
        try:
            user = sign_in_again(reason, self, runner=self.runner)
        finally:
            self._asking_to_sign_in = False
        if user is None:
            self.show_message(f"{reason} Until then, what you do here is not saved.")
            return
        self._adopt(user)
        self.show_message(f"Signed in as {user.display_name}.")

    def _adopt(self, fresh: User) -> None:
        """Make the window's user object hold ``fresh``'s stored values, then the menus.

        Updated in place rather than replaced: the call pane, follow-ups, workers and
        open tools all hold this object, and none of them needs rebuilding (which
        would drop what is typed in them).
        """
        user = self.workspace.user
        user.__data__.clear()
        user.__data__.update(fresh.__data__)
        user._dirty.clear()
        self._build_supervisor_menu()
        self.releases.user_changed()

    def show_editor(self) -> None:
        self._when_allowed(EDITORS, "Opening the playbook editor", self._open_editor)

    def _open_editor(self) -> None:
        from ui.editor import open_editor

        slug = self.playbook.viewer.current.slug if self.playbook.viewer.current else None
        open_editor(self, self.workspace, self.runner, slug)

    def show_team(self) -> None:
        from ui.team_view import TeamView

        self._when_allowed(
            EDITORS,
            "Opening the team view",
            lambda: self._show_tool("Team view", TeamView(self.workspace.user, self.runner)),
        )

    def show_rules(self) -> None:
        from ui.rules_editor import RulesEditor

        self._when_allowed(
            EDITORS,
            "Opening the phrasing rules",
            lambda: self._show_tool(
                "Phrasing rules", RulesEditor(self.workspace.user, self.runner)
            ),
        )

    def show_audit(self) -> None:
        from ui.audit_view import AuditView

        self._when_allowed(
            EDITORS,
            "Opening the audit log",
            lambda: self._show_tool("Audit log", AuditView(self.workspace.user, self.runner)),
        )

    def _show_tool(self, title: str, widget: QWidget) -> None:
        """Supervisor tools open in their own window so the call pane stays usable."""
        window = QDialog(self)
        window.setWindowTitle(f"Companion — {title}")
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(window)
        layout.addWidget(widget)
        window.resize(1000, 680)
        window.show()

    def show_accounts(self) -> None:
        self._when_allowed(ADMINS, "Opening the accounts", self._open_accounts)

    def _open_accounts(self) -> None:
        from ui.accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self.workspace.user, self.runner, self)
        dialog.exec()
        dialog.deleteLater()

    def show_help(self) -> None:
        HelpOverlay(self).exec()

    # -- call actions that open dialogs -----------------------------------------------

    def escalate(self) -> None:
        if not self.session.active:
            self.show_message("There is no open call to escalate.")
            return
        from ui.call.escalate_dialog import EscalateDialog

        dialog = EscalateDialog(self.session, self)
        dialog.escalated.connect(self._escalated_calls.add)
        dialog.exec()
        dialog.deleteLater()

    def close_call(self) -> None:
        if not self.session.active or self.session.call is None:
            self.show_message("There is no open call to close.")
            return
        from companion.calls import Outcome
        from ui.call.close_dialog import CloseCallDialog

        preset = Outcome.ESCALATED if self.session.call.id in self._escalated_calls else None
        self.call_pane.goal.flush()
        dialog = CloseCallDialog(self.session, self, preset_outcome=preset)
        dialog.exec()
        dialog.deleteLater()
        if self.session.call is not None and self.session.call.is_closed:
            name = self.session.call.customer.display_name
            self.session.put_aside()  # back to "Who is calling?" for the next call
            self.show_message(f"The call with {name} is closed and recorded.")

    def _resume_interrupted_call(self) -> None:
        """After a crash or a restart, bring back the call that was open, with its draft.

        Only a call this person had open at this desk: calls on hold wait in the list,
        and a call open at another desk is never taken from it without asking.
        """

        def found(held: list[CallView]) -> None:
            held = [call for call in held if held_here(call, self.session.user)]
            if held and self.session.call is None:
                self.call_pane.resume(held[0].id)
                self.show_message(
                    f"Your call with {held[0].customer.display_name} was still open; it is back."
                )

        self.session.held_calls(found)

    def _note_article_opened(self, slug: str) -> None:
        call = self.session.call
        if call is not None and not call.is_closed:
            self.runner.submit(
                record_article_opened, self.workspace.user, call.id, slug,
                on_error=lambda msg: self.show_message(f"Could not note the article: {msg}"),
            )  # fmt: skip

    # -- status --------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    @Slot(int, int)
    def _on_index_progress(self, done: int, total: int) -> None:
        self.index_label.setText("Building the search index")
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.show()

    @Slot(bool)
    def _on_index_ready(self, rebuilt: bool) -> None:
        self.index_ready = True
        self.progress.hide()
        self.index_label.clear()
        if rebuilt:
            self.show_message("Search index rebuilt.")
            self.playbook.refresh()

    @Slot(str)
    def _on_index_failed(self, message: str) -> None:
        self.progress.hide()
        self.index_label.setText("Search index unavailable")
        self.show_message(message)

    # -- layout ----------------------------------------------------------------------------

    def _fit_to_screen(self) -> None:
        """Open at a comfortable desk size, but never larger than the screen's free area.

        A 1366x768 laptop has less room than the preferred 1440x900; a window wider than
        its screen hides the playbook's search box off the edge.
        """
        preferred = QSize(1440, 900)
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            preferred = preferred.boundedTo(screen.availableGeometry().size())
        self.resize(preferred)

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        for key, splitter, default in (
            ("window/mainSplitter", self.splitter, [860, 580]),
            ("window/playbookSplitter", self.playbook.splitter, [300, 560]),
            ("window/callSplitter", self.call_pane.splitter, [250, 610]),
        ):
            state = self.settings.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
            else:
                splitter.setSizes(default)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/mainSplitter", self.splitter.saveState())
        self.settings.setValue("window/playbookSplitter", self.playbook.splitter.saveState())
        self.settings.setValue("window/callSplitter", self.call_pane.splitter.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.notifier.stop()
        self.save_layout()
        self.call_pane.goal.flush()
        self.call_pane.save_draft()
        self.change_feed.stop()
        self.runner.stop()
        for thread in (self.search_thread, self.lookup_thread, self.suggestion_thread):
            thread.stop()
        super().closeEvent(event)
