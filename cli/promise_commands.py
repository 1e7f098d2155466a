"""``promises due``: what is owed, overdue first, for one agent or the whole team."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from cli.output import print_json
from cli.workspace_session import workspace_session
from companion.promises import DUE_LIST_LIMIT, DuePromises, PromiseView, promises_due
from companion.users import get_user


def register(commands: Any) -> None:
    promises = commands.add_parser(
        "promises",
        help="list promises that are overdue or due this week",
        description="Promises made to customers and still owed.",
    )
    actions = promises.add_subparsers(dest="action", metavar="ACTION", required=True)
    due = actions.add_parser(
        "due",
        help="promises overdue, due today and due later this week",
        description="Outstanding promises (open or rescheduled) that are overdue, due today, or "
        "due by Sunday. Without --owner, the whole team's.",
    )
    due.add_argument("--owner", metavar="NAME", help="only this person's promises")
    due.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        type=_parse_date,
        help="count from this date instead of today's local date",
    )
    due.add_argument(
        "--limit",
        type=int,
        default=DUE_LIST_LIMIT,
        help=f"most promises listed per section, most overdue first (default {DUE_LIST_LIMIT})",
    )
    due.add_argument("--json", action="store_true", help="print as JSON")
    due.set_defaults(handler=cmd_due)


def cmd_due(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        owner = get_user(args.owner) if args.owner else None
        report = promises_due(workspace.user, owner=owner, today=args.today, limit=args.limit)
    if args.json:
        print_json(report)
        return 0
    _print_report(report)
    return 0


def _print_report(report: DuePromises) -> None:
    sections = (
        ("Overdue", report.overdue, report.overdue_total),
        ("Due today", report.due_today, report.due_today_total),
        ("Due later this week", report.due_this_week, report.due_this_week_total),
    )
    if not any(total for _, _, total in sections):
        print("Nothing is overdue or due this week.", file=sys.stderr)
        return
    for title, items, total in sections:
        print(f"{title} ({total}):")
        for promise in items:
            print(_line(promise, report.today))
        if total > len(items):
            print(f"  ... and {total - len(items)} more; raise --limit to list them.")
        print()


def _line(promise: PromiseView, today: date) -> str:
    late = promise.days_overdue(today)
    lateness = f", {late} day{'s' if late != 1 else ''} late" if late else ""
    phone = f" {promise.customer.phones[0]}" if promise.customer.phones else ""
    return (
        f"  - {promise.due_on:%Y-%m-%d}{lateness} [{promise.state.value}] {promise.text}\n"
        f"    {promise.customer.display_name}{phone}; owner {promise.owner.display_name}; "
        f"promise {promise.id}"
    )


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from exc
