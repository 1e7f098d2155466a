"""Whole-process timings an agent feels: a CLI search, and app start to first window.

Each is run several times in fresh processes against a prepared data dir (warm: the
database exists and the index is built), and the median and worst are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIRST_WINDOW = """
import sys, time
start = time.perf_counter()
from PySide6.QtCore import QTimer
from ui.app import create_application
from kb.workspace import open_workspace
from ui.main_window import MainWindow
app = create_application()
workspace = open_workspace(sys.argv[1])
window = MainWindow(workspace)
window.show()
QTimer.singleShot(0, app.quit)
app.exec()
print(f"{(time.perf_counter() - start) * 1000:.1f}")
window.close()
workspace.close()
"""


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def report(label: str, samples: list[float], target: float) -> None:
    median = statistics.median(samples)
    verdict = "ok" if median <= target else "over target"
    print(
        f"{label:<38} median {median:7.1f} ms  worst {max(samples):7.1f} ms  "
        f"(target {target:.0f} ms: {verdict})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "data")
        prepare = [sys.executable, "main.py", "--data-dir", data, "playbook", "reindex"]
        subprocess.run(prepare, cwd=ROOT, env=env, check=True, capture_output=True)
        search = [
            sys.executable,
            "main.py",
            "--data-dir",
            data,
            "playbook",
            "search",
            "caller is swearing",
            "--json",
        ]
        timed(search, env)
        report(
            "playbook search (whole process)", [timed(search, env) for _ in range(args.runs)], 300
        )
        window = [sys.executable, "-c", FIRST_WINDOW, data]
        timed(window, env)
        report(
            "app start to first window (warm)", [timed(window, env) for _ in range(args.runs)], 1000
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
