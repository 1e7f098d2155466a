"""Running a command without root's power to ignore file permissions.

CI runs as root, and root reads and writes through any ``chmod``, so a test of a
read-only folder would prove nothing there. On Linux, root keeps its user id but loses
that power when the DAC capabilities are dropped from the bounding set before
``exec``: owner permission bits then apply to it as to anyone. ``setpriv`` (util-linux)
does that. As an ordinary user the command runs unchanged.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_DROP = "-dac_override,-dac_read_search,-fowner"


@functools.cache
def _setpriv_prefix() -> tuple[str, ...] | None:
    """The prefix that drops root's file powers, or None when this machine cannot."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = (setpriv, "--bounding-set", _DROP, "--")
    probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30)
    return prefix if probe.returncode == 0 else None


def unprivileged(argv: list[str]) -> list[str]:
    """``argv`` made to obey file permissions; skips the test where that is impossible."""
    if os.geteuid() != 0:
        return argv
    prefix = _setpriv_prefix()
    if prefix is None:
        pytest.skip("running as root and setpriv cannot drop the file-permission capabilities")
    return [*prefix, *argv]


def run_companion(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``main.py ARGV`` in a process that obeys file permissions, even under root."""
    return subprocess.run(
        unprivileged([sys.executable, "main.py", *argv]),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
