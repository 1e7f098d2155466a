"""People who use Companion, and the local desk user that exists from the first run.

Until accounts with passwords exist, a single-desk install acts as one local user;
every record still names who made it, so nothing becomes anonymous when accounts
are switched on later.
"""

from __future__ import annotations

from enum import StrEnum

import peewee

from companion.db import BaseModel, new_id, utcnow

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
