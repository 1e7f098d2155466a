"""Another supervisor saved the article you are editing: see both texts, then choose.

The save that met the conflict wrote nothing, so the choice is the person's, and each
one says what it does: merge by hand (your text stays in the form, theirs beside it,
and the next save goes on top of theirs), keep theirs (your edits are dropped and
their revision is loaded), or save yours as a new revision on top of theirs. Closing
the dialog leaves everything as it was.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kb.article import ArticleDraft
from kb.editing import diff_drafts
from kb.store import EditConflict
from ui.diff_view import DiffTable
from ui.time_format import local_datetime


class Choice(StrEnum):
    MERGE = "merge"
    KEEP_THEIRS = "keep theirs"
    SAVE_MINE = "save mine"


def conflict_headline(conflict: EditConflict) -> str:
    """ "Grace Okafor saved revision 7 at 14:02 since you opened it." in local time."""
    theirs = conflict.theirs
    moment = local_datetime(theirs.saved_at)
    since = (
        "while you were writing it as a new article"
        if conflict.base_revision == 0
        else "since you opened it"
    )
    return (
        f"{theirs.saved_by} saved revision {theirs.number} at {moment:%H:%M} "
        f"({moment:%Y-%m-%d}) {since}."
    )


class ConflictDialog(QDialog):
    """Shows theirs against yours; ``choice`` is what the person picked (None: cancelled)."""

    def __init__(
        self,
        conflict: EditConflict,
        mine: ArticleDraft,
        *,
        publishing: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("editConflict")
        self.setWindowTitle(f"“{conflict.theirs.content.title}” was changed by someone else")
        self.conflict = conflict
        self.choice: Choice | None = None
        theirs = conflict.theirs

        self.headline = QLabel(conflict_headline(conflict))
        self.headline.setObjectName("conflictHeadline")
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        explain = QLabel(
            "Nothing of yours has been saved yet. Their revision is on the left, your text on "
            "the right; changed lines are yellow, removed red, added green."
        )
        explain.setWordWrap(True)
        self.table = DiffTable(self)
        self.table.setAccessibleName("Their revision compared with your text")
        self.table.diff_model.set_rows(
            diff_drafts(replace(theirs.content, status=mine.status), mine),
            (f"Theirs: revision {theirs.number} by {theirs.saved_by}", "Yours (not saved)"),
        )

        self.merge_button = QPushButton("&Merge by hand")
        self.merge_button.setToolTip(
            "Keep your text in the form with theirs shown beside it; your next save goes on "
            "top of their revision"
        )
        self.keep_button = QPushButton("&Keep theirs")
        self.keep_button.setToolTip("Drop your changes and load their revision into the form")
        verb = "Publish" if publishing else "Save"
        self.save_button = QPushButton(f"&{verb} mine on top")
        self.save_button.setToolTip(
            f"{verb} your text as a new revision after theirs; theirs stays in the history"
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Change nothing; your text stays in the form, unsaved")
        for button, choice in (
            (self.merge_button, Choice.MERGE),
            (self.keep_button, Choice.KEEP_THEIRS),
            (self.save_button, Choice.SAVE_MINE),
        ):
            button.clicked.connect(lambda _checked=False, c=choice: self.choose(c))
        self.cancel_button.clicked.connect(self.reject)
        self.merge_button.setDefault(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.merge_button)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(explain)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(1000, 620)

    def choose(self, choice: Choice) -> None:
        self.choice = choice
        self.accept()
