"""The article form: front-matter fields, the Markdown source and its live preview.

The preview uses the viewer's renderer and stylesheet, so what a supervisor sees
here is what an agent will see, raw HTML and scripts already stripped. Rendering
waits for a pause in typing, and then happens in a worker thread
(:class:`~ui.render_worker.BackgroundRenderer`), so the source never lags behind the
fingers: typing goes on while a long article renders, only the newest text is
rendered, and the old preview stays up, with a quiet "Updating the preview…" only
if the new one takes long enough to notice.

The form's state is plain strings (:meth:`state`), so an unsaved edit can be kept
as a crash-safe draft even while a field holds something not yet valid, such as a
half-typed date.
"""

from __future__ import annotations

import html
import json
from datetime import date

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from companion.errors import InvalidInput
from kb.article import ArticleDraft, Status
from ui.article_view import ARTICLE_CSS
from ui.render_worker import BackgroundRenderer

PREVIEW_DELAY_MS = 300
FIELDS = ("title", "slug", "category", "tags", "aliases", "review_by", "body")


class ArticleForm(QWidget):
    changed = Signal()
    previewShown = Signal()  # the preview now shows the newest source asked for

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self.title = QLineEdit()
        self.title.setObjectName("articleTitle")
        self.slug = QLineEdit()
        self.slug.setObjectName("articleSlug")
        self.slug.setPlaceholderText("lowercase-words-with-hyphens; the article's identity")
        self.category = QLineEdit()
        self.category.setPlaceholderText("e.g. opening, conflict, closing")
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("comma-separated, e.g. refunds, billing")
        self.aliases = QLineEdit()
        self.aliases.setPlaceholderText("what callers say, separated by ; e.g. money back; refund")
        self.review_by = QLineEdit()
        self.review_by.setObjectName("articleReviewBy")
        self.review_by.setPlaceholderText("YYYY-MM-DD, or empty for no review date")
        fields = QFormLayout()
        fields.addRow("&Title", self.title)
        fields.addRow("S&lug", self.slug)
        fields.addRow("&Category", self.category)
        fields.addRow("Ta&gs", self.tags)
        fields.addRow("&Aliases", self.aliases)
        fields.addRow("&Review by", self.review_by)

        self.source = QPlainTextEdit()
        self.source.setObjectName("articleSource")
        self.source.setAccessibleName("Markdown source")
        self.source.setTabChangesFocus(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.source.setFont(mono)
        self.preview = QTextBrowser()
        self.preview.setObjectName("articlePreview")
        self.preview.setAccessibleName("Preview as agents will see it")
        self.preview.setOpenLinks(False)
        self.preview.document().setDefaultStyleSheet(ARTICLE_CSS)
        self.preview.document().setDocumentMargin(18)
        self.preview_note = QLabel("Updating the preview…")
        self.preview_note.setObjectName("previewNote")
        self.preview_note.setStyleSheet("color: #6b6f76;")
        self.preview_note.hide()
        preview_side = QWidget()
        preview_layout = QVBoxLayout(preview_side)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        preview_layout.setSpacing(2)
        preview_layout.addWidget(self.preview, 1)
        preview_layout.addWidget(self.preview_note)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.source)
        splitter.addWidget(preview_side)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(fields)
        layout.addWidget(splitter, 1)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.render_preview)
        self._renderer = BackgroundRenderer(self, "preview-render", "The preview")
        self._renderer.rendered.connect(self._show_preview)
        self._renderer.failed.connect(self._show_failure)
        self._renderer.slow.connect(self.preview_note.show)
        self.source.textChanged.connect(self._preview_timer.start)
        for edit in (self.title, self.slug, self.category, self.tags, self.aliases, self.review_by):
            edit.textChanged.connect(self._on_edit)
        self.source.textChanged.connect(self._on_edit)

    def _line_edits(self) -> dict[str, QLineEdit]:
        return {
            "title": self.title,
            "slug": self.slug,
            "category": self.category,
            "tags": self.tags,
            "aliases": self.aliases,
            "review_by": self.review_by,
        }

    def load(self, draft: ArticleDraft | None) -> None:
        """Show ``draft`` (None: an empty form for a new article) without counting as an edit."""
        if draft is None:
            self.set_state(dict.fromkeys(FIELDS, ""))
            return
        self.set_state(
            {
                "title": draft.title,
                "slug": draft.slug,
                "category": draft.category,
                "tags": ", ".join(draft.tags),
                "aliases": "; ".join(draft.aliases),
                "review_by": draft.review_by.isoformat() if draft.review_by else "",
                "body": draft.body,
            }
        )

    def state(self) -> dict[str, str]:
        values = {name: edit.text() for name, edit in self._line_edits().items()}
        values["body"] = self.source.toPlainText()
        return values

    def set_state(self, values: dict[str, str]) -> None:
        self._loading = True
        try:
            for name, edit in self._line_edits().items():
                edit.setText(str(values.get(name, "")))
            self.source.setPlainText(str(values.get("body", "")))
        finally:
            self._loading = False
        self.render_preview()

    def state_json(self) -> str:
        return json.dumps(self.state(), ensure_ascii=False)

    def draft(self) -> ArticleDraft:
        """The form as an article to save; a malformed date is refused, saying how to write it."""
        values = self.state()
        return ArticleDraft(
            slug=values["slug"],
            title=values["title"],
            body=values["body"],
            category=values["category"] or "general",
            tags=tuple(t.strip() for t in values["tags"].split(",") if t.strip()),
            aliases=tuple(a.strip() for a in values["aliases"].split(";") if a.strip()),
            status=Status.DRAFT,
            review_by=_parse_date(values["review_by"]),
        )

    @property
    def preview_pending(self) -> bool:
        """True while the preview does not yet show the source as it stands."""
        return self._preview_timer.isActive() or self._renderer.busy

    def render_preview(self) -> None:
        """Render the source now (in the background) instead of after the typing pause."""
        self._preview_timer.stop()
        self._renderer.render(self.source.toPlainText())

    def _show_preview(self, page: str) -> None:
        self.preview_note.hide()
        self.preview.setHtml(page)
        self.previewShown.emit()

    def _show_failure(self, reason: str) -> None:
        self._show_preview(f"<p>{html.escape(reason)}</p>")

    def _on_edit(self) -> None:
        if not self._loading:
            self.changed.emit()


def parse_state(text: str) -> dict[str, str] | None:
    """A saved form state, or None when the stored text is not one (never raises)."""
    try:
        values = json.loads(text)
    except ValueError:
        return None
    if not isinstance(values, dict):
        return None
    return {name: str(values.get(name, "")) for name in FIELDS}


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"The review-by date {text!r} is not a date: write it as YYYY-MM-DD, "
            "e.g. 2026-09-30, or leave it empty."
        ) from None
