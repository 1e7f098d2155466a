"""Whole-process timings an agent feels: a CLI search, and app start to first window.

Both run against a data dir prepared the way a site prepares one: the generated corpus
is written as a playbook folder and imported with ``main.py playbook import``. Each is
then run several times in fresh processes (warm: database and index exist).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.corpus import write_markdown
from kb.article import ArticleDraft

ROOT = Path(__file__).resolve().parents[1]
SEARCH_TEXT = "caller is swearing"

# Runs the real launcher; the only change is a timer that, once the event loop has
# shown the window, prints the wall-clock time and closes the window like a user would.
FIRST_WINDOW = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import ui.app

_create = ui.app.create_application

def create_application(argv=None):
    app = _create(argv)
    def shown():
        app.processEvents()
        print(f"{time.time():.6f}", flush=True)
        for widget in QApplication.topLevelWidgets():
            widget.close()
        app.quit()
    QTimer.singleShot(0, shown)
    return app

ui.app.create_application = create_application
import main
sys.exit(main.main(sys.argv[1:]))
"""


@dataclass(frozen=True)
class ProcessTimings:
    articles: int
    cli_search_ms: list[float]
    first_window_ms: list[float]


def _environment() -> dict[str, str]:
    """Offscreen Qt; and bytecode caching on, as in any installed copy ("warm")."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), cwd=ROOT, env=_environment(), check=True, capture_output=True, text=True
    )


def cli_search_ms(data: Path) -> float:
    start = time.perf_counter()
    _run(
        [
            sys.executable,
            "main.py",
            "--data-dir",
            str(data),
            "playbook",
            "search",
            SEARCH_TEXT,
            "--json",
        ]
    )
    return (time.perf_counter() - start) * 1000


def first_window_ms(data: Path) -> float:
    start = time.time()
    done = _run([sys.executable, "-c", FIRST_WINDOW, "--data-dir", str(data)])
    return (float(done.stdout.strip().splitlines()[-1]) - start) * 1000


def measure(articles: Sequence[ArticleDraft], runs: int) -> ProcessTimings:
    """Import ``articles`` through the CLI into a fresh data dir, then time fresh processes."""
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        folder, data = Path(tmp) / "playbook", Path(tmp) / "data"
        write_markdown(articles, folder)
        _run(
            [sys.executable, "main.py", "--data-dir", str(data), "playbook", "import", str(folder)]
        )
        cli_search_ms(data)
        first_window_ms(data)
        return ProcessTimings(
            articles=len(articles),
            cli_search_ms=[cli_search_ms(data) for _ in range(runs)],
            first_window_ms=[first_window_ms(data) for _ in range(runs)],
        )


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")
