"""Playbook releases in the window: apply from the menu, resolve conflicts, the agents' notice.

Head office is a second store of its own (its own data dir, or its own PostgreSQL
database), opened and closed before the site's window starts: it publishes a new
wording of "greeting" and a new article "lost-card", and makes release R1 before and
R2 after. The site is the test's workspace; Grace Okafor supervises it and Priya Shah
answers its phones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from companion.changes import Changes, Topic
from companion.users import Role, User, create_user
from kb import store
from kb.article import ArticleDraft
from kb.editing import DiffKind
from kb.releases import (
    ReleaseManifest,
    Resolution,
    apply_release,
    installed_release,
    make_release,
    mark_notice_seen,
    release_conflicts,
    release_label,
)
from kb.workspace import Workspace, load_default_playbook, open_workspace
from tests import postgres
from tests.ui.query_threads import queries_on_ui_thread
from ui.main_window import MainWindow
from ui.releases.apply_flow import ApplyReleaseFlow
from ui.releases.conflicts_dialog import ConflictsDialog
from ui.releases.release_desk import ReleaseDesk
from ui.releases.texts import force_warning, is_refusable, without_command_line

HQ_LINE = '- "Good morning, thanks for calling Northwind. My name is Sam. Who am I speaking with?"'
SITE_LINE = "1. Take a breath, sit up straight and smile before you answer."
OLD_STEP = "1. Take a breath and smile before you answer."
SITE_WORDS = "Take a breath, sit up straight and smile"  # SITE_LINE as rendered
HQ_WORDS = "Good morning, thanks for calling Northwind."
MERGED = "# Greeting\n\nThe merged wording both offices agreed on.\n"
LOST_CARD = "# Lost card\n\nBlock the card first, then order a new one.\n"
WAIT_MS = 20_000


@dataclass(frozen=True)
class Releases:
    r1: Path
    r2: Path


def _reworded(slug: str, old: str, new: str) -> ArticleDraft:
    article = store.visible_article(slug)
    assert old in article.body
    return replace(article.as_draft(), body=article.body.replace(old, new))


@pytest.fixture
def releases(tmp_path: Path, data_dir: Path) -> Iterator[Releases]:
    """Head office's R1 (the default playbook) and R2 (new greeting, new lost-card)."""
    folder = tmp_path / "releases"
    folder.mkdir()
    url = postgres.workspace_database(False) if postgres.backend() == "postgresql" else None
    head_office = open_workspace(tmp_path / "head-office", url, load_defaults=False)
    try:
        hana = create_user("Hana Head", Role.SUPERVISOR)
        load_default_playbook(head_office.playbook, hana)
        r1 = make_release(hana, folder / "playbook-R1.cpb").path
        greeting = _reworded(
            "greeting",
            '- "Thanks for calling, my name is Sam. Who am I speaking with today?"',
            HQ_LINE,
        )
        head_office.playbook.save(greeting, hana)
        head_office.playbook.save(
            ArticleDraft(slug="lost-card", title="Lost card", body=LOST_CARD), hana
        )
        r2 = make_release(hana, folder / "playbook-R2.cpb").path
    finally:
        head_office.close()
        if url is not None:
            postgres.drop_database(url)
    yield Releases(r1, r2)


@pytest.fixture
def site(releases: Releases, workspace: Workspace) -> Workspace:
    """The site's store, opened after head office closed."""
    return workspace


@pytest.fixture
def grace(site: Workspace) -> User:
    return create_user("Grace Okafor", Role.SUPERVISOR)


@pytest.fixture
def priya(site: Workspace) -> User:
    return create_user("Priya Shah", Role.AGENT)


def open_window(qtbot: QtBot, workspace: Workspace, user: User) -> MainWindow:
    workspace.user = user
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.index_ready and window.runner.pending == 0, timeout=WAIT_MS)
    return window


def settle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=WAIT_MS)


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def box_of(qtbot: QtBot, desk: ReleaseDesk) -> QMessageBox:
    """The question or report the running flow shows, once it is on screen."""
    qtbot.waitUntil(lambda: desk.flow is not None and desk.flow.box is not None, timeout=WAIT_MS)
    assert desk.flow is not None and desk.flow.box is not None
    return desk.flow.box


def press(box: QMessageBox, text: str) -> None:
    button = next(b for b in box.buttons() if b.text().replace("&", "") == text)
    button.click()


def apply_from_menu(qtbot: QtBot, window: MainWindow) -> ApplyReleaseFlow:
    desk = window.releases
    desk.apply_action.trigger()
    box = box_of(qtbot, desk)
    flow = desk.flow
    assert isinstance(flow, ApplyReleaseFlow)
    assert box.text().startswith("Apply release")
    return flow


def article_text(window: MainWindow) -> str:
    return window.playbook.viewer.toPlainText()


def open_article(qtbot: QtBot, window: MainWindow, slug: str) -> None:
    viewer = window.playbook.viewer
    window.playbook.open_article(slug)
    qtbot.waitUntil(
        lambda: viewer.current is not None and viewer.current.slug == slug and not viewer.rendering,
        timeout=WAIT_MS,
    )
    settle(qtbot, window)


def menu_texts(window: MainWindow) -> list[str]:
    assert window.supervisor_menu is not None
    return [action.text() for action in window.supervisor_menu.actions()]


# -- applying from the menu -----------------------------------------------------------------


def test_applying_a_release_shows_progress_then_what_it_did(
    qtbot: QtBot,
    site: Workspace,
    grace: User,
    releases: Releases,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window(qtbot, site, grace)
    assert "Apply playbook &release…" in menu_texts(window)
    on_ui_thread = queries_on_ui_thread(monkeypatch)
    choose_file(monkeypatch, releases.r2)

    flow = apply_from_menu(qtbot, window)
    box = flow.box
    assert box is not None
    assert box.text().startswith("Apply release R2 from Hana Head, made ")
    assert box.text().endswith(" articles?")
    assert box.informativeText() == "No head office release is installed here yet."
    press(box, "Apply")

    report = box_of(qtbot, window.releases)
    assert report.text() == "Release R2 applied."
    assert "1 added" in report.informativeText()
    assert "1 updated" in report.informativeText()
    assert "0 conflicts" in report.informativeText()
    assert flow.last_progress is not None
    done, total = flow.last_progress
    assert done == total > 0
    press(report, "OK")
    qtbot.waitUntil(lambda: window.releases.flow is None)

    open_article(qtbot, window, "greeting")
    assert HQ_WORDS in article_text(window)
    window.playbook.search_box.setText("Northwind")
    qtbot.waitUntil(
        lambda: (
            window.playbook.results_model.rowCount() == 1
            and window.playbook.status_label.text().startswith("1 article")
        ),
        timeout=WAIT_MS,
    )
    assert on_ui_thread == []

    # Twice is once: it says so, and nothing changes.
    apply_from_menu(qtbot, window)
    press(box_of(qtbot, window.releases), "Apply")
    again = box_of(qtbot, window.releases)
    assert again.text() == (
        "Release R2 is already installed (it was applied here before); nothing changed."
    )
    press(again, "OK")
    window.close()


def test_an_altered_release_is_refused_with_one_line_and_nothing_changes(
    qtbot: QtBot,
    site: Workspace,
    grace: User,
    releases: Releases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    altered = tmp_path / "altered.cpb"
    data = bytearray(releases.r2.read_bytes())
    data[len(data) // 2] ^= 0xFF
    altered.write_bytes(bytes(data))
    window = open_window(qtbot, site, grace)
    choose_file(monkeypatch, altered)

    window.releases.apply_action.trigger()
    refusal = box_of(qtbot, window.releases)
    assert "\n" not in refusal.text() and refusal.text()
    assert refusal.informativeText() == "Nothing was applied; the playbook is as it was."
    press(refusal, "OK")
    qtbot.waitUntil(lambda: window.releases.flow is None)
    settle(qtbot, window)
    window.close()
    assert installed_release() is None
    assert HQ_LINE not in store.visible_article("greeting").body
    assert store.find_article("lost-card") is None


def test_an_older_release_is_applied_only_after_a_warning(
    qtbot: QtBot,
    site: Workspace,
    grace: User,
    releases: Releases,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apply_release(grace, releases.r2)
    window = open_window(qtbot, site, grace)
    choose_file(monkeypatch, releases.r1)

    flow = apply_from_menu(qtbot, window)
    assert flow.box is not None
    assert flow.box.informativeText().startswith("Installed now: release R2 from Hana Head")
    press(flow.box, "Apply")
    refusal = box_of(qtbot, window.releases)
    assert "R1" in refusal.text() and "R2" in refusal.text()
    assert refusal.informativeText().startswith("Release R1 is older than R2.")
    assert refusal.defaultButton().text() == "Cancel"  # Enter never forces
    press(refusal, "Cancel")
    qtbot.waitUntil(lambda: window.releases.flow is None)
    settle(qtbot, window)
    assert installed_release().label == "R2"  # type: ignore[union-attr]

    apply_from_menu(qtbot, window)
    press(box_of(qtbot, window.releases), "Apply")
    press(box_of(qtbot, window.releases), "Apply anyway")
    report = box_of(qtbot, window.releases)
    assert report.text() == "Release R1 applied."
    press(report, "OK")
    qtbot.waitUntil(lambda: window.releases.flow is None)
    settle(qtbot, window)
    window.close()
    assert installed_release().label == "R1"  # type: ignore[union-attr]


def _manifest(number: int, series: str = "hq", release_id: str | None = None) -> ReleaseManifest:
    return ReleaseManifest(
        release_id=release_id or f"{series}-{number}",
        number=number,
        label=release_label(number),
        parent_id=None,
        series=series,
        author="Hana Head",
        made_at=datetime(2026, 12, 2, 14, 3),
        article_count=57,
        schema=1,
    )


def test_which_releases_need_apply_anyway_and_what_the_warning_says() -> None:
    installed = _manifest(7)
    assert not is_refusable(_manifest(8), installed)
    assert not is_refusable(_manifest(3), None)
    assert not is_refusable(installed, installed)  # applied again: already installed
    assert is_refusable(_manifest(6), installed)
    assert force_warning(_manifest(6), installed).startswith("Release R6 is older than R7.")
    restored = _manifest(7, release_id="another-r7")
    assert is_refusable(restored, installed)
    assert force_warning(restored, installed).startswith(
        "This R7 is not the R7 installed here, though it carries the same number."
    )
    foreign = _manifest(9, series="elsewhere")
    assert is_refusable(foreign, installed)
    assert "different head office" in force_warning(foreign, installed)
    refusal = (
        "/x/R6.cpb is release R6, older than release R7 installed here; nothing was "
        "changed. Use --force to apply it anyway."
    )
    assert without_command_line(refusal) == (
        "/x/R6.cpb is release R6, older than release R7 installed here; nothing was changed."
    )


# -- conflicts --------------------------------------------------------------------------------


@pytest.fixture
def conflicted(site: Workspace, grace: User, releases: Releases) -> Workspace:
    """R1 applied, then Grace rewords greeting here, then R2 (which rewords it too)."""
    apply_release(grace, releases.r1)
    site.playbook.save(_reworded("greeting", OLD_STEP, SITE_LINE), grace)
    apply_release(grace, releases.r2)
    assert [c.slug for c in release_conflicts()] == ["greeting"]
    return site


def test_a_conflict_is_flagged_to_a_supervisor_and_not_to_an_agent(
    qtbot: QtBot, conflicted: Workspace, grace: User, priya: User
) -> None:
    window = open_window(qtbot, conflicted, grace)
    assert "Release &conflicts (1)…" in menu_texts(window)
    open_article(qtbot, window, "greeting")
    flag = window.releases.flag
    qtbot.waitUntil(flag.isVisible, timeout=WAIT_MS)
    assert flag.text() == "Conflicts with head office release R2."
    assert SITE_WORDS in article_text(window)  # the site's version is what is shown
    open_article(qtbot, window, "lost-card")
    assert not flag.isVisible()
    window.close()

    agent = open_window(qtbot, conflicted, priya)
    assert agent.supervisor_menu is None
    open_article(qtbot, agent, "greeting")
    assert SITE_WORDS in article_text(agent)
    assert HQ_WORDS not in article_text(agent)
    assert not agent.releases.flag.isVisible()
    agent.close()


def open_conflicts_from_flag(qtbot: QtBot, window: MainWindow) -> ConflictsDialog:
    open_article(qtbot, window, "greeting")
    flag = window.releases.flag
    qtbot.waitUntil(flag.isVisible, timeout=WAIT_MS)
    flag.resolve_button.click()
    qtbot.waitUntil(lambda: window.releases.conflicts_dialog is not None, timeout=WAIT_MS)
    dialog = window.releases.conflicts_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.current() is not None, timeout=WAIT_MS)
    return dialog


def test_the_conflicts_dialog_shows_both_versions_and_who_saved_them(
    qtbot: QtBot, conflicted: Workspace, grace: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window(qtbot, conflicted, grace)
    on_ui_thread = queries_on_ui_thread(monkeypatch)
    dialog = open_conflicts_from_flag(qtbot, window)
    qtbot.waitExposed(dialog)
    assert dialog.list.count() == 1
    assert "greeting · conflicts with head office release R2" in dialog.list.item(0).text()
    assert dialog.list.hasFocus()
    assert dialog.headline.text() == "“Greeting” conflicts with head office release R2."
    assert "saved by Grace Okafor at" in dialog.ours_line.text()
    assert "head office R2: saved by Hana Head at" in dialog.theirs_line.text()
    rows = dialog.table.diff_model.rows()
    changed = [(row.left, row.right) for row in rows if row.kind is not DiffKind.EQUAL]
    assert (
        '- "Thanks for calling, my name is Sam. Who am I speaking with today?"',
        HQ_LINE,
    ) in changed
    assert any(left.startswith(SITE_LINE) and right.startswith(OLD_STEP) for left, right in changed)
    assert on_ui_thread == []
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)  # Enter on the list decides nothing
    settle(qtbot, window)
    assert dialog.isVisible() and dialog.list.count() == 1
    qtbot.keyClick(dialog.list, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.releases.conflicts_dialog is None, timeout=WAIT_MS)
    window.close()


@pytest.mark.parametrize("resolution", list(Resolution))
def test_each_answer_decides_what_agents_then_see(
    qtbot: QtBot,
    conflicted: Workspace,
    grace: User,
    resolution: Resolution,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window(qtbot, conflicted, grace)
    on_ui_thread = queries_on_ui_thread(monkeypatch)
    dialog = open_conflicts_from_flag(qtbot, window)
    if resolution is Resolution.KEEP_OURS:
        qtbot.waitExposed(dialog)
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.keyClick(dialog.list, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    elif resolution is Resolution.TAKE_THEIRS:
        dialog.take_button.setFocus()
        qtbot.keyClick(dialog.take_button, Qt.Key.Key_Return)  # Enter presses the focused one
    else:
        dialog.edit_button.click()
        editor = dialog.merge_editor
        assert editor is not None
        assert SITE_LINE in editor.text()  # it starts from the site's text
        assert editor.table.diff_model.rowCount() > 0  # with the diff beside it
        editor.edit.setPlainText(MERGED)
        asked: list[str] = []

        def keep_writing(_parent: object, title: str, *_args: object) -> object:
            asked.append(title)
            return QMessageBox.StandardButton.Cancel

        monkeypatch.setattr(QMessageBox, "question", keep_writing)
        qtbot.keyClick(editor.edit, Qt.Key.Key_Escape)  # typed text is not dropped silently
        assert asked == ["Discard the merged version?"]
        assert editor.isVisible() and editor.text() == MERGED
        editor.save_button.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 0, timeout=WAIT_MS)
    assert dialog.headline.text().startswith("No open conflicts")
    settle(qtbot, window)
    # The menu's count, the flag and the article on screen all follow.
    assert "Release &conflicts (0)…" in menu_texts(window)
    assert not window.releases.conflicts_action.isEnabled()
    qtbot.waitUntil(lambda: not window.releases.flag.isVisible(), timeout=WAIT_MS)
    expected = {
        Resolution.KEEP_OURS: SITE_WORDS,
        Resolution.TAKE_THEIRS: HQ_WORDS,
        Resolution.EDITED: "The merged wording both offices agreed on.",
    }[resolution]
    qtbot.waitUntil(lambda: expected in article_text(window), timeout=WAIT_MS)
    assert on_ui_thread == []
    dialog.close()
    window.close()
    assert expected in store.visible_article("greeting").body
    assert release_conflicts() == []


def test_a_conflict_resolved_at_another_desk_updates_the_count(
    qtbot: QtBot, conflicted: Workspace, grace: User
) -> None:
    from kb.releases import resolve_conflict

    window = open_window(qtbot, conflicted, grace)
    assert window.releases.conflicts_action.isEnabled()
    conflict = release_conflicts()[0]
    resolve_conflict(grace, conflict.article_id, Resolution.KEEP_OURS)
    window.runner.publish(Changes.of([(Topic.ARTICLES, "greeting")], remote=True))
    qtbot.waitUntil(lambda: not window.releases.conflicts_action.isEnabled(), timeout=WAIT_MS)
    assert "Release &conflicts (0)…" in menu_texts(window)
    window.close()


# -- the agents' notice -----------------------------------------------------------------------


def test_an_agent_is_told_once_what_a_release_changed(
    qtbot: QtBot,
    site: Workspace,
    grace: User,
    priya: User,
    releases: Releases,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apply_release(grace, releases.r2)
    window = open_window(qtbot, site, priya)
    on_ui_thread = queries_on_ui_thread(monkeypatch)
    banner = window.releases.banner
    qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
    assert banner.text() == "Playbook updated to release R2: 2 articles changed."
    assert not banner.hasFocus()

    banner.what_button.click()
    changes = banner.dialog
    assert changes is not None
    rows = [changes.list.item(i).text() for i in range(changes.list.count())]
    assert sorted(rows) == ["Greeting — updated", "Lost card — new"]
    assert not banner.isVisible()
    row = rows.index("Lost card — new")
    changes.list.setCurrentRow(row)
    changes.open_button.click()
    qtbot.waitUntil(lambda: "Block the card first" in article_text(window), timeout=WAIT_MS)
    changes.close()
    settle(qtbot, window)
    assert on_ui_thread == []
    window.close()

    again = open_window(qtbot, site, priya)
    settle(qtbot, again)
    assert not again.releases.banner.isVisible()
    again.close()


def test_a_dismissed_notice_stays_dismissed_and_a_new_release_brings_one(
    qtbot: QtBot, site: Workspace, grace: User, priya: User, releases: Releases
) -> None:
    apply_release(grace, releases.r1)  # the default playbook as it is: nothing changed
    window = open_window(qtbot, site, priya)
    banner = window.releases.banner
    assert not banner.isVisible()

    # Another desk applies R2: the feed's news reaches this window.
    apply_release(grace, releases.r2)
    release_id = installed_release().release_id  # type: ignore[union-attr]
    window.runner.publish(Changes.of([(Topic.RELEASES, release_id)], remote=True))
    qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
    assert banner.text().startswith("Playbook updated to release R2")
    banner.dismiss_button.click()
    assert not banner.isVisible()
    settle(qtbot, window)
    window.close()

    again = open_window(qtbot, site, priya)
    settle(qtbot, again)
    assert not again.releases.banner.isVisible()
    again.close()


def test_a_notice_read_at_another_desk_leaves_this_one(
    qtbot: QtBot, site: Workspace, grace: User, priya: User, releases: Releases
) -> None:
    apply_release(grace, releases.r2)
    window = open_window(qtbot, site, priya)
    banner = window.releases.banner
    qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)

    release_id = installed_release().release_id  # type: ignore[union-attr]
    mark_notice_seen(priya, release_id)  # Priya opened the list at her other desk
    window.runner.publish(Changes.of([(Topic.RELEASES, release_id)], remote=True))
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    window.close()


def test_the_supervisor_who_applied_is_not_told_again(
    qtbot: QtBot,
    site: Workspace,
    grace: User,
    releases: Releases,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window(qtbot, site, grace)
    choose_file(monkeypatch, releases.r2)
    apply_from_menu(qtbot, window)
    press(box_of(qtbot, window.releases), "Apply")
    press(box_of(qtbot, window.releases), "OK")
    qtbot.waitUntil(lambda: window.releases.flow is None)
    settle(qtbot, window)
    assert not window.releases.banner.isVisible()
    window.close()


# -- making a release -------------------------------------------------------------------------


def test_making_a_release_offers_the_next_name_and_says_where_it_went(
    qtbot: QtBot,
    site: Workspace,
    grace: User,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offered: list[str] = []
    target = tmp_path / "out" / "for-the-sites"
    target.parent.mkdir()

    def save_as(_parent: object, _title: str, suggested: str, _filter: str) -> tuple[str, str]:
        offered.append(suggested)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window = open_window(qtbot, site, grace)
    window.releases.make_action.trigger()
    report = box_of(qtbot, window.releases)
    assert Path(offered[0]).name == "playbook-R1.cpb"
    written = target.with_name("for-the-sites.cpb")
    assert written.is_file()
    assert report.text().startswith("Release R1 (")
    assert f"was written to {written} (" in report.text()
    press(report, "OK")
    qtbot.waitUntil(lambda: window.releases.flow is None)
    window.close()
