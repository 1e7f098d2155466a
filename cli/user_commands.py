"""``user add | list | passwd | disable``: setting up accounts from a terminal.

The command line acts as the desk's local administrator (the "Local desk" account):
whoever can run commands against the data dir can already read the database, so a
sign-in here would protect nothing, and it keeps a way back in for a site whose
admins have all forgotten their passwords.
"""

from __future__ import annotations

import argparse
import getpass
import shlex
import sys
from typing import Any

from cli.output import print_json, when
from cli.workspace_session import workspace_session
from companion.accounts import (
    Account,
    create_account,
    disable_account,
    list_accounts,
    set_password,
)
from companion.errors import InvalidInput
from companion.launcher import command_words
from companion.users import Role, User, get_user

ACTING_NOTE = (
    "The command line acts as this desk's local administrator (the 'Local desk' account), "
    "so it needs no sign-in."
)
ROLES = ", ".join(role.value for role in Role)


def register(commands: Any) -> None:
    user = commands.add_parser(
        "user",
        help="add, list, disable accounts and set passwords",
        description="Accounts for agents, supervisors and admins. Once any account has a "
        f"password, the window asks everyone to sign in. {ACTING_NOTE}",
    )
    actions = user.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="create an account",
        description="Create an account. With a password (typed twice at the prompt, or one "
        "line on standard input with --password-stdin) it can sign in; without one it can "
        f"still own records. Set up an admin with a password first. {ACTING_NOTE}",
    )
    add.add_argument("name", help="the name people sign in with, e.g. 'Ana López'")
    add.add_argument("--role", required=True, metavar="ROLE", help=f"one of: {ROLES}")
    _password_stdin_option(add)
    add.set_defaults(handler=cmd_add)

    listing = actions.add_parser(
        "list",
        help="list accounts with role and state",
        description=f"Every account, its role, and whether it can sign in. {ACTING_NOTE}",
    )
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(handler=cmd_list)

    passwd = actions.add_parser(
        "passwd",
        help="set or reset an account's password",
        description=f"Set or reset the password of an account. {ACTING_NOTE}",
    )
    passwd.add_argument("name", help="the account's name (case and accents do not matter)")
    _password_stdin_option(passwd)
    passwd.set_defaults(handler=cmd_passwd)

    disable = actions.add_parser(
        "disable",
        help="stop an account from signing in",
        description="Disable an account: it can no longer sign in, and its records keep its "
        f"name. The local desk account and the last admin who can sign in stay. {ACTING_NOTE}",
    )
    disable.add_argument("name", help="the account's name")
    disable.set_defaults(handler=cmd_disable)


def _password_stdin_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )


def cmd_add(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin)
    with workspace_session(args) as workspace:
        try:
            account = create_account(workspace.user, args.name, args.role, password)
        except InvalidInput as exc:
            if password is None or _signin_admin_exists(workspace.user):
                raise
            raise InvalidInput(f"{exc} First run: {first_admin_command(args)}") from exc
    state = "can sign in" if account.has_password else "has no password yet"
    print(f"Added {account.display_name} ({account.role.value}); {state}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        accounts = list_accounts(workspace.user)
    if args.json:
        print_json(accounts)
        return 0
    for account in accounts:
        print(f"{account.display_name}  {account.role.value}  {describe_state(account)}")
        print(f"    added {when(account.created_at)}  {account.id}")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin)
    if password is None:
        raise InvalidInput(
            "No terminal to ask for the password: pass --password-stdin and pipe it in."
        )
    with workspace_session(args) as workspace:
        target = get_user(args.name)
        account = set_password(workspace.user, target.id, password)
    print(f"Password set for {account.display_name}.")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    with workspace_session(args) as workspace:
        target = get_user(args.name)
        account = disable_account(workspace.user, target.id)
    print(f"{account.display_name} is disabled and can no longer sign in.")
    return 0


def _signin_admin_exists(actor: User) -> bool:
    return any(
        a.role is Role.ADMIN and a.has_password and not a.disabled for a in list_accounts(actor)
    )


def first_admin_command(args: argparse.Namespace) -> str:
    """The exact command that adds an admin who can sign in, with this run's options.

    Accounts with passwords turn sign-in on, so the first one must be an admin's; the
    refusal says what to type rather than leaving the desk to work out the order.
    """
    words = command_words()
    if args.data_dir:
        words += ["--data-dir", args.data_dir]
    if args.db:
        words += ["--db", args.db]
    words += ["user", "add", "YOUR NAME", "--role", "admin", "--password-stdin"]
    return f"{shlex.join(words)} < admin-password.txt"


def describe_state(account: Account) -> str:
    if account.disabled:
        return "disabled"
    return "active" if account.has_password else "active, no password"


def read_password(from_stdin: bool) -> str | None:
    """The password to set, or None when there is no terminal to ask at.

    Only the line ending is removed from standard input: spaces may be part of a
    password, and the service refuses anything else that could not be typed.
    """
    if from_stdin:
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise InvalidInput("The two passwords differ; nothing was changed. Try again.")
    return first
