"""Which playbook articles were opened during a call.

Stored with the call so a supervisor reviewing it can see what guidance the agent
looked at. Articles are named by slug: the core does not depend on the playbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee

from companion.calls import Call, get_call_row
from companion.changes import Topic, note
from companion.db import BaseModel, database, new_id, utcnow
from companion.errors import InvalidInput
from companion.permissions import require_active
from companion.users import User

SLUG_MAX = 120


class CallArticle(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    call = peewee.ForeignKeyField(Call, backref="articles_opened", on_delete="RESTRICT")
    slug = peewee.CharField(max_length=SLUG_MAX)
    opened_at = peewee.DateTimeField(default=utcnow)
    opened_by = peewee.ForeignKeyField(User, on_delete="RESTRICT")

    class Meta:
        table_name = "call_articles"
        indexes = ((("call", "opened_at"), False),)


@dataclass(frozen=True)
class OpenedArticle:
    slug: str
    opened_at: datetime
    opened_by: str


def record_article_opened(user: User, call_id: str, slug: str) -> None:
    """Note that ``slug`` was opened during the call (closed calls too: reviewing counts)."""
    clean = slug.strip()
    if not clean or len(clean) > SLUG_MAX:
        raise InvalidInput("An opened article needs its slug (the short name in its link).")
    with database.atomic():
        user = require_active(user, action="Noting the articles opened during a call")
        call = get_call_row(call_id)
        CallArticle.create(call=call.id, slug=clean, opened_by=user)
        note(Topic.CALLS, call.id, customer_id=call.customer_id)


def articles_opened(call_id: str) -> list[OpenedArticle]:
    query = (
        CallArticle.select(CallArticle, User)
        .join(User)
        .where(CallArticle.call == call_id)
        .order_by(CallArticle.opened_at, CallArticle.id)
    )
    return [OpenedArticle(row.slug, row.opened_at, row.opened_by.display_name) for row in query]
