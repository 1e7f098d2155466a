"""``call export``: one call's complete record; ``call list --open``: who has which call open."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.output import print_json, when
from cli.workspace_session import workspace_session
from companion.call_desks import describe_holder, open_calls
from companion.call_export import ExportFormat, export_call
from companion.errors import InvalidInput


def register(commands: Any) -> None:
    call = commands.add_parser(
        "call", help="export a call's record, list open calls", description="Call records."
    )
    actions = call.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write one call's full record as Markdown or JSON",
        description="Everything said, promised and done on one call, with times (UTC), "
        "authors, amendments and each promise's history. The export is audited.",
    )
    export.add_argument("id", help="call id (from `customer show`)")
    export.add_argument(
        "--format",
        choices=[f.value for f in ExportFormat],
        default=ExportFormat.MARKDOWN.value,
        help="md (default) or json",
    )
    export.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write to FILE instead of the screen"
    )
    export.set_defaults(handler=cmd_export)
    listing = actions.add_parser(
        "list",
        help="list the site's open calls and where each is open",
        description="Every call not yet closed, oldest first, with the desk and person that "
        "have it open (a call on hold is open nowhere). A desk takes over a call open "
        "elsewhere from its window; the take-over is audited.",
    )
    listing.add_argument(
        "--open", action="store_true", required=True, help="open calls (the only listing so far)"
    )
    listing.add_argument("--json", action="store_true", help="print as JSON")
    listing.set_defaults(handler=cmd_list)


def cmd_list(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        calls = open_calls(workspace.user)
    if args.json:
        print_json(calls)
        return 0
    if not calls:
        print("No open calls.")
        return 0
    for call in calls:
        where = "on hold" if call.holder is None else describe_holder(call.holder)
        print(
            f"{call.id}  {call.customer.display_name}  started {when(call.started_at)} "
            f"by {call.agent.display_name}  ({where})"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        text = export_call(workspace.user, args.id, args.format)
    if args.output is None:
        print(text, end="")
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            f"Could not write {args.output}: {exc.strerror}. Choose another file."
        ) from exc
    print(f"Wrote {args.output}.")
    return 0
