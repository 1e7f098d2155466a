"""Unsent text that must survive a crash: the composer's draft, an editor's edits.

A draft is scratch, not record: it is overwritten as the agent types and removed
once the text is saved for real. It lives in the database (committed with
``synchronous=full``) so that after a crash or a SIGKILL the words come back.
"""

from __future__ import annotations

import peewee

from companion.db import BaseModel, database, utcnow
from companion.permissions import require_active
from companion.text import NOTE_MAX
from companion.users import User

MAX_DRAFT_CHARS = NOTE_MAX * 2


class Draft(BaseModel):
    key = peewee.CharField(primary_key=True, max_length=200)
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")
    text = peewee.TextField()
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "drafts"


def composer_key(call_id: str) -> str:
    return f"call:{call_id}:composer"


def save_draft(user: User, key: str, text: str) -> None:
    """Keep ``text`` under ``key``; empty text removes the draft."""
    with database.atomic():
        user = require_active(user, action="Keeping your unsent text")
        if not text:
            Draft.delete().where(Draft.key == key).execute()
            return
        # NUL cannot be stored in PostgreSQL text; a draft is scratch, so drop it here.
        clean = text.replace("\x00", "")[:MAX_DRAFT_CHARS]
        Draft.insert(key=key, user=user, text=clean, updated_at=utcnow()).on_conflict(
            conflict_target=[Draft.key],
            preserve=[Draft.text, Draft.updated_at, Draft.user],
        ).execute()


def load_draft(key: str) -> str:
    row = Draft.get_or_none(Draft.key == key)
    return "" if row is None else str(row.text)
