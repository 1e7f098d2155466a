"""The playbook editor: supervisors write, preview, save drafts, publish and restore.

Agents keep reading the published revision while a supervisor works on a draft, so
saving often is safe; only Publish changes what agents see. Every keystroke is also
kept as a crash-safe draft (like the call composer's), and reopening the article
after a crash offers those edits back instead of silently replacing or dropping them.
Writes go through the service runner, so a locked database never freezes the window,
and a refusal (a slug in use, an empty title) is shown with the form left as typed.

Every save carries the revision the form was loaded from. When another supervisor
saved the article in between, nothing is written and the conflict dialog shows who
saved what and when, theirs against yours, and lets the person merge by hand (theirs
shown beside the form), keep theirs, or save theirs-then-mine
(:mod:`ui.editor.conflict_dialog`).

Nothing here queries the database on the UI thread: the list, the open article, its
state, its history and the crash-safe copy are read through the window's runner, and
answers for an article no longer open are dropped. The editor follows the runner's
``changed`` signal: another desk's change to the articles refreshes the list, and one
to the article open here says so calmly ("Grace saved a newer revision at another
desk") without touching the text being typed; saving then shows both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from companion import drafts
from companion.changes import Changes, Topic
from companion.clock import local_today
from companion.errors import CompanionError
from companion.permissions import can_edit_playbook
from companion.users import User
from kb import editing, store
from kb.article import ArticleData, ArticleDraft, Status
from kb.editing import EditResult, revision_lines
from kb.playbook import Playbook
from kb.store import EditConflict, RevisionData
from kb.workspace import Workspace
from ui.editor.conflict_dialog import Choice, ConflictDialog, conflict_headline
from ui.editor.form import ArticleForm, parse_state
from ui.editor.history import HistoryPanel
from ui.list_model import RowListModel
from ui.service_runner import ServiceRunner

AUTOSAVE_MS = 500
ERROR = "#b3261e"
WARNING = "#8a5300"


def draft_key(slug: str | None) -> str:
    return f"article:{slug or 'new'}:editor"


@dataclass(frozen=True)
class _Published:
    saved: EditResult
    article: ArticleData


@dataclass(frozen=True)
class _Conflicted:
    """A save that met someone else's newer revision; ``draft`` is what was being saved."""

    conflict: EditConflict
    draft: ArticleDraft
    publishing: bool


@dataclass(frozen=True)
class _Loaded:
    """An article as the editor shows it, read off the UI thread (None: a new article)."""

    slug: str | None
    article: ArticleData | None
    published: int | None
    revisions: list[RevisionData]
    kept: str | None  # the crash-safe copy of unsaved edits; None when not asked for


def _read_article(slug: str | None, *, kept_key: str | None = None) -> _Loaded:
    article = None if slug is None else store.get_article(slug)
    published = None if slug is None else store.published_revision(slug)
    revisions = [] if slug is None else store.list_revisions(slug)
    kept = None if kept_key is None else drafts.load_draft(kept_key)
    return _Loaded(slug, article, published, revisions, kept)


def _read_list(today: date, review_only: bool) -> tuple[set[str], list[ArticleData]]:
    stale = store.stale_slugs(today)
    rows = editing.needs_review(today) if review_only else store.list_working_copies()
    return stale, rows


def _save_checked(
    playbook: Playbook, user: User, draft: ArticleDraft, original: str | None, base: int
) -> EditResult | _Conflicted:
    """Save the form as the working copy, or say whose newer revision stands in the way."""
    try:
        return editing.save_working_copy(
            playbook, user, draft, editing=original, base_revision=base
        )
    except EditConflict as conflict:
        return _Conflicted(conflict, draft, publishing=False)


def _save_and_publish(
    playbook: Playbook, user: User, draft: ArticleDraft, original: str | None, base: int
) -> _Published | _Conflicted:
    """Publish exactly what is on screen: save it as the working copy, then publish that."""
    try:
        saved = editing.save_working_copy(
            playbook, user, draft, editing=original, base_revision=base
        )
        slug, revision = saved.article.slug, saved.article.revision
        return _Published(saved, editing.publish(playbook, user, slug, expected_revision=revision))
    except EditConflict as conflict:
        return _Conflicted(conflict, draft, publishing=True)


def _restore_checked(
    playbook: Playbook, user: User, slug: str, number: int, base: int
) -> EditResult | EditConflict:
    try:
        return editing.restore(playbook, user, slug, number, base_revision=base)
    except EditConflict as conflict:
        return conflict


class PlaybookEditor(QDialog):
    playbookChanged = Signal()  # something agents can see may have changed

    def __init__(
        self, workspace: Workspace, runner: ServiceRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("playbookEditor")
        self.setWindowTitle("Playbook editor")
        self.workspace = workspace
        self.user = workspace.user
        self.runner = runner
        self.slug: str | None = None
        self.base_revision = 0  # the revision the form was loaded from; 0: a new article
        self.dirty = False
        self._sent: dict[str, str] = {}
        self._stale: set[str] = set()
        self._loading = 0  # the article load last asked for; older answers are dropped

        self.review_only = QCheckBox("Needs re&view only")
        self.review_only.setToolTip("Only articles past their review-by date")
        self.review_only.toggled.connect(lambda _on: self.reload_list())
        self.model = RowListModel[ArticleData](
            self._describe, empty_text="No articles.", parent=self
        )
        self.list = QListView()
        self.list.setObjectName("editorArticles")
        self.list.setAccessibleName("Articles")
        self.list.setModel(self.model)
        self.list.activated.connect(self._open_index)
        self.list.clicked.connect(self._open_index)
        self.new_button = QPushButton("&New article")
        self.new_button.setToolTip("Start an empty article (Ctrl+N)")
        self.new_button.clicked.connect(self.new_article)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.review_only)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.new_button)

        self.state_label = QLabel()
        self.state_label.setObjectName("editorState")
        self.recovered = QFrame()
        self.recovered.setObjectName("recoveredEdits")
        self.recovered_label = QLabel(
            "This article has unsaved edits from before the editor last closed."
        )
        self.recovered_label.setWordWrap(True)
        self.bring_back = QPushButton("&Bring them back")
        self.bring_back.clicked.connect(self.restore_unsaved)
        self.discard = QPushButton("&Discard them")
        self.discard.clicked.connect(self.discard_unsaved)
        banner = QHBoxLayout(self.recovered)
        banner.addWidget(self.recovered_label, 1)
        banner.addWidget(self.bring_back)
        banner.addWidget(self.discard)
        self.recovered.hide()
        self._recovered_state: dict[str, str] | None = None

        self.form = ArticleForm()
        self.form.changed.connect(self._on_edit)
        self.history = HistoryPanel(self.user, runner)
        self.history.restoreRequested.connect(self.restore_revision)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.form, "&Edit")
        self.tabs.addTab(self.history, "&History")
        self.theirs_panel = QFrame()
        self.theirs_panel.setObjectName("theirsPanel")
        self.theirs_title = QLabel()
        self.theirs_title.setWordWrap(True)
        self.theirs_text = QPlainTextEdit()
        self.theirs_text.setObjectName("theirsText")
        self.theirs_text.setReadOnly(True)
        self.theirs_text.setAccessibleName("Their revision, to merge from")
        hide_theirs = QPushButton("Hide &theirs")
        hide_theirs.clicked.connect(self.theirs_panel.hide)
        theirs_layout = QVBoxLayout(self.theirs_panel)
        theirs_layout.setContentsMargins(0, 0, 0, 0)
        theirs_layout.addWidget(self.theirs_title)
        theirs_layout.addWidget(self.theirs_text, 1)
        theirs_layout.addWidget(hide_theirs)
        self.theirs_panel.hide()
        work = QSplitter(Qt.Orientation.Horizontal)
        work.addWidget(self.tabs)
        work.addWidget(self.theirs_panel)
        work.setStretchFactor(0, 3)
        work.setStretchFactor(1, 2)
        work.setChildrenCollapsible(False)
        self.message = QLabel()
        self.message.setObjectName("editorMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_button = QPushButton("&Save draft")
        self.save_button.setToolTip("Save without changing what agents see (Ctrl+S)")
        self.save_button.clicked.connect(self.save_draft)
        self.publish_button = QPushButton("&Publish")
        self.publish_button.setToolTip("Save and show this text to agents (Ctrl+Shift+P)")
        self.publish_button.clicked.connect(self.publish)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.publish_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.state_label)
        right_layout.addWidget(self.recovered)
        right_layout.addWidget(work, 1)
        right_layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 4)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        for keys, slot in (
            ("Ctrl+S", self.save_draft),
            ("Ctrl+Shift+P", self.publish),
            ("Ctrl+N", self.new_article),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.keep_unsaved)

        self.allowed = can_edit_playbook(self.user)
        for button in (self.save_button, self.publish_button, self.history.restore_button):
            button.setVisible(self.allowed)
        if not self.allowed:
            self.message.setText("Only supervisors and admins can change the playbook.")
        self.resize(1200, 760)
        self.runner.changed.connect(self._on_changed)
        self.reload_list()
        self.new_article()

    # -- choosing an article -----------------------------------------------------------

    def reload_list(self) -> None:
        review_only = self.review_only.isChecked()
        self.runner.read(
            _read_list,
            local_today(),
            review_only,
            on_done=partial(self._show_list, review_only=review_only),
            on_error=self._show_error,
        )

    def _show_list(self, read: tuple[set[str], list[ArticleData]], review_only: bool) -> None:
        if review_only != self.review_only.isChecked():
            return  # toggled again since; that read is on its way
        self._stale, rows = read
        self.model.empty_text = (
            "Nothing is past its review-by date." if review_only else "No articles."
        )
        self.model.set_rows(rows)
        self._select_current()

    def open_article(self, slug: str, then: Callable[[], None] | None = None) -> None:
        """Edit ``slug``'s working copy; unsaved edits to the previous one are kept.

        The article is read through the runner; ``then`` runs once it is in the form.
        """
        self.keep_unsaved()
        self._loading += 1
        self.runner.read(
            _read_article,
            slug,
            kept_key=draft_key(slug),
            on_done=partial(self._article_read, loading=self._loading, then=then),
            on_error=self._show_error,
        )

    def _article_read(self, loaded: _Loaded, loading: int, then: Callable[[], None] | None) -> None:
        if loading != self._loading or loaded.article is None:
            return  # another article was asked for since
        working = loaded.article
        self.slug = working.slug
        self.base_revision = working.revision
        self.form.load(working.as_draft())
        self._after_load(loaded)
        if then is not None:
            then()

    # -- other desks -------------------------------------------------------------------

    def _on_changed(self, changes: Changes) -> None:
        """Another desk changed articles: list them again; say so if it is the open one."""
        if not changes.remote or not changes.touches(Topic.ARTICLES):
            return
        self.reload_list()
        if self.slug is not None and self.slug in changes.ids(Topic.ARTICLES):
            self._refresh(then=None)
            self.runner.read(
                store.list_revisions,
                self.slug,
                on_done=partial(self._newer_elsewhere, slug=self.slug),
                on_error=self._show_error,
            )

    def _newer_elsewhere(self, revisions: list[RevisionData], slug: str) -> None:
        newest = revisions[-1] if revisions else None
        if slug != self.slug or newest is None or newest.number <= self.base_revision:
            return
        self._show(
            f"{newest.saved_by} saved a newer revision (revision {newest.number}) at another "
            "desk — your save will show both.",
            (),
        )

    def new_article(self) -> None:
        self.keep_unsaved()
        self._loading += 1
        self.slug = None
        self.base_revision = 0
        self.form.load(None)
        self._after_load(_Loaded(None, None, None, [], None))
        self.form.title.setFocus()
        self.runner.read(
            drafts.load_draft,
            draft_key(None),
            on_done=partial(self._kept_read, loading=self._loading),
            on_error=self._show_error,
        )

    def _kept_read(self, kept: str, loading: int) -> None:
        if loading == self._loading:
            self._offer_unsaved(kept)

    def _after_load(self, loaded: _Loaded) -> None:
        self.dirty = False
        self.theirs_panel.hide()
        self._select_current()
        self._show_loaded(loaded)
        self.message.setText("" if self.allowed else self.message.text())
        self._offer_unsaved(loaded.kept)

    def _open_index(self, index: QModelIndex) -> None:
        article = self.model.row(index.row())
        if article is not None and article.slug != self.slug:
            self.open_article(article.slug)

    def _select_current(self) -> None:
        slugs = [a.slug for a in self.model.rows()]
        if self.slug in slugs:
            self.list.selectionModel().setCurrentIndex(
                self.model.index(slugs.index(self.slug)),
                QItemSelectionModel.SelectionFlag.ClearAndSelect,
            )
        else:
            self.list.clearSelection()

    def _describe(self, article: ArticleData) -> str:
        notes = [article.category]
        if article.status is Status.DRAFT:
            notes.append("draft")
        if article.slug in self._stale:
            notes.append("review due")
        return f"{article.title} — {' · '.join(notes)}"

    def _refresh(self, then: Callable[[], None] | None = None) -> None:
        """Read the open article's state and history again (never its text), then ``then``."""
        self.runner.read(
            _read_article,
            self.slug,
            on_done=partial(self._refreshed, then=then),
            on_error=self._show_error,
        )

    def _refreshed(self, loaded: _Loaded, then: Callable[[], None] | None) -> None:
        if loaded.slug == self.slug:
            self._show_loaded(loaded)
        if then is not None:
            then()

    def _show_loaded(self, loaded: _Loaded) -> None:
        """The state line and the history of the article read (not the form)."""
        self.history.show_revisions(loaded.slug, loaded.revisions, loaded.published)
        working, published = loaded.article, loaded.published
        if working is None:
            self.state_label.setText("New article: not saved yet. Agents will not see it.")
            return
        if published is None:
            text = f"Revision {working.revision}, never published: agents do not see it yet."
        elif published == working.revision:
            text = f"Revision {working.revision}, published: this is what agents see."
        else:
            text = (
                f"Working copy revision {working.revision}, not published. "
                f"Agents see revision {published}."
            )
        self.state_label.setText(text)

    # -- unsaved edits -----------------------------------------------------------------

    def _on_edit(self) -> None:
        self.dirty = True
        self._autosave.start()

    def keep_unsaved(self) -> None:
        """Store the form as a crash-safe draft, if it holds edits not yet saved."""
        self._autosave.stop()
        if self.dirty and self.allowed:
            self.runner.submit(
                drafts.save_draft,
                self.user,
                draft_key(self.slug),
                self.form.state_json(),
                on_error=self._show_error,
            )

    def _offer_unsaved(self, text: str | None) -> None:
        kept = None if text is None else parse_state(text)
        self._recovered_state = kept if kept is not None and kept != self.form.state() else None
        self.recovered.setVisible(self._recovered_state is not None)

    def restore_unsaved(self) -> None:
        if self._recovered_state is not None:
            self.form.set_state(self._recovered_state)
            self._on_edit()
        self._recovered_state = None
        self.recovered.hide()
        self.form.source.setFocus()

    def discard_unsaved(self) -> None:
        self._recovered_state = None
        self.recovered.hide()
        self._forget_unsaved(self.slug)

    def _forget_unsaved(self, slug: str | None) -> None:
        self.runner.submit(drafts.save_draft, self.user, draft_key(slug), "")

    # -- saving ------------------------------------------------------------------------

    def save_draft(self) -> None:
        draft = self._form_draft()
        if draft is not None:
            self._submit_save(draft)

    def publish(self) -> None:
        draft = self._form_draft()
        if draft is not None:
            self._submit_publish(draft)

    def _submit_save(self, draft: ArticleDraft) -> None:
        self.runner.submit(
            _save_checked,
            self.workspace.playbook,
            self.user,
            draft,
            self.slug,
            self.base_revision,
            on_done=partial(self._saved, was=self.slug),
            on_error=self._show_error,
        )

    def _submit_publish(self, draft: ArticleDraft) -> None:
        self.runner.submit(
            _save_and_publish,
            self.workspace.playbook,
            self.user,
            draft,
            self.slug,
            self.base_revision,
            on_done=partial(self._published, was=self.slug),
            on_error=self._show_error,
        )

    def restore_revision(self, number: int) -> None:
        if self.slug is None or not self.allowed:
            return
        self.runner.submit(
            _restore_checked,
            self.workspace.playbook,
            self.user,
            self.slug,
            number,
            self.base_revision,
            on_done=partial(self._restored, number=number),
            on_error=self._show_error,
        )

    def _form_draft(self) -> ArticleDraft | None:
        if not self.allowed:
            return None
        self.keep_unsaved()
        try:
            draft = self.form.draft()
        except CompanionError as exc:
            self._show_error(str(exc))
            return None
        self._sent = self.form.state()
        return draft

    def _saved(self, result: EditResult | _Conflicted, was: str | None) -> None:
        if isinstance(result, _Conflicted):
            self._resolve(result)
            return
        if result.outcome is store.SaveOutcome.UNCHANGED:
            text = "Nothing changed since the last save."
        else:
            text = (
                f"Saved as draft revision {result.article.revision}. "
                "Agents see it once you publish."
            )
        self._settle(result.article.slug, was, result.article.revision)
        self._refresh(then=partial(self._show, text, result.warnings))

    def _published(self, done: _Published | _Conflicted, was: str | None) -> None:
        if isinstance(done, _Conflicted):
            self._resolve(done)
            return
        self._settle(done.article.slug, was, done.article.revision)
        self._refresh(
            then=partial(
                self._show,
                f"Published revision {done.article.revision}: agents now see this text.",
                done.saved.warnings,
            )
        )

    def _restored(self, result: EditResult | EditConflict, number: int) -> None:
        if isinstance(result, EditConflict):
            self._refresh()
            self._show_error(
                f"{conflict_headline(result)} Nothing was restored: open the article again "
                "to read their revision, then restore if it is still wanted."
            )
            return
        self.reload_list()
        self.playbookChanged.emit()
        self.open_article(
            result.article.slug,
            then=partial(
                self._show,
                f"Revision {number} is now the working copy "
                f"(revision {result.article.revision}, a draft). Publish it when it reads right.",
                (),
            ),
        )

    def _settle(self, slug: str, was: str | None, revision: int) -> None:
        """After a save: the edits are in the store, so the crash-safe copy can go.

        Typing on while the save was under way keeps those newer edits unsaved.
        """
        self.dirty = self.form.state() != self._sent
        if not self.dirty:
            self._forget_unsaved(was)
        self.slug = slug
        self.base_revision = revision
        self.reload_list()
        self.playbookChanged.emit()

    # -- someone else saved first -------------------------------------------------------

    def _resolve(self, conflicted: _Conflicted) -> None:
        """Ask what to do about their newer revision, then do exactly that."""
        conflict, theirs = conflicted.conflict, conflicted.conflict.theirs
        dialog = ConflictDialog(
            conflict, conflicted.draft, publishing=conflicted.publishing, parent=self
        )
        choice = dialog.choice if dialog.exec() else None
        dialog.deleteLater()
        if choice is None:
            self._show_error(
                f"{conflict_headline(conflict)} Nothing was saved; your text is still here."
            )
            return
        # From now on the form works on top of their revision.
        was = self.slug
        self.slug = conflict.slug
        self.base_revision = theirs.number
        if choice is Choice.MERGE:
            self._show_theirs(theirs)
            self.dirty = True
            self._refresh()
            self._show(
                f"Merging: your text is in the form, {theirs.saved_by}'s revision "
                f"{theirs.number} beside it. Save when it reads right; it goes on top of theirs.",
                (),
            )
        elif choice is Choice.KEEP_THEIRS:
            self.form.load(theirs.content)
            self.dirty = False
            self.theirs_panel.hide()
            self._forget_unsaved(was)
            self._refresh()
            self._show(
                f"Kept {theirs.saved_by}'s revision {theirs.number}; your changes were dropped.",
                (),
            )
        elif conflicted.publishing:
            self._submit_publish(conflicted.draft)
        else:
            self._submit_save(conflicted.draft)

    def _show_theirs(self, theirs: RevisionData) -> None:
        self.theirs_title.setText(
            f"Theirs: revision {theirs.number} by {theirs.saved_by} (read only)"
        )
        self.theirs_text.setPlainText("\n".join(revision_lines(theirs.content)))
        self.theirs_panel.show()

    def _show(self, text: str, warnings: tuple[str, ...]) -> None:
        if warnings:
            self.message.setStyleSheet(f"color: {WARNING}")
            self.message.setText(" ".join((text, *warnings)))
        else:
            self.message.setStyleSheet("")
            self.message.setText(text)

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet(f"color: {ERROR}")
        self.message.setText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.keep_unsaved()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.keep_unsaved()
        super().done(result)


def open_editor(
    parent: QWidget | None, workspace: Workspace, runner: ServiceRunner, slug: str | None = None
) -> PlaybookEditor:
    """Show a playbook editor window, on ``slug`` if given; the caller keeps the reference."""
    editor = PlaybookEditor(workspace, runner, parent)
    if slug is not None:
        editor.open_article(slug)
    editor.show()
    return editor
