"""``call export``: one call's complete record, to read, print or keep."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.workspace_session import workspace_session
from companion.call_export import ExportFormat, export_call
from companion.errors import InvalidInput


def register(commands: Any) -> None:
    call = commands.add_parser("call", help="export a call's record", description="Call records.")
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
