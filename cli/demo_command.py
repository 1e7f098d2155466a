"""``demo``: fill a new data dir with believable call records to try the app on."""

from __future__ import annotations

import argparse
from typing import Any

from cli.workspace_session import workspace_session
from companion.demo import DEMO_SEED, load_demo


def register(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="fill an empty data dir with demo customers, calls and promises",
        description="Create demo customers, households, calls, entries and promises (some "
        "overdue) so the call pane can be seen at work. Refuses a database that already has "
        "customers: use --data-dir with a new folder, e.g. `main.py --data-dir /tmp/demo demo`.",
    )
    demo.add_argument(
        "--seed", type=int, default=DEMO_SEED, help=f"random seed (default {DEMO_SEED})"
    )
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        report = load_demo(workspace.user, seed=args.seed)
        where = workspace.location
    print(
        f"Demo data in {where}: {report.customers} customers, {report.links} links, "
        f"{report.calls} calls, {report.entries} entries, {report.promises} promises "
        f"({report.overdue} overdue)."
    )
    return 0
