"""Companion's launcher: the window by default, a command-line tool with a sub-command.

The command line never imports Qt; the window is imported only when no sub-command
is given.
"""

from __future__ import annotations

import sys

from cli.main import parse_args, run_command


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command is None:
        from ui.app import run_app

        return run_app(data_dir=args.data_dir, db_url=args.db)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
