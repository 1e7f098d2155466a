"""The phrasing rules a site actually uses: kept in the database, edited by supervisors.

The shipped ``resources/phrasing/rules.yaml`` only seeds the table (revision 1, by
nobody: "shipped with Companion"). From then on the database is the truth, so a
site's wording survives upgrades and every desk sharing a database flags the same
words. Each save keeps a full copy in :class:`PhrasingRuleRevision` with who and
when, and writes an audit event, so a supervisor can see how a rule came to read
as it does and put an older wording back by saving it again.

A rule that cannot work (bad pattern) or would underline everyday notes is refused
by :func:`companion.phrasing.validate_rule` before anything is written, and a rule
is only saved or re-enabled if the whole enabled set still holds together (no
suggestion that another rule would flag).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee

from companion import audit
from companion.audit import Action
from companion.changes import Topic, note
from companion.clock import utcnow_precise
from companion.db import BaseModel, database, new_id
from companion.errors import CompanionError, InvalidInput, NotFound
from companion.permissions import require_role
from companion.phrasing import (
    Coach,
    PhrasingRule,
    Severity,
    compile_rules,
    default_coach,
    explain,
    load_default_rules,
    validate_rule,
    validate_rules,
)
from companion.row_locks import locking
from companion.users import Role, User

log = logging.getLogger(__name__)

SHIPPED_BY = "shipped with Companion"
EDITORS = (Role.SUPERVISOR, Role.ADMIN)
ID_MAX = 80
_EDIT_ACTION = "Editing phrasing rules"
_FIELDS = ("pattern", "suggestion", "why", "replaceable", "severity", "unless", "enabled")
_changes = 0


class PhrasingRuleRecord(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    rule_id = peewee.CharField(max_length=ID_MAX, unique=True)
    pattern = peewee.TextField()
    suggestion = peewee.TextField()
    why = peewee.TextField()
    replaceable = peewee.BooleanField(default=True)
    severity = peewee.CharField(max_length=8, default=Severity.WARN.value)
    unless = peewee.TextField(default="")
    enabled = peewee.BooleanField(default=True)
    revision = peewee.IntegerField(default=1)
    # None: the shipped seed, which no person wrote.
    updated_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    updated_at = peewee.DateTimeField(default=utcnow_precise)
    created_at = peewee.DateTimeField(default=utcnow_precise)

    class Meta:
        table_name = "phrasing_rules"


class PhrasingRuleRevision(BaseModel):
    """A rule exactly as one save left it; rows are only ever inserted."""

    id = peewee.CharField(primary_key=True, default=new_id)
    record = peewee.ForeignKeyField(PhrasingRuleRecord, backref="revisions", on_delete="RESTRICT")
    revision = peewee.IntegerField()
    rule_id = peewee.CharField(max_length=ID_MAX)
    pattern = peewee.TextField()
    suggestion = peewee.TextField()
    why = peewee.TextField()
    replaceable = peewee.BooleanField()
    severity = peewee.CharField(max_length=8)
    unless = peewee.TextField()
    enabled = peewee.BooleanField()
    saved_by = peewee.ForeignKeyField(User, null=True, on_delete="RESTRICT")
    saved_at = peewee.DateTimeField(default=utcnow_precise)

    class Meta:
        table_name = "phrasing_rule_revisions"
        indexes = ((("record", "revision"), True),)


@dataclass(frozen=True)
class RuleView:
    """A rule as the editor lists it: the rule, its revision, and who last changed it."""

    rule: PhrasingRule
    revision: int
    updated_by: str
    updated_at: datetime


def create_phrasing_rules(db: peewee.Database) -> None:
    """Migration step: the two tables, holding the shipped rules as revision 1."""
    db.create_tables([PhrasingRuleRecord, PhrasingRuleRevision])
    for rule in load_default_rules():
        record = PhrasingRuleRecord.create(rule_id=rule.id, **_values(rule))
        _append_revision(record, None)


def list_rules(user: User) -> list[RuleView]:
    """Every rule, enabled or not, in the order the coach tries them."""
    require_role(user, *EDITORS, action=_EDIT_ACTION)
    return [_view(record) for record in _records()]


def save_rule(user: User, rule: PhrasingRule, *, expected_revision: int | None = None) -> RuleView:
    """Add a rule, or change the one with the same id; refused whole when it would not work.

    ``expected_revision`` is the revision the editor showed: if someone saved the rule
    since, the save is refused rather than silently overwriting their wording. 0 means
    "this is a new rule", so an id that is already taken is refused, not overwritten.
    """
    require_role(user, *EDITORS, action=_EDIT_ACTION)
    rule = _tidy(rule)
    if len(rule.id) > ID_MAX:
        raise InvalidInput(f"A rule id is at most {ID_MAX} characters; shorten '{rule.id}'.")
    validate_rule(rule)
    _check_set(rule)
    with database.atomic():
        user = require_role(user, *EDITORS, action=_EDIT_ACTION)
        # Locked, so two editors saving one rule take turns and the second is told.
        record = locking(
            PhrasingRuleRecord.select().where(PhrasingRuleRecord.rule_id == rule.id)
        ).first()
        if record is not None and expected_revision == 0:
            raise _taken(rule.id)
        if record is None:
            if expected_revision:
                raise NotFound(
                    f"The phrasing rule '{rule.id}' no longer exists; save it as a new rule."
                )
            record = _create_record(user, rule)
            _append_revision(record, user)
            audit.record(
                user, Action.CREATE, "phrasing_rule", record.id, rule=rule.id, **_values(rule)
            )
            note(Topic.RULES, rule.id)
        else:
            _check_revision(record, expected_revision)
            if not _change(user, record, _values(rule)):
                return _view(record)
    _bump()
    return _view(PhrasingRuleRecord.get_by_id(record.id))


def set_enabled(user: User, rule_id: str, enabled: bool) -> RuleView:
    """Switch a rule off (kept, with its history) or back on (checked against the set first)."""
    require_role(user, *EDITORS, action=_EDIT_ACTION)
    record = _record(rule_id)
    if enabled and not record.enabled:
        _check_set(dataclasses.replace(_rule(record), enabled=True))
    with database.atomic():
        user = require_role(user, *EDITORS, action=_EDIT_ACTION)
        record = _record(rule_id)
        record = locking(
            PhrasingRuleRecord.select().where(PhrasingRuleRecord.id == record.id)
        ).get()
        if not _change(user, record, {"enabled": bool(enabled)}):
            return _view(record)
    _bump()
    return _view(_record(rule_id))


def rule_history(user: User, rule_id: str) -> list[RuleView]:
    """Every saved version of a rule, oldest first (revision 1 is usually the shipped one).

    Editors only, like the list: old wordings and who wrote them are the editors' record.
    """
    require_role(user, *EDITORS, action="Reading a phrasing rule's history")
    record = _record(rule_id)
    query = (
        PhrasingRuleRevision.select(PhrasingRuleRevision, User)
        .join(User, peewee.JOIN.LEFT_OUTER, on=(PhrasingRuleRevision.saved_by == User.id))
        .where(PhrasingRuleRevision.record == record.id)
        .order_by(PhrasingRuleRevision.revision)
    )
    return [
        RuleView(
            rule=_rule(row),
            revision=row.revision,
            updated_by=_who(row.saved_by),
            updated_at=row.saved_at,
        )
        for row in query
    ]


def changes() -> int:
    """How many rule changes this process has committed: a cheap "are my rules stale?"."""
    return _changes


def active_coach() -> Coach:
    """The enabled rules from the database, compiled; recompiled only when they changed."""
    return _compiled(tuple(_rule(record) for record in _records() if record.enabled))


def coach_or_default() -> Coach:
    """:func:`active_coach`, or the shipped rules when the database cannot give any.

    Text fields outside a workspace (and a database that cannot be read right now)
    still deserve a coach; a broken coach must never stop an agent typing.
    """
    if database.obj is None:
        return default_coach()
    try:
        return active_coach()
    except (peewee.DatabaseError, CompanionError) as exc:
        log.warning("using the shipped phrasing rules: %s", exc)
        return default_coach()


def try_sentence(text: str, rules: Sequence[PhrasingRule]) -> list[str]:
    """What ``text`` would trigger under ``rules`` (enabled ones), one line per flag.

    The editor passes the stored rules with its unsaved draft in place, so a
    supervisor sees the effect of a change before saving it. InvalidInput names a
    rule whose pattern does not compile.
    """
    return explain(text, compile_rules(rules))


def with_draft(rules: Sequence[PhrasingRule], draft: PhrasingRule) -> list[PhrasingRule]:
    """``rules`` with ``draft`` replacing the rule of the same id, or added at the end."""
    replaced = [draft if rule.id == draft.id else rule for rule in rules]
    return replaced if any(rule.id == draft.id for rule in rules) else [*replaced, draft]


@functools.lru_cache(maxsize=4)
def _compiled(rules: tuple[PhrasingRule, ...]) -> Coach:
    return compile_rules(rules)


def _bump() -> None:
    global _changes
    _changes += 1


def _records() -> list[PhrasingRuleRecord]:
    query = PhrasingRuleRecord.select().order_by(
        PhrasingRuleRecord.created_at, PhrasingRuleRecord.rule_id
    )
    return list(query)


def _record(rule_id: str) -> PhrasingRuleRecord:
    record = PhrasingRuleRecord.get_or_none(PhrasingRuleRecord.rule_id == str(rule_id).strip())
    if record is None:
        raise NotFound(f"No phrasing rule has the id {rule_id!r}.")
    return record


def _tidy(rule: PhrasingRule) -> PhrasingRule:
    """Surrounding spaces are typing noise, never meaning; drop them before checking."""
    return dataclasses.replace(
        rule,
        id=rule.id.strip(),
        pattern=rule.pattern.strip(),
        suggestion=rule.suggestion.strip(),
        why=rule.why.strip(),
        unless=rule.unless.strip(),
    )


def _check_set(rule: PhrasingRule) -> None:
    """The enabled rules, with ``rule`` in place, must still work together."""
    current = [_rule(record) for record in _records()]
    validate_rules([r for r in with_draft(current, rule) if r.enabled])


def _check_revision(record: PhrasingRuleRecord, expected: int | None) -> None:
    if expected is not None and record.revision != expected:
        raise InvalidInput(
            f"The phrasing rule '{record.rule_id}' was changed by {_who(record.updated_by)} "
            f"at {record.updated_at:%Y-%m-%d %H:%M} UTC while you were editing it (now "
            f"revision {record.revision}; you opened revision {expected}). Nothing was saved "
            "and your text is still in the form: reload the rule, then apply your change again."
        )


def _taken(rule_id: str) -> InvalidInput:
    return InvalidInput(
        f"A phrasing rule with the id '{rule_id}' already exists. Choose another id "
        "for the new rule, or select the existing rule in the list to edit it."
    )


def _create_record(user: User, rule: PhrasingRule) -> PhrasingRuleRecord:
    """The new rule's record; another desk adding the same id at the same moment is told.

    A savepoint, since on PostgreSQL the failed insert would spoil the whole transaction.
    """
    try:
        with database.atomic():
            return PhrasingRuleRecord.create(rule_id=rule.id, updated_by=user.id, **_values(rule))
    except peewee.IntegrityError as exc:
        raise _taken(rule.id) from exc


def _change(user: User, record: PhrasingRuleRecord, values: dict[str, Any]) -> bool:
    """Apply ``values`` as a new revision; False (nothing written) when nothing differs."""
    diff = {
        name: {"from": getattr(record, name), "to": value}
        for name, value in values.items()
        if getattr(record, name) != value
    }
    if not diff:
        return False
    for name, value in values.items():
        setattr(record, name, value)
    record.revision += 1
    record.updated_by = user
    record.updated_at = utcnow_precise()
    record.save()
    _append_revision(record, user)
    audit.record(
        user,
        Action.CHANGE,
        "phrasing_rule",
        record.id,
        rule=record.rule_id,
        revision=record.revision,
        changes=diff,
    )
    note(Topic.RULES, record.rule_id)
    return True


def _append_revision(record: PhrasingRuleRecord, user: User | None) -> None:
    PhrasingRuleRevision.create(
        record=record.id,
        revision=record.revision,
        rule_id=record.rule_id,
        saved_by=user.id if user is not None else None,
        saved_at=record.updated_at,
        **{name: getattr(record, name) for name in _FIELDS},
    )


def _values(rule: PhrasingRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in _FIELDS} | {"severity": str(rule.severity)}


def _rule(row: PhrasingRuleRecord | PhrasingRuleRevision) -> PhrasingRule:
    return PhrasingRule(
        id=row.rule_id,
        pattern=row.pattern,
        suggestion=row.suggestion,
        why=row.why,
        replaceable=row.replaceable,
        severity=Severity(row.severity),
        enabled=row.enabled,
        unless=row.unless,
    )


def _view(record: PhrasingRuleRecord) -> RuleView:
    return RuleView(_rule(record), record.revision, _who(record.updated_by), record.updated_at)


def _who(user: User | None) -> str:
    return user.display_name if user is not None else SHIPPED_BY
