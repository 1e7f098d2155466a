"""Applying head office's phrasing rules, keeping every rule's history.

Rules are matched by their id (the same everywhere: the shipped rules seed every
store). Head office's revisions join the rule's history with their original ids,
authors and times, after the site's own; the revision every store was seeded with
("shipped with Companion") is not copied again.

Policy for a rule the site changed since the last release (or, before any release,
whose wording matches none of head office's): the site's wording wins, head office's
revisions are kept in history, and the report names the rule so a supervisor can
look. Rules the release does not carry are left alone: a site may have its own.

The resulting set of enabled rules must still hold together
(:func:`companion.phrasing.validate_rules`); if it would not, the whole release is
refused before anything is written.
"""

from __future__ import annotations

import peewee

from companion import audit
from companion.audit import Action
from companion.changes import Topic, note
from companion.clock import utcnow_precise
from companion.db import new_id
from companion.errors import InvalidInput
from companion.phrasing import PhrasingRule, Severity, validate_rules
from companion.phrasing_rules import PhrasingRuleRecord, PhrasingRuleRevision
from kb.releases.articles import ApplyContext
from kb.releases.bundle import RULE_FIELDS, IncomingRule, IncomingRuleRevision, rule_hash
from kb.releases.models import ReleaseRule

ADDED = "added"
UPDATED = "updated"
KEPT_LOCAL = "kept-local"


def check_rules(rules: tuple[IncomingRule, ...], label: str) -> None:
    """Refuse a release whose rules would not work here (before anything is written)."""
    incoming = {rule.rule_id: rule.theirs.rule for rule in rules}
    local = {record.rule_id: _rule(record) for record in PhrasingRuleRecord.select()}
    # A rule the site edited keeps its wording; every other carried rule takes theirs.
    merged = {**local, **{k: v for k, v in incoming.items() if not _kept_local(k, local, rules)}}
    try:
        validate_rules([rule for rule in merged.values() if rule.enabled])
    except InvalidInput as exc:
        raise InvalidInput(
            f"Release {label} cannot be applied: its phrasing rules would not work here "
            f"({exc}) Nothing was changed."
        ) from exc


def _kept_local(
    rule_id: str, local: dict[str, PhrasingRule], rules: tuple[IncomingRule, ...]
) -> bool:
    incoming = next(rule for rule in rules if rule.rule_id == rule_id)
    mine = local.get(rule_id)
    if mine is None:
        return False
    return _edited_here(rule_hash(mine), incoming)


def _edited_here(local_hash: str, incoming: IncomingRule) -> bool:
    link = ReleaseRule.get_or_none(ReleaseRule.rule_id == incoming.rule_id)
    if local_hash == incoming.theirs.content_hash:
        return False
    if link is not None:
        return local_hash != link.base_hash
    return local_hash not in {r.content_hash for r in incoming.revisions}


def apply_rule(incoming: IncomingRule, ctx: ApplyContext, label: str) -> str | None:
    """Bring one rule in; "added", "updated", "kept-local" or None (nothing to say)."""
    record = PhrasingRuleRecord.get_or_none(PhrasingRuleRecord.rule_id == incoming.rule_id)
    known = {
        row.id
        for row in PhrasingRuleRevision.select(PhrasingRuleRevision.id).where(
            PhrasingRuleRevision.id.in_([r.id for r in incoming.revisions])
        )
    }
    theirs = incoming.theirs
    if record is None:
        first = incoming.revisions[0]
        record = PhrasingRuleRecord.create(
            rule_id=incoming.rule_id,
            revision=0,
            created_at=first.saved_at,
            **_values(theirs.rule),
        )
        new = [r for r in incoming.revisions if r.id not in known]
        outcome: str | None = ADDED
        target = theirs.rule
    else:
        # Every store has its own copy of the shipped seed; do not add head office's too.
        new = [r for r in incoming.revisions if r.id not in known and r.author is not None]
        local = _rule(record)
        link = ReleaseRule.get_or_none(ReleaseRule.rule_id == incoming.rule_id)
        if _edited_here(rule_hash(local), incoming):
            if not new and link is not None and link.base_hash == theirs.content_hash:
                return None
            outcome, target = KEPT_LOCAL, local
        else:
            outcome = None if rule_hash(local) == theirs.content_hash else UPDATED
            target = theirs.rule
    if not new and outcome is None:
        _remember(incoming, ctx)
        return None
    _append(record, new, ctx)
    changed = _settle(record, target, ctx)
    _remember(incoming, ctx)
    if changed or outcome is not None or new:
        audit.record(
            ctx.user,
            Action.CHANGE,
            "phrasing_rule",
            record.id,
            rule=record.rule_id,
            revision=record.revision,
            release=label,
            outcome=outcome or "history",
        )
        note(Topic.RULES, record.rule_id)
    return outcome


def _append(record: PhrasingRuleRecord, new: list[IncomingRuleRevision], ctx: ApplyContext) -> None:
    number = _newest(record)
    for revision in new:
        number += 1
        author = None if revision.author is None else ctx.authors.user_for(revision.author).id
        PhrasingRuleRevision.create(
            id=revision.id,
            record=record.id,
            revision=number,
            rule_id=record.rule_id,
            saved_by=author,
            saved_at=revision.saved_at,
            **_values(revision.rule),
        )


def _settle(record: PhrasingRuleRecord, target: PhrasingRule, ctx: ApplyContext) -> bool:
    """Record equals its newest revision, which holds ``target``; True if the record changed."""
    newest = (
        PhrasingRuleRevision.select()
        .where(PhrasingRuleRevision.record == record.id)
        .order_by(PhrasingRuleRevision.revision.desc())
        .first()
    )
    if newest is None or rule_hash(_rule(newest)) != rule_hash(target):
        newest = PhrasingRuleRevision.create(
            id=new_id(),
            record=record.id,
            revision=(newest.revision if newest is not None else 0) + 1,
            rule_id=record.rule_id,
            saved_by=ctx.user.id,
            saved_at=utcnow_precise(),
            **_values(target),
        )
    before = rule_hash(_rule(record))
    for name, value in _values(target).items():
        setattr(record, name, value)
    record.revision = newest.revision
    record.updated_by = newest.saved_by_id
    record.updated_at = newest.saved_at
    record.save()
    return before != rule_hash(target)


def _newest(record: PhrasingRuleRecord) -> int:
    value = (
        PhrasingRuleRevision.select(peewee.fn.MAX(PhrasingRuleRevision.revision))
        .where(PhrasingRuleRevision.record == record.id)
        .scalar()
    )
    return int(value or 0)


def _remember(incoming: IncomingRule, ctx: ApplyContext) -> None:
    values = {
        "series": ctx.series,
        "base_hash": incoming.theirs.content_hash,
        "release_id": ctx.release_id,
    }
    updated = ReleaseRule.update(**values).where(ReleaseRule.rule_id == incoming.rule_id).execute()
    if not updated:
        ReleaseRule.create(rule_id=incoming.rule_id, **values)


def _values(rule: PhrasingRule) -> dict[str, object]:
    return {name: getattr(rule, name) for name in RULE_FIELDS} | {"severity": str(rule.severity)}


def _rule(row: PhrasingRuleRecord | PhrasingRuleRevision) -> PhrasingRule:
    return PhrasingRule(
        id=row.rule_id,
        pattern=row.pattern,
        suggestion=row.suggestion,
        why=row.why,
        replaceable=bool(row.replaceable),
        severity=Severity(row.severity),
        enabled=bool(row.enabled),
        unless=row.unless,
    )
