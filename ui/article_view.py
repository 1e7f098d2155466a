"""The article viewer: sanitised HTML, in-app links, and back / forward history.

Links between articles use the ``article:`` scheme and navigate here; web links open
in the system browser; anything else (a link to a file that was not imported) is
explained in the status line instead of silently doing nothing.

The viewer shows what agents see: the published revision. An article past its
review-by date says so, and once :meth:`ArticleView.track_reads` names the reader,
an article published anew since they last opened it says that too, with the
changes one click away (the ``diff:`` links, which article bodies cannot contain:
the sanitiser only lets http(s), mailto and ``article:`` through).

The article's Markdown is rendered in a worker thread (:class:`BackgroundRenderer`): the
heading, the review and "changed" notices show at once, the body as soon as it is
ready, and "Loading…" only if that takes long enough to notice. Opening another
article meanwhile drops the one still rendering. With a runner (the window's), the
article itself is read off the UI thread too, the newest request winning.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QTextBrowser, QWidget

from companion.clock import local_today
from companion.errors import CompanionError
from companion.users import User
from kb import editing, reads, store
from kb.article import ArticleData
from kb.editing import DiffRow
from kb.links import slug_from_url
from ui.diff_view import DiffDialog
from ui.render_worker import BackgroundRenderer
from ui.service_runner import ServiceRunner

DIFF_SCHEME = "diff"

Found = tuple[ArticleData, tuple[int, int] | None]


def article_to_show(slug: str, reader: User | None) -> Found:
    """The published article and, for a reader, the revisions changed since they read it."""
    article = store.visible_article(slug)
    change = None if reader is None else reads.changed_since_read(reader, slug)
    return article, change


def revision_diff(reader: User, slug: str, old: int, new: int) -> tuple[str, list[DiffRow]]:
    return store.visible_article(slug).title, editing.diff(reader, slug, old, new)


ARTICLE_CSS = """
h1 { font-size: 20pt; font-weight: 600; margin: 0 0 6px 0; }
h2 { font-size: 13pt; font-weight: 600; margin: 14px 0 4px 0; }
p, li { line-height: 140%; }
a { color: #1f5fa8; text-decoration: none; }
code { font-family: monospace; }
.meta { color: #6b6f76; font-size: 9pt; }
.due { color: #8a5300; font-weight: 600; }
.changed { background-color: #eef4fb; }
.loading { color: #6b6f76; }
"""


class ArticleView(QTextBrowser):
    articleOpened = Signal(str)  # slug
    articleShown = Signal(str)  # slug, once its body is on screen
    historyChanged = Signal()
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.document().setDefaultStyleSheet(ARTICLE_CSS)
        self.document().setDocumentMargin(18)
        self.anchorClicked.connect(self._follow_link)
        self._history: list[str] = []
        self._position = -1
        self.current: ArticleData | None = None
        self.reader: User | None = None
        self._runner: ServiceRunner | None = None
        self._wanted: str | None = None  # the newest article asked for through the runner
        self.diff_dialog: DiffDialog | None = None
        self._header = ""  # the page above the body of the article being rendered
        self._renderer = BackgroundRenderer(self, "article-render")
        self._renderer.rendered.connect(self._on_rendered)
        self._renderer.failed.connect(self._on_render_failed)
        self._renderer.slow.connect(self._show_loading)
        self.show_welcome()

    def track_reads(self, user: User, runner: ServiceRunner | None = None) -> None:
        """Remember what ``user`` opens (through ``runner``, off the UI thread, if given)."""
        self.reader = user
        self._runner = runner

    @property
    def rendering(self) -> bool:
        """True while the article asked for is still being read or its body rendered."""
        return bool(self._header) or self._wanted is not None

    def show_welcome(self) -> None:
        self._cancel_render()
        self.setHtml(
            "<h1>Playbook</h1><p>Type what the caller said in the search box "
            "(<b>Ctrl+K</b>), or pick a call stage above.</p>"
        )

    def open_article(self, slug: str) -> bool:
        """Show ``slug`` and add it to the history; False (with a message) if it is gone.

        Through a runner the answer comes later: True here, and the history grows once
        the article is found.
        """
        if self._runner is not None:
            self._load(slug, lambda: self._push(slug))
            return True
        if not self._show(slug):
            return False
        self._push(slug)
        return True

    def _push(self, slug: str) -> None:
        del self._history[self._position + 1 :]
        if not self._history or self._history[-1] != slug:
            self._history.append(slug)
        self._position = len(self._history) - 1
        self.historyChanged.emit()

    def can_go_back(self) -> bool:
        return self._position > 0

    def can_go_forward(self) -> bool:
        return self._position < len(self._history) - 1

    def go_back(self) -> None:
        if self.can_go_back():
            self._position -= 1
            self._revisit(self._history[self._position])
            self.historyChanged.emit()

    def go_forward(self) -> None:
        if self.can_go_forward():
            self._position += 1
            self._revisit(self._history[self._position])
            self.historyChanged.emit()

    def _revisit(self, slug: str) -> None:
        if self._runner is not None:
            self._load(slug)
        else:
            self._show(slug)

    def _load(self, slug: str, then: Callable[[], None] | None = None) -> None:
        assert self._runner is not None
        self._wanted = slug

        def found(result: Found) -> None:
            if self._wanted != slug:
                return  # another article was asked for since
            self._wanted = None
            self._present(slug, *result)
            if then is not None:
                then()

        def failed(message: str) -> None:
            if self._wanted == slug:
                self._wanted = None
                self.message.emit(message)

        self._runner.read(article_to_show, slug, self.reader, on_done=found, on_error=failed)

    def _show(self, slug: str) -> bool:
        try:
            article, change = article_to_show(slug, self.reader)
        except CompanionError as exc:
            self.message.emit(str(exc))
            return False
        self._present(slug, article, change)
        return True

    def _present(self, slug: str, article: ArticleData, change: tuple[int, int] | None) -> None:
        self.current = article
        meta = html.escape(
            f"{article.category} · revision {article.revision} · "
            f"updated {article.updated_at:%Y-%m-%d} by {article.updated_by}"
        )
        draft = " · <b>draft</b>" if article.status == "draft" else ""
        if article.review_by is not None and article.review_by < local_today():
            draft += f' · <span class="due">Review due since {article.review_by:%Y-%m-%d}</span>'
        notice = ""
        if change is not None:
            old, new = change
            notice = (
                f'<p class="changed">Changed since you last read (revision {old} → {new}) — '
                f'<a href="{DIFF_SCHEME}:{html.escape(slug)}/{old}/{new}">show changes</a></p>'
            )
        heading = (
            ""
            if article.body.lstrip().startswith("# ")
            else f"<h1>{html.escape(article.title)}</h1>"
        )
        self._header = f'<p class="meta">{meta}{draft}</p>{notice}{heading}'
        self.setHtml(self._header)
        self._renderer.render(article.body)
        self._mark_read(article)
        self.articleOpened.emit(slug)

    def _on_rendered(self, body: str) -> None:
        if self._header:
            self._put_body(body)

    def _on_render_failed(self, reason: str) -> None:
        if not self._header:
            return
        self._put_body(f'<p class="due">{html.escape(reason)}</p>')
        self.message.emit(reason)

    def _put_body(self, body: str) -> None:
        self.setHtml(self._header + body)
        self._header = ""
        if self.current is not None:
            self.articleShown.emit(self.current.slug)

    def _show_loading(self) -> None:
        if self._header:
            self.setHtml(self._header + '<p class="loading">Loading…</p>')

    def _cancel_render(self) -> None:
        self._renderer.cancel()
        self._header = ""

    def _mark_read(self, article: ArticleData) -> None:
        if self.reader is None:
            return
        if self._runner is None:
            reads.mark_read(self.reader, article.slug, article.revision)
        else:
            self._runner.submit(reads.mark_read, self.reader, article.slug, article.revision)

    def show_changes(self, slug: str, old: int, new: int) -> None:
        """Open the side-by-side comparison of two revisions of ``slug``."""
        if self.reader is None:
            return
        if self._runner is not None:
            self._runner.read(
                revision_diff, self.reader, slug, old, new,
                on_done=lambda found: self._open_diff(*found, old, new),
                on_error=self.message.emit,
            )  # fmt: skip
            return
        try:
            title, rows = revision_diff(self.reader, slug, old, new)
        except CompanionError as exc:
            self.message.emit(str(exc))
            return
        self._open_diff(title, rows, old, new)

    def _open_diff(self, title: str, rows: list[DiffRow], old: int, new: int) -> None:
        self.diff_dialog = DiffDialog(title, rows, old, new, self)
        self.diff_dialog.open()

    def _follow_link(self, url: QUrl) -> None:
        target = url.toString()
        slug = slug_from_url(target)
        if slug is not None:
            self.open_article(slug)
        elif url.scheme() == DIFF_SCHEME:
            parts = url.path().split("/")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                self.show_changes(parts[0], int(parts[1]), int(parts[2]))
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
        elif target.startswith("#"):
            self.scrollToAnchor(target[1:])
        else:
            self.message.emit(
                f"The link {target!r} points outside the playbook and cannot be opened."
            )
