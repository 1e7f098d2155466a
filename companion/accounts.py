"""Accounts: passwords, signing in, and the admin's work of managing who may sign in.

Until an enabled account has a password the desk runs as the local user and nobody
signs in; the first password switches sign-in on for everyone. The rules here keep
that switch from locking a site out: the local desk account (how the command line
acts, and single-desk mode) stays an enabled admin, and no change may leave sign-in
switched on with no admin able to sign in and undo it.

Passwords are hashed with Argon2id; neither a password nor its hash ever reaches the
audit trail or an error message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from companion import audit
from companion.audit import Action
from companion.changes import Topic, note
from companion.db import database, utcnow
from companion.errors import CompanionError, InvalidInput, NotFound
from companion.permissions import ADMINS, require_active, require_role
from companion.rows import stored_choice
from companion.text import parse_choice
from companion.users import Role, User, create_user, find_user

PASSWORD_MIN = 8
PASSWORD_MAX = 1024
LOGIN_FAILED_MESSAGE = "That name and password do not match an active account."
MANAGING_ACCOUNTS = "Managing accounts"
OBJECT_TYPE = "user"


class LoginFailed(CompanionError):
    """Sign-in refused. One message for every cause, so it never confirms that a name exists."""

    def __init__(self) -> None:
        super().__init__(LOGIN_FAILED_MESSAGE)


def password_hasher() -> PasswordHasher:
    """The hasher every service uses; a factory so tests can swap in cheap parameters."""
    return PasswordHasher()


@dataclass(frozen=True)
class Account:
    """An account as the admin's list shows it; never carries the hash."""

    id: str
    display_name: str
    role: Role
    disabled: bool
    has_password: bool
    is_local_default: bool
    created_at: datetime


def account_of(user: User) -> Account:
    return Account(
        id=user.id,
        display_name=user.display_name,
        role=stored_choice(Role, user.role, "users", user.id, "role"),
        disabled=bool(user.disabled),
        has_password=user.password_hash is not None,
        is_local_default=bool(user.is_local_default),
        created_at=user.created_at,
    )


def login_required() -> bool:
    """Whether the window must ask who is there: some enabled account has a password."""
    return bool(
        User.select()
        .where(User.password_hash.is_null(False), User.disabled == False)  # noqa: E712 - peewee
        .exists()
    )


def authenticate(name: str, password: str) -> User:
    """The enabled account that ``name`` and ``password`` identify, or :class:`LoginFailed`.

    An unknown name still costs one hash, so how long a refusal takes does not tell
    whether the name exists.
    """
    hasher = password_hasher()
    if not isinstance(name, str) or not isinstance(password, str) or len(password) > PASSWORD_MAX:
        raise LoginFailed()
    user = find_user(name)
    if user is None or user.password_hash is None:
        hasher.hash(password)
        raise LoginFailed()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise LoginFailed() from exc
    if user.disabled:
        raise LoginFailed()
    if hasher.check_needs_rehash(user.password_hash):
        # Same password, stronger parameters: not an account change, so not audited.
        User.update(password_hash=hasher.hash(password)).where(User.id == user.id).execute()
        user = User.get_by_id(user.id)
    return user


def create_account(
    actor: User, name: str, role: Role | str, password: str | None = None
) -> Account:
    """Add an account; without a password it can own records but cannot sign in."""
    _require_admin(actor)
    chosen = parse_choice(Role, role, "role")
    password_hash = None
    if password is not None:
        check_password(password)
        _refuse_if_no_admin_could_sign_in(extra=_Prospect(chosen, disabled=False, password=True))
        password_hash = password_hasher().hash(password)
    with database.atomic():
        actor = _require_admin(actor)
        user = create_user(name, chosen)
        if password_hash is not None:
            user.password_hash = password_hash
            user.save()
        audit.record(
            actor,
            Action.CREATE,
            OBJECT_TYPE,
            user.id,
            name=user.display_name,
            role=chosen.value,
            has_password=password_hash is not None,
        )
    return account_of(user)


def set_password(actor: User, user_id: str, password: str) -> Account:
    """Set or reset a password: admins for anyone, everyone for themselves."""
    _require_password_right(actor, user_id)
    target = _account_user(user_id)
    check_password(password)
    _refuse_if_no_admin_could_sign_in(target, password=True)
    new_hash = password_hasher().hash(password)
    with database.atomic():
        actor = _require_password_right(actor, target.id)
        _save(target, password_hash=new_hash)
        audit.record(actor, Action.CHANGE, OBJECT_TYPE, target.id, change="password")
    return account_of(target)


def disable_account(actor: User, user_id: str) -> Account:
    """Stop an account from signing in; its records keep its name."""
    actor = _require_admin(actor)
    target = _account_user(user_id)
    if target.id == actor.id:
        raise InvalidInput(
            "You cannot disable your own account. Ask another admin to do it, "
            "so someone who can undo it is still signed in."
        )
    if target.is_local_default:
        raise InvalidInput(_LOCAL_DESK_STAYS)
    if target.disabled:
        return account_of(target)
    _refuse_if_no_admin_could_sign_in(target, disabled=True)
    with database.atomic():
        actor = _require_admin(actor)
        _save(target, disabled=True)
        audit.record(actor, Action.CHANGE, OBJECT_TYPE, target.id, change="disabled")
    return account_of(target)


def enable_account(actor: User, user_id: str) -> Account:
    """Let a disabled account sign in again."""
    _require_admin(actor)
    target = _account_user(user_id)
    if not target.disabled:
        return account_of(target)
    _refuse_if_no_admin_could_sign_in(target, disabled=False)
    with database.atomic():
        actor = _require_admin(actor)
        _save(target, disabled=False)
        audit.record(actor, Action.CHANGE, OBJECT_TYPE, target.id, change="enabled")
    return account_of(target)


def change_role(actor: User, user_id: str, role: Role | str) -> Account:
    """Give an account another role; its next service call is judged by the new one."""
    _require_admin(actor)
    target = _account_user(user_id)
    chosen = parse_choice(Role, role, "role")
    if chosen.value == target.role:
        return account_of(target)
    if target.is_local_default:
        raise InvalidInput(_LOCAL_DESK_STAYS)
    _refuse_if_no_admin_could_sign_in(target, role=chosen)
    before = target.role
    with database.atomic():
        actor = _require_admin(actor)
        _save(target, role=chosen.value)
        audit.record(
            actor,
            Action.CHANGE,
            OBJECT_TYPE,
            target.id,
            change="role",
            old=before,
            new=chosen.value,
        )
    return account_of(target)


def list_accounts(actor: User) -> list[Account]:
    """Every account, in the order people look for names."""
    _require_admin(actor)
    users = sorted(User.select(), key=lambda u: (u.display_name.casefold(), u.id))
    return [account_of(u) for u in users]


def check_password(password: object) -> str:
    """Refuse a password that is too short, too long, or holds characters nobody can type."""
    if not isinstance(password, str):
        raise InvalidInput("A password must be text.")
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(f"A password needs at least {PASSWORD_MIN} characters.")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(f"A password can have at most {PASSWORD_MAX:,} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        raise InvalidInput(
            "A password cannot contain control characters (a NUL byte, tab or line break); "
            "they usually come from a paste and could not be typed at sign-in."
        )
    return password


_LOCAL_DESK_STAYS = (
    "The local desk account stays an enabled admin: the command line and single-desk "
    "mode act through it, and it is how a locked-out site gets back in."
)


@dataclass(frozen=True)
class _Prospect:
    """One account's sign-in relevant state, as it would be after a change."""

    role: Role
    disabled: bool
    password: bool


def _refuse_if_no_admin_could_sign_in(
    target: User | None = None,
    *,
    extra: _Prospect | None = None,
    role: Role | None = None,
    disabled: bool | None = None,
    password: bool | None = None,
) -> None:
    """Refuse a change after which sign-in is on but no enabled admin has a password.

    Once any enabled account has a password, everyone must sign in, and the local desk
    account (which has none) can no longer be used at the window; an admin who can
    sign in must remain, or nobody could manage accounts there.
    """
    after: list[_Prospect] = []
    for user in User.select():
        state = _Prospect(Role(user.role), bool(user.disabled), user.password_hash is not None)
        if target is not None and user.id == target.id:
            state = _Prospect(
                role if role is not None else state.role,
                disabled if disabled is not None else state.disabled,
                password if password is not None else state.password,
            )
        after.append(state)
    if extra is not None:
        after.append(extra)
    if _signin_admin_remains(after):
        return
    if target is not None and Role(target.role) is Role.ADMIN and (role or disabled):
        raise InvalidInput(
            f"{target.display_name} is the last active admin who can sign in. "
            "Give another admin a password first, so someone can still manage accounts."
        )
    raise InvalidInput(
        "Give an admin account a password first: once any account has a password, "
        "Companion asks everyone to sign in, and an admin must be able to."
    )


def _signin_admin_remains(states: Iterable[_Prospect]) -> bool:
    active = [s for s in states if not s.disabled]
    signin_on = any(s.password for s in active)
    return not signin_on or any(s.password and s.role is Role.ADMIN for s in active)


def _require_admin(actor: User) -> User:
    """The actor as stored now, if an enabled admin.

    Called once up front, so a refused person hears no password rules, and again
    inside the write's transaction, so a demotion in between still stops the change.
    """
    return require_role(actor, *ADMINS, action=MANAGING_ACCOUNTS)


def _require_password_right(actor: User, target_id: str) -> User:
    if target_id == actor.id:
        return require_active(actor, action="Changing your password")
    return require_role(actor, *ADMINS, action="Resetting another person's password")


def _account_user(user_id: str) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise NotFound(f"No account has the id {user_id!r}; it may have been removed.")
    return user


def _save(user: User, **changes: object) -> None:
    for field, value in changes.items():
        setattr(user, field, value)
    user.updated_at = utcnow()
    user.save()
    note(Topic.ACCOUNTS, str(user.id))


class AccountsRequired(CompanionError):
    """A shared store opened at a window before anyone can sign in."""


def require_accounts_on_shared_store(shared: bool, location: str, first_admin: str) -> None:
    """Refuse single-desk mode on a store several desks share.

    On a desk's own SQLite file the local desk account is the person at the desk; on a
    shared PostgreSQL store it would be everyone at once, with no name on any record.
    ``first_admin`` is the command that adds the first admin (the command line acts as
    the local admin, so it still works).
    """
    if shared and not login_required():
        raise AccountsRequired(
            f"The database {location} is shared by several desks, so everyone signs in "
            "with an account of their own, and no account has a password yet. Add the "
            f"first admin at a command line: {first_admin}  (type the password and press "
            "Enter), then open Companion again."
        )
