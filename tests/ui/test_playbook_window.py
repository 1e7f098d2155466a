"""Driving the real window the way an agent does: keys first."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from kb.render import render_markdown
from kb.workspace import Workspace
from ui.article_view import ArticleView
from ui.main_window import MainWindow
from ui.results_model import SearchResultsModel


def search(qtbot: QtBot, window: MainWindow, text: str) -> None:
    """Type ``text`` into the search box and wait until its results are on screen."""
    pane = window.playbook
    with qtbot.waitSignal(
        pane.resultsShown, timeout=10_000, check_params_cb=lambda shown: shown == text
    ):
        qtbot.keyClicks(pane.search_box, text)


def shown(qtbot: QtBot, viewer: ArticleView) -> None:
    """Wait until the open article's body, rendered in the background, is on screen."""
    qtbot.waitUntil(lambda: not viewer.rendering, timeout=10_000)


def showing(qtbot: QtBot, viewer: ArticleView, slug: str) -> None:
    """Wait until ``slug`` is the open article (it is read off the UI thread)."""
    qtbot.waitUntil(lambda: viewer.current is not None and viewer.current.slug == slug)


def test_ctrl_k_focuses_search_from_anywhere(qtbot: QtBot, window: MainWindow) -> None:
    window.playbook.viewer.setFocus()
    qtbot.waitUntil(lambda: window.playbook.viewer.hasFocus())
    qtbot.keyClick(window.playbook.viewer, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
    assert QApplication.focusWidget() is window.playbook.search_box


def test_typing_shows_results_and_enter_opens_the_article(qtbot: QtBot, window: MainWindow) -> None:
    pane = window.playbook
    pane.focus_search()
    search(qtbot, window, "caller is swearing")
    assert pane.results_model.hit(0).slug == "abusive-callers"
    assert "<b>" in pane.results_model.hit(0).snippet.to_html()
    qtbot.keyClick(pane.search_box, Qt.Key.Key_Return)
    showing(qtbot, pane.viewer, "abusive-callers")
    shown(qtbot, pane.viewer)
    assert "Abusive callers" in pane.viewer.toPlainText()


def test_arrow_keys_move_through_results(qtbot: QtBot, window: MainWindow) -> None:
    pane = window.playbook
    pane.focus_search()
    search(qtbot, window, "caller")
    assert pane.results_model.rowCount() >= 2
    second = pane.results_model.hit(1)
    qtbot.keyClick(pane.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(pane.search_box, Qt.Key.Key_Return)
    showing(qtbot, pane.viewer, second.slug)


def test_only_the_newest_query_is_shown(qtbot: QtBot, window: MainWindow) -> None:
    pane = window.playbook
    pane.focus_search()
    search(qtbot, window, "escalation")
    stale = pane._latest_request - 1
    pane._on_results(stale, window.workspace.index.search("greeting"))
    assert pane.results_model.hit(0).slug == "escalation"


def test_no_results_says_so(qtbot: QtBot, window: MainWindow) -> None:
    pane = window.playbook
    pane.focus_search()
    search(qtbot, window, "zzqqxxvv")
    assert pane.results_model.rowCount() == 0
    assert "No articles match" in pane.status_label.text()


def test_hostile_input_in_the_search_box_keeps_the_window_working(
    qtbot: QtBot, window: MainWindow
) -> None:
    pane = window.playbook
    for text in ('"(unbalanced', "AND OR NOT", "*", "😀 שלום", "x" * 10_000):
        with qtbot.waitSignal(pane.resultsShown, timeout=10_000):
            pane.search_box.setText(text)
        assert "unavailable" not in pane.status_label.text()
    pane.search_box.clear()
    search(qtbot, window, "greeting")
    assert pane.results_model.hit(0).slug == "greeting"


def click_link(qtbot: QtBot, window: MainWindow, href: str) -> None:
    viewer = window.playbook.viewer
    document = viewer.document()
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(document)
                cursor.setPosition(fragment.position() + 1)
                viewer.setTextCursor(cursor)
                viewer.ensureCursorVisible()
                point = viewer.cursorRect(cursor).center() + QPoint(0, 0)
                qtbot.mouseClick(viewer.viewport(), Qt.MouseButton.LeftButton, pos=point)
                return
            iterator += 1
        block = block.next()
    raise AssertionError(f"no link to {href} in the article")


def test_a_link_inside_an_article_navigates_and_back_returns(
    qtbot: QtBot, window: MainWindow
) -> None:
    pane = window.playbook
    pane.open_article("abusive-callers")
    shown(qtbot, pane.viewer)
    click_link(qtbot, window, "article:conflicts")
    qtbot.waitUntil(
        lambda: pane.viewer.current is not None and pane.viewer.current.slug == "conflicts"
    )
    assert pane.back_button.isEnabled()
    qtbot.keyClick(pane.viewer, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    showing(qtbot, pane.viewer, "abusive-callers")
    assert pane.forward_button.isEnabled()


def test_web_links_go_to_the_system_browser(qtbot: QtBot, window: MainWindow, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(
        "ui.article_view.QDesktopServices.openUrl", lambda url: opened.append(url.toString())
    )
    window.playbook.viewer.anchorClicked.emit(QUrl("https://example.org/help"))
    assert opened == ["https://example.org/help"]


def test_stage_shortcuts_open_their_articles(qtbot: QtBot, window: MainWindow) -> None:
    pane = window.playbook
    qtbot.keyClick(pane.search_box, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    showing(qtbot, pane.viewer, "escalation")
    qtbot.mouseClick(pane.stage_buttons["record"], Qt.MouseButton.LeftButton)
    showing(qtbot, pane.viewer, "recording")


def test_results_model_passes_the_model_tester(workspace: Workspace, qtbot: QtBot) -> None:
    model = SearchResultsModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    workspace.ensure_index()
    model.set_hits(workspace.index.search("caller").hits)
    assert model.rowCount() > 0
    model.set_hits([])
    assert model.rowCount() == 0


def test_window_layout_is_remembered(qtbot: QtBot, workspace: Workspace, data_dir: Path) -> None:
    first = MainWindow(workspace)
    qtbot.addWidget(first)
    first.show()
    first.resize(1300, 820)
    first.splitter.setSizes([700, 580])
    first.playbook.splitter.setSizes([200, 520])
    first.call_pane.splitter.setSizes([260, 420])
    splitters = lambda w: (  # noqa: E731 - a small local reader
        w.splitter.sizes(),
        w.playbook.splitter.sizes(),
        w.call_pane.splitter.sizes(),
    )
    size, sizes = first.size(), splitters(first)
    first.close()
    second = MainWindow(workspace)
    qtbot.addWidget(second)
    second.show()
    assert second.size() == size
    assert splitters(second) == sizes
    second.close()


def test_an_empty_search_box_lists_the_whole_playbook(qtbot: QtBot, window: MainWindow) -> None:
    pane = window.playbook
    pane.focus_search()
    search(qtbot, window, "escalation")
    with qtbot.waitSignal(pane.resultsShown, timeout=10_000):
        qtbot.keyClick(pane.search_box, Qt.Key.Key_Escape)
    slugs = {pane.results_model.hit(row).slug for row in range(pane.results_model.rowCount())}
    assert {"greeting", "escalation", "recording"} <= slugs
    assert pane.status_label.text().startswith("All ")


@pytest.fixture
def slow_renderer(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Rendering waits until the returned event is set, as a huge article would."""
    release = threading.Event()

    def render(source: str) -> str:
        assert release.wait(timeout=20), "the test never released the renderer"
        return render_markdown(source)

    monkeypatch.setattr("ui.render_worker.render_markdown", render)
    return release


def test_a_slow_article_leaves_the_window_answering(
    qtbot: QtBot, window: MainWindow, slow_renderer: threading.Event
) -> None:
    pane = window.playbook
    pane.open_article("escalation")
    showing(qtbot, pane.viewer, "escalation")
    qtbot.waitUntil(lambda: "Loading…" in pane.viewer.toPlainText())
    pane.focus_search()
    search(qtbot, window, "greeting")
    assert pane.search_box.text() == "greeting"
    assert pane.results_model.hit(0).slug == "greeting"
    assert pane.viewer.rendering
    with qtbot.waitSignal(pane.viewer.articleShown, timeout=10_000):
        slow_renderer.set()
    assert "Loading…" not in pane.viewer.toPlainText()
    assert "Escalation" in pane.viewer.toPlainText()


def test_only_the_newest_article_is_shown_when_several_are_rendering(
    qtbot: QtBot, window: MainWindow, slow_renderer: threading.Event
) -> None:
    pane = window.playbook
    pane.open_article("escalation")
    pane.open_article("greeting")
    pane.open_article("recording")
    slow_renderer.set()
    shown(qtbot, pane.viewer)
    qtbot.wait(200)  # a stale answer, had one been sent, would arrive by now
    assert pane.viewer.current is not None and pane.viewer.current.slug == "recording"
    text = pane.viewer.toPlainText()
    assert text.count("Recording") >= 1
    assert "Greeting" not in text and "Escalation" not in text
