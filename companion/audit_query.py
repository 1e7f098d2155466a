"""Reading the audit trail: who did what, filtered, and exported for someone outside.

Dates in filters are the desk's local calendar days (what a supervisor means by
"on the 3rd"); events are stored in UTC, so each day becomes the UTC span of its
local midnight to the next. The CSV export is meant to be opened in a spreadsheet,
which is exactly where a customer's typed "=HYPERLINK(...)" would run as a formula:
cells that a spreadsheet would evaluate are prefixed with an apostrophe, and
control characters are replaced so each event stays one row.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import peewee

from companion import audit
from companion.audit import Action, AuditEntry, AuditEvent, entry_from_row
from companion.db import database
from companion.errors import InvalidInput
from companion.permissions import require_role
from companion.users import Role, User, UserRef, user_ref

VIEWERS = (Role.SUPERVISOR, Role.ADMIN)
SEARCH_MAX = 10_000
CSV_COLUMNS = ("When (local)", "Person", "Action", "Object type", "Object id", "Details")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = ("Cc", "Zl", "Zp")
_VIEW_ACTION = "Viewing the audit trail"


@dataclass(frozen=True)
class AuditChoices:
    """What the filters can offer: only values that occur, so no filter is a dead end."""

    people: tuple[UserRef, ...]
    actions: tuple[str, ...]
    object_types: tuple[str, ...]


def filter_choices(user: User) -> AuditChoices:
    require_role(user, *VIEWERS, action=_VIEW_ACTION)
    actors = AuditEvent.select(AuditEvent.actor).distinct()
    people = User.select().where(User.id.in_(actors)).order_by(User.display_name)
    return AuditChoices(
        people=tuple(user_ref(person) for person in people),
        actions=_distinct(AuditEvent.action),
        object_types=_distinct(AuditEvent.object_type),
    )


def search_events(
    user: User,
    *,
    actor: User | str | None = None,
    action: Action | str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[AuditEntry]:
    """Events matching every filter given, newest first; ``since``/``until`` are inclusive days.

    An empty filter (None or blank) matches everything, so a supervisor can start wide
    and narrow down. ``actor`` is a user or a user id.
    """
    require_role(user, *VIEWERS, action=_VIEW_ACTION)
    if not 1 <= limit <= SEARCH_MAX:
        raise InvalidInput(f"Ask for between 1 and {SEARCH_MAX:,} events at a time.")
    if since is not None and until is not None and until < since:
        raise InvalidInput(
            f"The end date {until:%Y-%m-%d} is before the start date {since:%Y-%m-%d}. "
            "Swap them, or clear one to leave that side open."
        )
    conditions: list[peewee.Expression] = []
    actor_id = actor.id if isinstance(actor, User) else _blank_to_none(actor)
    if actor_id is not None:
        conditions.append(AuditEvent.actor == actor_id)
    for column, value in (
        (AuditEvent.action, action),
        (AuditEvent.object_type, object_type),
        (AuditEvent.object_id, object_id),
    ):
        wanted = _blank_to_none(value)
        if wanted is not None:
            conditions.append(column == wanted)
    if since is not None:
        conditions.append(AuditEvent.at >= local_midnight_utc(since))
    if until is not None:
        conditions.append(AuditEvent.at < local_midnight_utc(until + timedelta(days=1)))
    query = (
        AuditEvent.select(AuditEvent, User)
        .join(User)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    if conditions:
        query = query.where(*conditions)
    return [entry_from_row(event) for event in query]


def export_csv(user: User, events: Sequence[AuditEntry], path: str | os.PathLike[str]) -> Path:
    """Write ``events`` to ``path`` as CSV a spreadsheet opens safely; returns the path.

    UTF-8 with a byte-order mark, because spreadsheet apps otherwise guess a legacy
    encoding and mangle names. The file appears whole or not at all (written beside
    it, then renamed), and the export itself is audited: the trail leaving the
    building is something the trail should show.
    """
    require_role(user, *VIEWERS, action="Exporting the audit trail")
    target = Path(path)
    if target.is_dir():
        raise InvalidInput(f"{target} is a folder. Choose a file name to save the CSV as.")
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=".audit-", suffix=".csv.part", dir=target.parent
        )
    except OSError as exc:
        raise InvalidInput(_cannot_write(target, exc)) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(CSV_COLUMNS)
            writer.writerows(_csv_row(event) for event in events)
        with database.atomic():
            user = require_role(user, *VIEWERS, action="Exporting the audit trail")
            audit.record(
                user, Action.EXPORT, "audit_trail", "csv", rows=len(events), file=target.name
            )
            os.replace(temporary, target)
    except OSError as exc:
        raise InvalidInput(_cannot_write(target, exc)) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return target


def safe_cell(value: object) -> str:
    """``value`` as a cell a spreadsheet shows as text and never evaluates.

    Line breaks and other control characters become spaces, so one event is one row
    even in tools that split on newlines.
    """
    raw = str(value)
    text = "".join(" " if unicodedata.category(ch) in _CONTROL else ch for ch in raw)
    return "'" + text if raw.startswith(_FORMULA_STARTS) else text


def local_midnight_utc(day: date) -> datetime:
    """The start of the local calendar ``day`` as naive UTC, as events are stored."""
    return datetime.combine(day, time.min).astimezone().astimezone(UTC).replace(tzinfo=None)


def _csv_row(event: AuditEntry) -> list[str]:
    when = event.at.replace(tzinfo=UTC).astimezone()
    details = json.dumps(event.details, ensure_ascii=False, sort_keys=True)
    values = (
        f"{when:%Y-%m-%d %H:%M:%S}",
        event.actor_name,
        event.action,
        event.object_type,
        event.object_id,
        details,
    )
    return [safe_cell(value) for value in values]


def _cannot_write(target: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return (
        f"Cannot save the CSV as {target}: {reason}. Nothing was exported; "
        "choose a folder you can write to, such as Documents."
    )


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _distinct(column: peewee.Field) -> tuple[str, ...]:
    return tuple(row[0] for row in column.model.select(column).distinct().order_by(column).tuples())
