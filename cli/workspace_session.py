"""Opening the workspace for one command, shared by every sub-command module."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from companion.db import translate_errors
from kb.workspace import Workspace, open_workspace


@contextlib.contextmanager
def workspace_session(args: argparse.Namespace) -> Iterator[Workspace]:
    """Open the workspace for one command; database errors become plain messages."""
    workspace = open_workspace(args.data_dir, args.db)
    try:
        with translate_errors(workspace.db_url):
            yield workspace
    finally:
        workspace.close()
