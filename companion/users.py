"""People who use Companion, and the local desk user that exists from the first run.

Until accounts with passwords exist, a single-desk install acts as one local user;
every record still names who made it, so nothing becomes anonymous when accounts
are switched on later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import peewee

from companion.changes import Topic, note
from companion.db import BaseModel, database, new_id, utcnow
from companion.errors import InvalidInput, NotFound
from companion.text import NAME_MAX, clean_text, fold

LOCAL_USER_NAME = "Local desk"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class User(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    display_name = peewee.CharField()
    role = peewee.CharField(default=Role.AGENT.value)
    is_local_default = peewee.BooleanField(default=False)
    # Both added by core migration 4; rows from before it have no password and are enabled.
    password_hash = peewee.TextField(null=True)
    disabled = peewee.BooleanField(default=False, constraints=[peewee.SQL("DEFAULT FALSE")])
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "users"


def local_user() -> User:
    """The desk's default user, created on first use."""
    existing = User.get_or_none(User.is_local_default == True)  # noqa: E712 - peewee expression
    if existing is not None:
        return existing
    # Single-desk mode owns its playbook too, so the local user may edit and publish.
    return User.create(display_name=LOCAL_USER_NAME, role=Role.ADMIN.value, is_local_default=True)


@dataclass(frozen=True)
class UserRef:
    """A user as records show them: enough to name who did something."""

    id: str
    display_name: str
    role: str


def user_ref(user: User) -> UserRef:
    return UserRef(user.id, user.display_name, user.role)


def create_user(display_name: str, role: Role = Role.AGENT) -> User:
    """Add a person who can own promises and make records; names must be unique to pick by."""
    name = clean_text(
        display_name, "The user's name", max_length=NAME_MAX, required=True, multiline=False
    )
    if find_user(name) is not None:
        raise InvalidInput(f"A user named {name!r} already exists. Choose a different name.")
    with database.atomic():
        user = User.create(display_name=name, role=Role(role).value)
        note(Topic.ACCOUNTS, str(user.id))
    return user


def find_user(name: str) -> User | None:
    """The user whose name matches ``name`` ignoring case and accents."""
    wanted = fold(name)
    return next((u for u in User.select() if fold(u.display_name) == wanted), None)


def get_user(name: str) -> User:
    """Like :func:`find_user`, but an unknown name is an error that lists the known ones."""
    user = find_user(name)
    if user is None:
        known = ", ".join(sorted(u.display_name for u in User.select())) or "none"
        raise NotFound(f"No user is named {name!r}. Known users: {known}.")
    return user
