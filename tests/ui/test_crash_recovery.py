"""After SIGKILL mid-call, a restart brings back the open call and the unsent draft."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from companion.users import local_user
from kb.workspace import open_workspace
from tests.ui.call_helpers import make_repeat_caller
from ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]

# The real window in a child process: start a call with Ana, type into the composer,
# and report once the draft has reached the database; then wait to be killed.
AGENT_AT_WORK = """
import sys
from PySide6.QtCore import QTimer
from companion import drafts
from kb.workspace import open_workspace
from ui.app import create_application
from ui.main_window import MainWindow

app = create_application()
workspace = open_workspace(sys.argv[1])
window = MainWindow(workspace)
window.show()
DRAFT = "Caller wants the refund to go to her new card"

def start():
    window.session.start(sys.argv[2], on_started=lambda call: type_draft(call.id))

def type_draft(call_id):
    window.call_pane.composer.edit.setPlainText(DRAFT)
    def check():
        if drafts.load_draft(drafts.composer_key(call_id)) == DRAFT:
            print("draft saved", flush=True)
        else:
            QTimer.singleShot(50, check)
    QTimer.singleShot(50, check)

QTimer.singleShot(0, start)
app.exec()
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_open_call_and_draft_survive_sigkill(qtbot: QtBot, data_dir: Path) -> None:
    workspace = open_workspace(data_dir)
    caller = make_repeat_caller(local_user())
    workspace.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", AGENT_AT_WORK, str(data_dir), caller.customer_id],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "draft saved" not in line and time.monotonic() < deadline:
            line = child.stdout.readline() if child.stdout else ""
            if not line and child.poll() is not None:
                break
        assert "draft saved" in line, child.stderr.read() if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()

    workspace = open_workspace(data_dir)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    draft = "Caller wants the refund to go to her new card"
    qtbot.waitUntil(lambda: window.call_pane.composer.text() == draft, timeout=10_000)
    assert window.session.call is not None, "the open call came back"
    assert window.session.call.customer.display_name == "Ana Ruiz"
    window.close()
    workspace.close()
