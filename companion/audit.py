"""The audit trail: who did what to which record, and when.

Events are only ever inserted, in the same transaction as the change they
describe, so a change and its audit event are committed together or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import peewee

from companion.clock import utcnow_precise
from companion.db import BaseModel, new_id
from companion.rows import stored_json
from companion.users import User


class Action(StrEnum):
    CREATE = "create"
    CHANGE = "change"
    MERGE = "merge"
    LINK = "link"
    UNLINK = "unlink"
    EXPORT = "export"
    IMPORT = "import"


class AuditEvent(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    at = peewee.DateTimeField(default=utcnow_precise, index=True)
    actor = peewee.ForeignKeyField(User, backref="audit_events", on_delete="RESTRICT")
    action = peewee.CharField()
    object_type = peewee.CharField()
    object_id = peewee.CharField(index=True)
    details = peewee.TextField(default="{}")

    class Meta:
        table_name = "audit_events"


@dataclass(frozen=True)
class AuditEntry:
    id: str
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    object_type: str
    object_id: str
    details: dict[str, Any]


def record(actor: User, action: Action, object_type: str, object_id: str, **details: Any) -> None:
    """Append one event; call inside the transaction that makes the change."""
    AuditEvent.create(
        actor=actor.id,
        action=action.value,
        object_type=object_type,
        object_id=object_id,
        details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
    )


def events_for(object_id: str) -> list[AuditEntry]:
    """Every event about one record, oldest first."""
    query = (
        AuditEvent.select(AuditEvent, User)
        .join(User)
        .where(AuditEvent.object_id == object_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [entry_from_row(event) for event in query]


def entry_from_row(event: AuditEvent) -> AuditEntry:
    """The plain record of one stored event (its actor joined in the query)."""
    return AuditEntry(
        id=event.id,
        at=event.at,
        actor_id=event.actor.id,
        actor_name=event.actor.display_name,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        details=stored_json(event.details, "audit_events", event.id, "details"),
    )
