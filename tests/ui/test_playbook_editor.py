"""The playbook editor as a supervisor uses it, and what agents then see in the viewer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt, QUrl
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from companion import drafts
from companion.clock import local_today
from companion.users import Role, User, create_user
from kb import editing, store
from kb.article import Status
from kb.editing import DiffKind
from kb.render import render_markdown
from kb.workspace import Workspace
from ui.article_view import ArticleView
from ui.editor import PlaybookEditor, open_editor
from ui.editor.editor_window import draft_key
from ui.main_window import MainWindow
from ui.render_worker import RenderWorker
from ui.results_model import ReviewDueRole
from ui.service_runner import ServiceRunner

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def grace(workspace: Workspace) -> User:
    workspace.ensure_index()
    workspace.user = create_user("Grace", Role.SUPERVISOR)
    return workspace.user


def _watch(widget: QWidget, *models: QAbstractItemModel) -> None:
    for model in models:
        # Parented to the widget, so the tester checks the model for the whole test.
        QAbstractItemModelTester(
            model, QAbstractItemModelTester.FailureReportingMode.Warning, widget
        )


def _editor(qtbot: QtBot, workspace: Workspace, runner: ServiceRunner) -> PlaybookEditor:
    editor = open_editor(None, workspace, runner, "greeting")
    qtbot.addWidget(editor)
    history = editor.history
    _watch(editor, editor.model, history.model, history.table.diff_model)
    qtbot.waitExposed(editor)
    qtbot.waitUntil(lambda: editor.slug == "greeting", timeout=10_000)  # read off the UI thread
    return editor


@pytest.fixture
def editor(
    qtbot: QtBot, workspace: Workspace, grace: User, runner: ServiceRunner
) -> PlaybookEditor:
    return _editor(qtbot, workspace, runner)


def _replace_body(qtbot: QtBot, editor: PlaybookEditor, text: str) -> None:
    editor.form.source.selectAll()
    qtbot.keyClicks(editor.form.source, text)


def _press(qtbot: QtBot, editor: PlaybookEditor, key: Qt.Key, modifiers: object, says: str) -> None:
    qtbot.keyClick(editor, key, modifiers)
    qtbot.waitUntil(lambda: says in editor.message.text(), timeout=10_000)


def test_the_preview_follows_the_source_and_leaves_out_raw_html(
    qtbot: QtBot, editor: PlaybookEditor
) -> None:
    _replace_body(qtbot, editor, "Say **hello**. <script>alert('x')</script>")

    qtbot.waitUntil(lambda: "Say hello." in editor.form.preview.toPlainText())
    assert "alert" not in editor.form.preview.toPlainText()
    assert "<script>" in editor.form.source.toPlainText()


@dataclass
class SlowPreview:
    """The preview's renderer, held until ``release`` is set, as a huge article would be."""

    release: threading.Event = field(default_factory=threading.Event)
    asked: list[str] = field(default_factory=list)  # sources sent to the worker
    started: list[str] = field(default_factory=list)  # sources the worker began rendering


@pytest.fixture
def slow_preview(
    qtbot: QtBot, editor: PlaybookEditor, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SlowPreview]:
    qtbot.waitUntil(lambda: not editor.form.preview_pending, timeout=10_000)
    slow = SlowPreview()
    ask = RenderWorker.request

    def request(worker: RenderWorker, request_id: int, payload: object) -> None:
        slow.asked.append(str(payload))
        ask(worker, request_id, payload)

    def render(source: str) -> str:
        slow.started.append(source)
        assert slow.release.wait(timeout=20), "the test never released the renderer"
        return render_markdown(source)

    monkeypatch.setattr(RenderWorker, "request", request)
    monkeypatch.setattr("ui.render_worker.render_markdown", render)
    yield slow
    slow.release.set()


def test_a_slow_preview_never_holds_up_typing(
    qtbot: QtBot, editor: PlaybookEditor, slow_preview: SlowPreview
) -> None:
    form = editor.form
    _replace_body(qtbot, editor, "Say **hello**.")
    qtbot.waitUntil(lambda: slow_preview.started == ["Say **hello**."], timeout=10_000)

    qtbot.waitUntil(form.preview_note.isVisible, timeout=10_000)
    qtbot.keyClicks(form.source, " Then smile.")
    qtbot.keyClick(form.source, Qt.Key.Key_Home)
    qtbot.keyClicks(form.source, "> ")
    assert form.source.toPlainText() == "> Say **hello**. Then smile."
    assert "Say hello." not in form.preview.toPlainText()  # the old preview stays up
    assert form.preview_pending

    slow_preview.release.set()
    qtbot.waitUntil(lambda: not form.preview_pending, timeout=10_000)
    assert form.preview.toPlainText().strip() == "Say hello. Then smile."
    assert not form.preview_note.isVisible()


def test_typing_fast_previews_only_the_newest_text(
    qtbot: QtBot, editor: PlaybookEditor, slow_preview: SlowPreview
) -> None:
    form = editor.form
    previews: list[str] = []
    form.previewShown.connect(lambda: previews.append(form.preview.toPlainText().strip()))
    _replace_body(qtbot, editor, "First")
    qtbot.waitUntil(lambda: slow_preview.started == ["First"], timeout=10_000)
    qtbot.keyClicks(form.source, " second")
    qtbot.waitUntil(lambda: slow_preview.asked[-1] == "First second", timeout=10_000)
    qtbot.keyClicks(form.source, " third")
    qtbot.waitUntil(lambda: slow_preview.asked[-1] == "First second third", timeout=10_000)

    slow_preview.release.set()
    qtbot.waitUntil(lambda: not form.preview_pending, timeout=10_000)
    assert slow_preview.started == ["First", "First second third"]  # the middle one skipped
    assert previews == ["First second third"]  # the stale "First" never reached the screen


def test_a_saved_draft_stays_hidden_from_agents_until_published(
    qtbot: QtBot, editor: PlaybookEditor
) -> None:
    before = store.visible_article("greeting")
    _replace_body(qtbot, editor, "Answer within three rings.")

    _press(qtbot, editor, Qt.Key.Key_S, CTRL, "Saved as draft revision 2")

    assert store.visible_article("greeting") == before
    assert "Agents see revision 1" in editor.state_label.text()
    # The crash-safe copy is cleared by a write queued behind the save.
    qtbot.waitUntil(lambda: drafts.load_draft(draft_key("greeting")) == "", timeout=10_000)

    _press(qtbot, editor, Qt.Key.Key_P, CTRL_SHIFT, "Published revision 3")

    assert store.visible_article("greeting").body == "Answer within three rings."
    assert "this is what agents see" in editor.state_label.text()


def test_refusals_keep_every_word_typed(qtbot: QtBot, editor: PlaybookEditor) -> None:
    _replace_body(qtbot, editor, "My careful new wording.")
    editor.form.slug.setText("abusive-callers")

    _press(qtbot, editor, Qt.Key.Key_S, CTRL, "already used by the article")

    editor.form.slug.setText("greeting")
    editor.form.title.clear()
    _press(qtbot, editor, Qt.Key.Key_S, CTRL, "empty title")

    editor.form.title.setText("Greeting")
    editor.form.review_by.setText("next june")
    _press(qtbot, editor, Qt.Key.Key_S, CTRL, "write it as YYYY-MM-DD")

    assert editor.form.source.toPlainText() == "My careful new wording."
    assert len(store.list_revisions("greeting")) == 1


def test_a_past_review_date_saves_with_a_warning(qtbot: QtBot, editor: PlaybookEditor) -> None:
    editor.form.review_by.setText((local_today() - timedelta(days=1)).isoformat())

    _press(qtbot, editor, Qt.Key.Key_S, CTRL, "has already passed")

    assert store.get_article("greeting").review_by == local_today() - timedelta(days=1)
    editor.review_only.setChecked(True)
    # Still published with the old date, so nothing is due yet.
    qtbot.waitUntil(lambda: [a.slug for a in editor.model.rows()] == [], timeout=10_000)
    _press(qtbot, editor, Qt.Key.Key_P, CTRL_SHIFT, "Published")
    qtbot.waitUntil(lambda: [a.slug for a in editor.model.rows()] == ["greeting"], timeout=10_000)


def test_history_compares_two_revisions_and_restore_adds_a_draft(
    qtbot: QtBot, editor: PlaybookEditor
) -> None:
    original = store.get_article("greeting").body
    _replace_body(qtbot, editor, "Second wording.")
    _press(qtbot, editor, Qt.Key.Key_P, CTRL_SHIFT, "Published revision 3")
    editor.tabs.setCurrentWidget(editor.history)

    qtbot.waitUntil(lambda: editor.history.model.rowCount() == 3, timeout=10_000)

    editor.history.select_revisions(1, 3)

    caption = editor.history.caption
    qtbot.waitUntil(
        lambda: caption.text().startswith("Revision 1 on the left, revision 3"), timeout=10_000
    )
    rows = editor.history.table.diff_model.rows()
    assert any(r.right == "Second wording." and r.kind is not DiffKind.EQUAL for r in rows)

    editor.history.select_revisions(1)
    qtbot.mouseClick(editor.history.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Revision 1 is now the working copy" in editor.message.text())

    assert [r.number for r in store.list_revisions("greeting")] == [1, 2, 3, 4]
    assert store.get_article("greeting").body == original
    assert store.get_article("greeting").status is Status.DRAFT
    assert store.visible_article("greeting").body == "Second wording."
    assert editor.form.source.toPlainText() == original


def test_unsaved_edits_come_back_after_a_crash(
    qtbot: QtBot, workspace: Workspace, editor: PlaybookEditor, runner: ServiceRunner
) -> None:
    _replace_body(qtbot, editor, "Half a thought")
    qtbot.waitUntil(lambda: "Half a thought" in drafts.load_draft(draft_key("greeting")))
    # A crash: the window never gets to close or save.

    reopened = _editor(qtbot, workspace, runner)

    assert reopened.recovered.isVisible()
    assert reopened.form.source.toPlainText() != "Half a thought"
    qtbot.mouseClick(reopened.bring_back, Qt.MouseButton.LeftButton)
    assert reopened.form.source.toPlainText() == "Half a thought"
    assert not reopened.recovered.isVisible()


def test_an_agent_can_read_history_but_not_change_anything(
    qtbot: QtBot, workspace: Workspace, runner: ServiceRunner
) -> None:
    workspace.user = create_user("Ada", Role.AGENT)
    viewer = _editor(qtbot, workspace, runner)

    assert not viewer.save_button.isVisible() and not viewer.publish_button.isVisible()
    _replace_body(qtbot, viewer, "Sneaky edit")
    qtbot.keyClick(viewer, Qt.Key.Key_S, CTRL)
    assert "Only supervisors and admins" in viewer.message.text()
    assert len(store.list_revisions("greeting")) == 1


def test_viewer_marks_review_due_and_offers_the_changes_since_last_read(
    qtbot: QtBot, workspace: Workspace, grace: User
) -> None:
    agent = create_user("Ada", Role.AGENT)
    viewer = ArticleView()
    qtbot.addWidget(viewer)
    viewer.track_reads(agent)
    viewer.open_article("greeting")
    assert "Changed since you last read" not in viewer.toPlainText()

    greeting = store.get_article("greeting").as_draft()
    past = date(2020, 1, 31)
    editing.save_working_copy(
        workspace.playbook,
        grace,
        replace(greeting, body="New steps.", review_by=past),
        editing="greeting",
    )
    editing.publish(workspace.playbook, grace, "greeting")
    viewer.open_article("greeting")

    text = viewer.toPlainText()
    assert "Review due since 2020-01-31" in text
    assert "Changed since you last read (revision 1 → 3) — show changes" in text
    assert 'href="diff:greeting/1/3"' in viewer.toHtml()

    viewer.anchorClicked.emit(QUrl("diff:greeting/1/3"))

    dialog = viewer.diff_dialog
    assert dialog is not None and dialog.isVisible()
    _watch(dialog, dialog.table.diff_model)
    assert any(r.right == "New steps." for r in dialog.table.diff_model.rows())
    dialog.reject()
    viewer.open_article("greeting")
    assert "Changed since you last read" not in viewer.toPlainText()


def test_search_results_flag_articles_past_review(
    qtbot: QtBot, workspace: Workspace, window: MainWindow
) -> None:
    greeting = store.get_article("greeting").as_draft()
    workspace.playbook.save(replace(greeting, review_by=date(2020, 1, 31)), workspace.user)
    pane = window.playbook
    with qtbot.waitSignal(pane.resultsShown, timeout=10_000):
        pane.refresh()

    def flagged() -> set[str]:
        return {
            pane.results_model.hit(row).slug
            for row in range(pane.results_model.rowCount())
            if pane.results_model.index(row, 0).data(ReviewDueRole)
        }

    qtbot.waitUntil(lambda: flagged() == {"greeting"})  # the flags are read off the UI thread
    row = next(
        r
        for r in range(pane.results_model.rowCount())
        if pane.results_model.hit(r).slug == "greeting"
    )
    assert "review due" in pane.results_model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
