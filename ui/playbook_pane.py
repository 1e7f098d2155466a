"""The playbook pane: search as you type, results with snippets, the article, stages.

Keyboard first: Ctrl+K lands in the search box, Down moves into the results, Enter
opens the selected (or first) result, Alt+Left / Alt+Right go back and forward, and
Ctrl+1..7 open the article for each call stage.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from companion.changes import Changes, Topic
from companion.clock import local_today
from kb import store
from kb.search.index import SearchResults
from kb.stages import CALL_STAGES
from ui.article_view import ArticleView
from ui.result_delegate import SearchHitDelegate
from ui.results_model import SearchResultsModel, SlugRole
from ui.search_worker import SearchWorker
from ui.service_runner import ServiceRunner


class PlaybookPane(QWidget):
    message = Signal(str)
    resultsShown = Signal(str)  # the query whose results are now on screen

    def __init__(
        self,
        worker: SearchWorker,
        parent: QWidget | None = None,
        *,
        runner: ServiceRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("playbookPane")
        self._worker = worker
        self._runner = runner
        self._latest_request = 0
        self._review_due: tuple[date, set[str]] | None = None

        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText(
            "Search the playbook — type what the caller said  (Ctrl+K)"
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search the playbook")
        self.search_box.installEventFilter(self)

        self.back_button = QToolButton()
        self.back_button.setText("◀")
        self.back_button.setToolTip("Back (Alt+Left)")
        self.forward_button = QToolButton()
        self.forward_button.setText("▶")
        self.forward_button.setToolTip("Forward (Alt+Right)")

        self.results_model = SearchResultsModel(self)
        self.results_view = QListView()
        self.results_view.setObjectName("results")
        self.results_view.setModel(self.results_model)
        self.results_view.setItemDelegate(SearchHitDelegate(self.results_view))
        self.results_view.setUniformItemSizes(False)
        self.results_view.setWordWrap(True)
        self.results_view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.results_view.setAccessibleName("Search results")
        self.results_view.activated.connect(self._open_index)
        self.results_view.clicked.connect(self._open_index)

        self.status_label = QLabel()
        self.status_label.setObjectName("resultsStatus")
        self.status_label.setWordWrap(True)

        self.viewer = ArticleView()
        self.viewer.setObjectName("articleView")
        self.viewer.message.connect(self.message)
        self.viewer.historyChanged.connect(self._update_navigation)
        self.back_button.clicked.connect(self.viewer.go_back)
        self.forward_button.clicked.connect(self.viewer.go_forward)

        search_row = QHBoxLayout()
        search_row.addWidget(self.back_button)
        search_row.addWidget(self.forward_button)
        search_row.addWidget(self.search_box, 1)

        stage_row = QHBoxLayout()
        stage_row.setSpacing(4)
        self.stage_buttons: dict[str, QPushButton] = {}
        for number, stage in enumerate(CALL_STAGES, start=1):
            button = QPushButton(stage.label)
            button.setObjectName(f"stage-{stage.key}")
            button.setProperty("stage", True)
            button.setToolTip(f"{stage.hint} (Ctrl+{number})")
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(lambda _=False, slug=stage.slug: self.open_article(slug))
            stage_row.addWidget(button)
            self.stage_buttons[stage.key] = button
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda slug=stage.slug: self.open_article(slug))
        stage_row.addStretch(1)

        results_panel = QWidget()
        results_layout = QVBoxLayout(results_panel)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.status_label)
        results_layout.addWidget(self.results_view, 1)

        # Bars about the open article (e.g. a release conflict) sit just above it.
        article_panel = QWidget()
        self._article_layout = QVBoxLayout(article_panel)
        self._article_layout.setContentsMargins(0, 0, 0, 0)
        self._article_layout.setSpacing(4)
        self._article_layout.addWidget(self.viewer, 1)

        # Results above the article: beside the call pane the playbook is a column, and an
        # article needs the column's full width to be read at a glance.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("playbookSplitter")
        self.splitter.addWidget(results_panel)
        self.splitter.addWidget(article_panel)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        self._layout = layout
        layout.addLayout(search_row)
        layout.addLayout(stage_row)
        layout.addWidget(self.splitter, 1)

        for keys, slot in (
            ("Alt+Left", self.viewer.go_back),
            ("Alt+Right", self.viewer.go_forward),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot)

        self.search_box.textChanged.connect(self._on_text_changed)
        worker.resultsReady.connect(self._on_results)
        worker.requestFailed.connect(self._on_search_failed)
        self._update_navigation()

    # -- actions -------------------------------------------------------------------

    def add_banner(self, banner: QWidget) -> None:
        """A calm bar at the top of the pane, above the search box (e.g. a release notice)."""
        self._layout.insertWidget(0, banner)

    def add_article_bar(self, bar: QWidget) -> None:
        """A bar about the open article, just above it (e.g. its release conflict)."""
        self._article_layout.insertWidget(0, bar)

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def open_article(self, slug: str) -> None:
        self.viewer.open_article(slug)

    def refresh(self) -> None:
        """Run the current query again, e.g. after the index was rebuilt or an edit."""
        self._load_review_due()
        self._on_text_changed(self.search_box.text())

    def handle_changes(self, changes: Changes) -> None:
        """Articles changed (here or at another desk): new results, the open one re-shown.

        The search index already holds the new revisions when this runs: the feed of
        other desks' changes applies them before it publishes.
        """
        if not changes.touches(Topic.ARTICLES):
            return
        self.refresh()
        current = self.viewer.current
        if current is not None and current.slug in changes.articles:
            self.viewer.open_article(current.slug)

    # -- search --------------------------------------------------------------------

    def _on_text_changed(self, text: str) -> None:
        """Every change is a request; an empty box asks for the whole playbook to browse."""
        self._latest_request += 1
        self._worker.request(self._latest_request, text)

    @Slot(int, object)
    def _on_results(self, request_id: int, results: SearchResults) -> None:
        if request_id != self._latest_request:
            return  # an older query; the agent has typed on since
        self.results_model.set_review_due(self._stale_slugs())
        self.results_model.set_hits(results.hits)
        count = "1 article" if results.total == 1 else f"{results.total} articles"
        if not results.text.strip():
            self.results_view.clearSelection()
            self.status_label.setText(f"All {count}. Type what the caller said to search.")
        elif results.hits:
            self.results_view.setCurrentIndex(self.results_model.index(0, 0))
            widened = " (including similar spellings)" if results.widened else ""
            self.status_label.setText(f"{count}{widened}")
        else:
            self.status_label.setText("No articles match. Try fewer or different words.")
        self.resultsShown.emit(results.text)

    def _stale_slugs(self) -> set[str]:
        """Articles past review, looked up once a day or after :meth:`refresh`, not per key."""
        if self._review_due is None or self._review_due[0] != local_today():
            self._load_review_due()
        return self._review_due[1] if self._review_due is not None else set()

    def _load_review_due(self) -> None:
        """Read the flags off the UI thread; until they arrive the last ones stay shown."""
        if self._runner is None:
            return
        today = local_today()
        self._review_due = (today, self._review_due[1] if self._review_due else set())

        def loaded(slugs: set[str]) -> None:
            self._review_due = (today, slugs)
            self.results_model.set_review_due(slugs)

        # The marker is a courtesy: search must not fail for it, so errors stay quiet.
        self._runner.read(store.stale_slugs, today, on_done=loaded, on_error=lambda _msg: None)

    @Slot(int, str)
    def _on_search_failed(self, request_id: int, message: str) -> None:
        if request_id == self._latest_request:
            self.status_label.setText(message)

    def _open_index(self, index: QModelIndex) -> None:
        slug = index.data(SlugRole)
        if slug:
            self.open_article(str(slug))

    def _open_current(self) -> None:
        index = self.results_view.currentIndex()
        if not index.isValid() and self.results_model.rowCount() > 0:
            index = self.results_model.index(0, 0)
        if index.isValid():
            self._open_index(index)

    def _move_selection(self, step: int) -> None:
        rows = self.results_model.rowCount()
        if rows == 0:
            return
        current = self.results_view.currentIndex().row()
        row = min(rows - 1, max(0, current + step))
        self.results_view.selectionModel().setCurrentIndex(
            self.results_model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def _update_navigation(self) -> None:
        self.back_button.setEnabled(self.viewer.can_go_back())
        self.forward_button.setEnabled(self.viewer.can_go_forward())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Arrow keys and Enter in the search box act on the results list."""
        if watched is self.search_box and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._open_current()
                return True
            if key == Qt.Key.Key_Down:
                self._move_selection(1)
                return True
            if key == Qt.Key.Key_Up:
                self._move_selection(-1)
                return True
            if key == Qt.Key.Key_Escape and self.search_box.text():
                self.search_box.clear()
                return True
        return super().eventFilter(watched, event)
