"""The playbook editor reads through the window's runner and follows other desks.

Nothing the editor shows is read on the UI thread (on a shared PostgreSQL store each
query is a network round trip): opening it, opening an article, saving a draft and
comparing revisions in the history run no query there. When another desk saves the
article open here, the editor says so calmly, keeps every word being typed, and the
article list follows.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from companion.changes import Changes, Topic
from companion.users import Role, User, create_user
from kb import editing, store
from kb.article import Status
from kb.workspace import Workspace
from tests.ui.query_threads import queries_on_ui_thread
from ui.editor import open_editor
from ui.service_runner import ServiceRunner

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def grace(workspace: Workspace) -> User:
    workspace.ensure_index()
    workspace.user = create_user("Grace", Role.SUPERVISOR)
    return workspace.user


def _idle(qtbot: QtBot, runner: ServiceRunner) -> None:
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=20_000)


def test_no_query_runs_on_the_ui_thread_while_editing(
    qtbot: QtBot,
    workspace: Workspace,
    grace: User,
    runner: ServiceRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    on_ui_thread = queries_on_ui_thread(monkeypatch)

    editor = open_editor(None, workspace, runner)
    qtbot.addWidget(editor)
    qtbot.waitExposed(editor)
    qtbot.waitUntil(lambda: editor.model.rowCount() > 1, timeout=10_000)

    editor.open_article("greeting")
    qtbot.waitUntil(lambda: editor.slug == "greeting", timeout=10_000)
    assert "Revision 1, published" in editor.state_label.text()
    editor.form.source.selectAll()
    qtbot.keyClicks(editor.form.source, "Answer within three rings.")
    qtbot.keyClick(editor, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: "Saved as draft revision 2" in editor.message.text(), timeout=10_000)
    assert "Agents see revision 1" in editor.state_label.text()

    editor.tabs.setCurrentWidget(editor.history)
    assert editor.history.model.rowCount() == 2
    editor.history.select_revisions(1, 2)
    qtbot.waitUntil(
        lambda: editor.history.caption.text().startswith("Revision 1 on the left, revision 2"),
        timeout=10_000,
    )
    assert any(
        r.right == "Answer within three rings." for r in editor.history.table.diff_model.rows()
    )
    _idle(qtbot, runner)

    assert on_ui_thread == []


def test_another_desk_saving_the_open_article_is_said_calmly_and_keeps_the_typing(
    qtbot: QtBot, workspace: Workspace, grace: User, runner: ServiceRunner
) -> None:
    editor = open_editor(None, workspace, runner, "greeting")
    qtbot.addWidget(editor)
    qtbot.waitExposed(editor)
    qtbot.waitUntil(lambda: editor.slug == "greeting", timeout=10_000)
    editor.form.source.selectAll()
    qtbot.keyClicks(editor.form.source, "Grace's half-typed")

    # Ada, at another desk, saves a new title for the same article; the feed says so.
    ada = create_user("Ada", Role.SUPERVISOR)
    opened = store.get_article("greeting")
    editing.save_working_copy(
        workspace.playbook,
        ada,
        replace(opened.as_draft(), title="Greeting callers", status=Status.DRAFT),
        editing="greeting",
        base_revision=opened.revision,
    )
    runner.publish(Changes.of([(Topic.ARTICLES, "greeting")], remote=True))

    qtbot.waitUntil(lambda: "Ada saved a newer revision" in editor.message.text(), timeout=10_000)
    assert "at another desk — your save will show both" in editor.message.text()
    assert editor.form.source.toPlainText() == "Grace's half-typed"
    qtbot.waitUntil(
        lambda: any(a.title == "Greeting callers" for a in editor.model.rows()), timeout=10_000
    )
    qtbot.waitUntil(lambda: editor.history.model.rowCount() == 2, timeout=10_000)

    # Typing carries on; saving then shows both revisions (the conflict dialog).
    qtbot.keyClicks(editor.form.source, " thought")
    assert editor.form.source.toPlainText() == "Grace's half-typed thought"


def test_a_change_at_this_desk_or_to_another_article_says_nothing(
    qtbot: QtBot, workspace: Workspace, grace: User, runner: ServiceRunner
) -> None:
    editor = open_editor(None, workspace, runner, "greeting")
    qtbot.addWidget(editor)
    qtbot.waitExposed(editor)
    qtbot.waitUntil(lambda: editor.slug == "greeting", timeout=10_000)

    runner.publish(Changes.of([(Topic.ARTICLES, "abusive-callers")], remote=True))
    runner.changed.emit(Changes.of([(Topic.ARTICLES, "greeting")]))
    _idle(qtbot, runner)

    assert "another desk" not in editor.message.text()
