"""A one-line progress counter on stderr, so stdout stays clean for --json."""

from __future__ import annotations

import sys


class StderrProgress:
    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        if sys.stderr.isatty():
            print(f"\r{self.label}: {done}/{total}", end=end, file=sys.stderr, flush=True)
        elif done >= total:
            print(f"{self.label}: {done}/{total}", file=sys.stderr)
        self.shown = True
