"""Several real processes started together, as desks that press a key at once.

Tests of what happens when desks act at the same moment start every process first
and, where a ``gate`` file is given, let them begin only once all are running (each
child waits for the file), so the race really happens instead of the first process
finishing before the last has started.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_together(
    commands: Sequence[Sequence[str]], *, gate: Path | None = None, timeout: float = 120
) -> list[subprocess.CompletedProcess[str]]:
    """Run ``python ARGS`` for every command at once; their results, in the same order."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    if gate is not None:
        gate.touch()
    finished = []
    for child in children:
        out, err = child.communicate(timeout=timeout)
        finished.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return finished
