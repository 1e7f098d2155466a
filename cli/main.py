"""Argument parsing and dispatch for the command line.

Global options (``--data-dir``, ``--db``) come before the sub-command so that every
command opens the same workspace the window would. Errors meant for the user are
printed as one plain line, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from cli import (
    backup_commands,
    call_commands,
    customer_commands,
    demo_command,
    playbook_commands,
    promise_commands,
    site_commands,
    user_commands,
)
from companion.errors import CompanionError, describe_os_error
from companion.launcher import program_name
from companion.paths import DATA_DIR_ENV, DB_URL_ENV
from companion.version import app_version

EXIT_USER_ERROR = 1

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name(),
        description="Companion: a searchable call playbook beside live call notes. "
        "Without a command, opens the window.",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=f"where the database and search index live (env {DATA_DIR_ENV}; "
        "default: the user data folder)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help=f"database URL, e.g. sqlite:///path/companion.db or postgresql://host/name "
        f"(env {DB_URL_ENV}; default: SQLite in the data dir)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    parser.add_argument(
        "--quit-when-shown",
        action="store_true",
        help="open the window, print a line once it is shown, and close it: checks that "
        "an install can start its window",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    playbook_commands.register(commands)
    customer_commands.register(commands)
    call_commands.register(commands)
    promise_commands.register(commands)
    demo_command.register(commands)
    user_commands.register(commands)
    backup_commands.register(commands)
    site_commands.register(commands)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def run_command(args: argparse.Namespace) -> int:
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        build_parser().parse_args([args.command, "--help"])
        return EXIT_USER_ERROR
    try:
        return handler(args)
    except CompanionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) has gone; stop quietly, as command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        # A full disk, a read-only folder, a file where a folder should be: one line
        # naming the place; everything committed before it is kept.
        print(f"error: {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR
