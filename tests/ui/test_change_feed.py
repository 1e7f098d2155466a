"""A window hears what another desk did: its feed publishes into the runner's ``changed``.

The other desk is a real process on the window's database, with a data dir of its own.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from pytestqt.qtbot import QtBot

from companion.changes import NO_CHANGES, Changes
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]

OTHER_DESK = """
import sys
from kb.article import ArticleDraft
from kb.workspace import open_workspace
from companion.customers import CustomerDetails, create_customer
ws = open_workspace(sys.argv[1], sys.argv[2], load_defaults=False)
ws.playbook.save(
    ArticleDraft(slug="wombat-returns", title="Returning a wombat", body="Wombats go back by courier."),
    ws.user,
)
print(create_customer(ws.user, CustomerDetails.validate("Wendy Wombat")).customer.id)
"""


def other_desk_writes(window: MainWindow, tmp_path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(OTHER_DESK), str(tmp_path / "other-desk"),
         window.workspace.db_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_another_desks_writes_reach_the_window_and_its_search(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    heard: list[Changes] = []
    window.runner.changed.connect(heard.append)
    customer_id = other_desk_writes(window, tmp_path)

    def both_heard() -> bool:
        remote = NO_CHANGES
        for changes in heard:
            remote = remote | changes if changes.remote else remote
        return "wombat-returns" in remote.articles and customer_id in remote.customers

    qtbot.waitUntil(both_heard, timeout=20_000)
    hits = window.workspace.index.search("wombat courier").hits
    assert [hit.slug for hit in hits] == ["wombat-returns"]
