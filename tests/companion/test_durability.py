"""An entry is on disk the moment add_entry returns, even if the process is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from companion.entries import entry_views
from kb.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys, time
from kb.workspace import open_workspace
from companion.calls import start_call
from companion.customers import CustomerDetails, create_customer
from companion.entries import add_entry

workspace = open_workspace(sys.argv[1], load_defaults=False)
customer = create_customer(workspace.user, CustomerDetails.validate("Killed Midcall")).customer
call = start_call(workspace.user, customer.id)
add_entry(workspace.user, call.id, "said", "Caller gave the meter reading 04417.")
print("added", call.id, flush=True)
time.sleep(120)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX-only")
def test_sigkill_right_after_adding_an_entry_loses_nothing(data_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        line = writer.stdout.readline().split()
        assert line[:1] == ["added"], writer.stderr.read() if writer.stderr else ""
        os.kill(writer.pid, signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        for stream in (writer.stdout, writer.stderr):
            if stream is not None:
                stream.close()
    workspace = open_workspace(data_dir, load_defaults=False)
    try:
        (entry,) = entry_views(line[1])
        assert entry.text == "Caller gave the meter reading 04417."
    finally:
        workspace.close()
