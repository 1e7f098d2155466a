"""The core's own tables, as an ordered list of migrations."""

from __future__ import annotations

import peewee

from companion.migrations import Component, Migration
from companion.users import User


def _create_users(db: peewee.Database) -> None:
    db.create_tables([User])


CORE = Component("core", [Migration(1, "users", _create_users)])
