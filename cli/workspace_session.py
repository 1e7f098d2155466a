"""Opening the workspace for one command, shared by every sub-command module.

A command that finds the database not answering (a server restarting, a network
blip) reconnects once: it keeps trying for :data:`RECONNECT_WAIT_S`, then fails with
one line. That holds when the command starts and while it runs: a statement whose
connection dropped outside a transaction reconnects and runs again when that is safe
(see :mod:`companion.outage`); a write cut off inside its transaction is not replayed
and the command says the last change may not have been saved.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator

from companion.db import translate_errors
from companion.errors import DatabaseUnavailable
from companion.outage import RECONNECT_POLL_S, is_connection_lost
from kb.workspace import Workspace, open_workspace

RECONNECT_WAIT_S = 8.0


@contextlib.contextmanager
def workspace_session(args: argparse.Namespace) -> Iterator[Workspace]:
    """Open the workspace for one command; database errors become plain messages."""
    workspace = _open_reconnecting_once(args)
    if hasattr(workspace.database, "reconnect_wait_s"):
        workspace.database.reconnect_wait_s = RECONNECT_WAIT_S
    try:
        with translate_errors(workspace.db_url):
            yield workspace
    finally:
        workspace.close()


def _open_reconnecting_once(args: argparse.Namespace) -> Workspace:
    """Open the workspace, waiting up to :data:`RECONNECT_WAIT_S` for a database not answering."""
    deadline = time.monotonic() + RECONNECT_WAIT_S
    while True:
        try:
            return open_workspace(args.data_dir, args.db)
        except DatabaseUnavailable as exc:
            if not is_connection_lost(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(RECONNECT_POLL_S)
