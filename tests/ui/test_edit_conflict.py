"""Two supervisors on one article, as the editor shows it: who saved, the diff, three choices.

Tom Becker (another desk, on the same database) saves "greeting" after Grace opened it
in the editor. Grace's save then writes nothing and opens the conflict dialog; each
choice does what its button says. No database error ever reaches her.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from companion.users import Role, User, create_user
from kb import editing, store
from kb.article import Status
from kb.workspace import Workspace
from ui.editor import PlaybookEditor, open_editor
from ui.editor.conflict_dialog import Choice, ConflictDialog
from ui.service_runner import ServiceRunner
from ui.time_format import local_datetime

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
THEIRS = "Tom's wording: greet, then give your name."
MINE = "Grace's wording: smile, greet, name."


@pytest.fixture
def grace(workspace: Workspace) -> User:
    workspace.ensure_index()
    workspace.user = create_user("Grace Okafor", Role.SUPERVISOR)
    return workspace.user


@pytest.fixture
def editor(
    qtbot: QtBot, workspace: Workspace, grace: User, runner: ServiceRunner
) -> PlaybookEditor:
    window = open_editor(None, workspace, runner, "greeting")
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.slug == "greeting", timeout=10_000)  # read off the UI thread
    return window


class Answer:
    """Stands in for the person at the conflict dialog: records it, picks ``choice``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.choice: Choice | None = None
        self.shown: list[ConflictDialog] = []
        answer = self

        def fake_exec(dialog: ConflictDialog) -> int:
            answer.shown.append(dialog)
            answer.headline = dialog.headline.text()
            answer.rows = dialog.table.diff_model.rows()
            answer.buttons = [
                b.text() for b in (dialog.merge_button, dialog.keep_button, dialog.save_button)
            ]
            if answer.choice is None:
                return 0
            dialog.choice = answer.choice
            return 1

        monkeypatch.setattr(ConflictDialog, "exec", fake_exec)


@pytest.fixture
def answer(monkeypatch: pytest.MonkeyPatch) -> Answer:
    return Answer(monkeypatch)


def _tom_saves(workspace: Workspace) -> int:
    """Another supervisor saves the article from the revision both opened."""
    tom = create_user("Tom Becker", Role.SUPERVISOR)
    opened = store.get_article("greeting")
    result = editing.save_working_copy(
        workspace.playbook,
        tom,
        replace(opened.as_draft(), body=THEIRS, status=Status.DRAFT),
        editing="greeting",
        base_revision=opened.revision,
    )
    return result.article.revision


def _type_and(qtbot: QtBot, editor: PlaybookEditor, keys: tuple[Qt.Key, object]) -> None:
    editor.form.source.selectAll()
    qtbot.keyClicks(editor.form.source, MINE)
    qtbot.keyClick(editor, keys[0], keys[1])


def _until(qtbot: QtBot, editor: PlaybookEditor, says: str) -> None:
    qtbot.waitUntil(lambda: says in editor.message.text(), timeout=10_000)


def test_the_dialog_says_who_and_when_and_shows_theirs_against_mine(
    qtbot: QtBot, workspace: Workspace, editor: PlaybookEditor, answer: Answer
) -> None:
    theirs = _tom_saves(workspace)
    _type_and(qtbot, editor, (Qt.Key.Key_S, CTRL))
    _until(qtbot, editor, "Nothing was saved")

    saved_at = local_datetime(store.get_revision("greeting", theirs).saved_at)
    assert answer.headline == (
        f"Tom Becker saved revision {theirs} at {saved_at:%H:%M} ({saved_at:%Y-%m-%d}) "
        "since you opened it."
    )
    assert any(r.left == THEIRS and r.right == MINE for r in answer.rows)
    assert answer.buttons == ["&Merge by hand", "&Keep theirs", "&Save mine on top"]
    # Cancelled: nothing written, Grace's text still in the form.
    assert store.get_article("greeting").revision == theirs
    assert editor.form.source.toPlainText() == MINE
    assert "IntegrityError" not in editor.message.text()


def test_keep_theirs_loads_their_revision_and_drops_mine(
    qtbot: QtBot, workspace: Workspace, editor: PlaybookEditor, answer: Answer
) -> None:
    theirs = _tom_saves(workspace)
    answer.choice = Choice.KEEP_THEIRS
    _type_and(qtbot, editor, (Qt.Key.Key_S, CTRL))
    _until(qtbot, editor, f"Kept Tom Becker's revision {theirs}")

    assert editor.form.source.toPlainText() == THEIRS
    assert store.get_article("greeting").revision == theirs
    # Her next save goes on top of theirs, without another conflict.
    editor.form.source.appendPlainText("One more line.")
    qtbot.keyClick(editor, Qt.Key.Key_S, CTRL)
    _until(qtbot, editor, f"Saved as draft revision {theirs + 1}")


def test_save_mine_on_top_keeps_theirs_in_the_history(
    qtbot: QtBot, workspace: Workspace, editor: PlaybookEditor, answer: Answer
) -> None:
    theirs = _tom_saves(workspace)
    answer.choice = Choice.SAVE_MINE
    _type_and(qtbot, editor, (Qt.Key.Key_S, CTRL))
    _until(qtbot, editor, f"Saved as draft revision {theirs + 1}")

    revisions = store.list_revisions("greeting")
    assert [(r.saved_by, r.content.body) for r in revisions[-2:]] == [
        ("Tom Becker", THEIRS),
        ("Grace Okafor", MINE),
    ]


def test_merge_by_hand_shows_theirs_beside_and_saves_on_top(
    qtbot: QtBot, workspace: Workspace, editor: PlaybookEditor, answer: Answer
) -> None:
    theirs = _tom_saves(workspace)
    answer.choice = Choice.MERGE
    _type_and(qtbot, editor, (Qt.Key.Key_S, CTRL))
    _until(qtbot, editor, "Merging")

    assert editor.theirs_panel.isVisible()
    assert THEIRS in editor.theirs_text.toPlainText()
    assert f"revision {theirs} by Tom Becker" in editor.theirs_title.text()
    assert editor.form.source.toPlainText() == MINE
    assert store.get_article("greeting").revision == theirs

    editor.form.source.selectAll()
    qtbot.keyClicks(editor.form.source, "Merged: greet, give your name, smile.")
    qtbot.keyClick(editor, Qt.Key.Key_S, CTRL)
    _until(qtbot, editor, f"Saved as draft revision {theirs + 1}")
    assert store.get_article("greeting").body == "Merged: greet, give your name, smile."
    assert len(answer.shown) == 1


def test_publishing_over_their_revision_asks_first_then_publishes_mine(
    qtbot: QtBot, workspace: Workspace, editor: PlaybookEditor, answer: Answer
) -> None:
    _tom_saves(workspace)
    answer.choice = Choice.SAVE_MINE
    _type_and(qtbot, editor, (Qt.Key.Key_P, CTRL_SHIFT))
    _until(qtbot, editor, "Published revision")

    assert answer.buttons[-1] == "&Publish mine on top"
    assert store.visible_article("greeting").body == MINE
    assert THEIRS in [r.content.body for r in store.list_revisions("greeting")]
