"""Draws a search hit as a title line and a snippet with the matched words in bold.

A hit past its review-by date gets a small "review due" label after its category,
so an agent weighs advice that may be out of date before reading it to a caller.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.results_model import CategoryRole, ReviewDueRole, SnippetHtmlRole

PADDING = 8
REVIEW_DUE = "#8a5300"


class SearchHitDelegate(QStyledItemDelegate):
    def _document(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QTextDocument:
        title = html.escape(str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
        category = html.escape(str(index.data(CategoryRole) or ""))
        snippet = index.data(SnippetHtmlRole) or ""
        # The stylesheet keeps selection light, so the normal text colours stay readable on it.
        colour = option.palette.color(QPalette.ColorRole.Text).name()
        muted = option.palette.color(QPalette.ColorRole.PlaceholderText).name()
        due = (
            f'&nbsp;&nbsp;<span style="color:{REVIEW_DUE}; font-size:small">review due</span>'
            if index.data(ReviewDueRole)
            else ""
        )
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(0)
        document.setHtml(
            f'<div style="color:{colour}"><span style="font-weight:600">{title}</span>'
            f'&nbsp;&nbsp;<span style="color:{muted}">{category}</span>{due}'
            f'<div style="color:{muted}">{snippet}</div></div>'
        )
        document.setTextWidth(max(50, option.rect.width() - 2 * PADDING))
        return document

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        text_less = QStyleOptionViewItem(option)
        text_less.text = ""
        if style is not None:
            style.drawControl(
                QStyle.ControlElement.CE_ItemViewItem, text_less, painter, option.widget
            )
        document = self._document(option, index)
        painter.save()
        painter.translate(option.rect.left() + PADDING, option.rect.top() + PADDING)
        context = QAbstractTextDocumentLayout.PaintContext()
        clip = QRectF(0, 0, option.rect.width() - 2 * PADDING, option.rect.height() - 2 * PADDING)
        painter.setClipRect(clip)
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        self.initStyleOption(option, index)
        document = self._document(option, index)
        return QSize(
            int(document.idealWidth()) + 2 * PADDING, int(document.size().height()) + 2 * PADDING
        )
