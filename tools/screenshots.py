"""Save screenshots of Companion's main views for the README, without a screen.

Builds a throwaway data dir with the demo data, opens the real window offscreen on a
desk-sized virtual screen, walks it through a call, and grabs each view to PNG:

    .venv/bin/python -m tools.screenshots docs/

Look at the pictures before trusting them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

SCREEN = Path(__file__).resolve().parents[1] / "tests" / "offscreen-screen.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={SCREEN}")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        return _shoot(Path(tmp) / "data", args.out)


def _shoot(data_dir: Path, out: Path) -> int:
    from PySide6.QtCore import QCoreApplication, QElapsedTimer

    from companion.customer_search import find_customers
    from companion.demo import load_demo
    from kb.workspace import open_workspace
    from ui.app import create_application
    from ui.main_window import MainWindow

    app = create_application()
    workspace = open_workspace(data_dir)
    load_demo(workspace.user)
    window = MainWindow(workspace)
    window.resize(1440, 900)
    window.show()

    def settle(until: Callable[[], bool] | None = None, ms: int = 400) -> None:
        """Run the event loop until ``until()`` holds (or for ``ms`` without one)."""
        timer = QElapsedTimer()
        timer.start()
        while timer.elapsed() < 10_000:
            QCoreApplication.processEvents()
            if (until is None and timer.elapsed() >= ms) or (until is not None and until()):
                break

    def save(name: str) -> None:
        settle(ms=400)
        path = out / f"{name}.png"
        window.grab().save(str(path))
        print(path)

    settle(lambda: window.index_ready)
    window.playbook.search_box.setText("customer wants a mana")
    settle(lambda: window.playbook.results_model.rowCount() > 0)
    window.playbook.open_article("escalation")
    save("playbook")

    ana = find_customers(workspace.user, "Ana María", limit=1)[0].customer
    window.session.start(ana.id)
    settle(lambda: window.session.active)
    pane = window.call_pane
    pane.goal.fields["problem"].setText("Internet drops every evening around 8 pm")
    pane.goal.fields["ideal_resolution"].setText("A stable connection, or a date for the engineer")
    pane.goal.flush()
    pane.composer.edit.setPlainText("Told her the last payment was declined")
    settle(lambda: bool(pane.suggestions.hits))
    save("call")
    window.show_follow_ups()
    window.follow_ups.set_team(True)  # the demo's promises belong to its named agents
    save("followups")
    window.close()
    workspace.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
