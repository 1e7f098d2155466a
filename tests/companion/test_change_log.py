"""Every write says what it changed, and the change log keeps it in the same transaction.

The first test runs every service of the rights matrix (found there by introspection,
so a new service is covered as soon as it is listed) inside ``collecting()`` and
compares what it noted with what actually moved in the database: the rows of every
table a view shows, grouped by the record they belong to. A write that forgets to
note its change leaves a card or a list stale at another desk; a read that notes one
makes every desk refresh for nothing. Both fail here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import peewee
import pytest

from companion import change_log, changes
from companion.call_articles import CallArticle
from companion.calls import Call, CallHolder, CallLink
from companion.change_log import ORIGIN, ChangeRow, prune
from companion.changes import NO_CHANGES, Changes, Topic, collecting, note
from companion.customer_links import CustomerLink
from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerNameKey,
    CustomerPhone,
    CustomerReference,
)
from companion.db import database, utcnow
from companion.entries import Entry
from companion.phrasing_rules import PhrasingRuleRecord
from companion.promises import Promise, PromiseEvent
from companion.users import Role, User, create_user
from kb.models import Article
from kb.releases.models import ReleaseConflictRow, ReleaseRecord
from kb.workspace import Workspace
from tests.companion.conftest import Records
from tests.companion.test_rights_matrix import SERVICES, Fixtures, Service, make_actors

# (model, topic, fields naming the record(s) a row belongs to)
SHOWN: tuple[tuple[type[peewee.Model], Topic, tuple[str, ...]], ...] = (
    (Customer, Topic.CUSTOMERS, ("id", "merged_into")),  # a survivor shows what it took in
    (CustomerPhone, Topic.CUSTOMERS, ("customer",)),
    (CustomerEmail, Topic.CUSTOMERS, ("customer",)),
    (CustomerReference, Topic.CUSTOMERS, ("customer",)),
    (CustomerNameKey, Topic.CUSTOMERS, ("customer",)),
    (CustomerLink, Topic.CUSTOMERS, ("customer", "other")),
    (Call, Topic.CALLS, ("id",)),
    (CallLink, Topic.CALLS, ("call",)),
    (CallArticle, Topic.CALLS, ("call",)),
    (CallHolder, Topic.CALLS, ("call",)),
    (Entry, Topic.ENTRIES, ("id",)),
    (Promise, Topic.PROMISES, ("id",)),
    (PromiseEvent, Topic.PROMISES, ("promise",)),
    (Article, Topic.ARTICLES, ("slug",)),
    (PhrasingRuleRecord, Topic.RULES, ("rule_id",)),
    (User, Topic.ACCOUNTS, ("id",)),
    (ReleaseRecord, Topic.RELEASES, ("id",)),
    (ReleaseConflictRow, Topic.RELEASES, ("release_id",)),
)

Snapshot = dict[Topic, dict[str, list[str]]]


def snapshot() -> Snapshot:
    """Every shown row, as text, under the record it belongs to."""
    shown: Snapshot = defaultdict(lambda: defaultdict(list))
    for model, topic, owners in SHOWN:
        for row in model.select().dicts():
            text = repr(sorted((k, repr(v)) for k, v in row.items()))
            for owner in owners:
                if row[owner] is not None:
                    shown[topic][str(row[owner])].append(text)
    return {topic: {k: sorted(v) for k, v in rows.items()} for topic, rows in shown.items()}


def moved(before: Snapshot, after: Snapshot) -> Changes:
    """What a view would show differently, with the customer of each call, entry, promise."""
    items: list[tuple[Topic, str]] = []
    for topic in Topic:
        old, new = before.get(topic, {}), after.get(topic, {})
        items += [(topic, key) for key in old.keys() | new.keys() if old.get(key) != new.get(key)]
    calls = {(Topic.CALLS, c.id): c.customer_id for c in Call.select()}
    promises = {(Topic.PROMISES, p.id): p.customer_id for p in Promise.select()}
    entries = {(Topic.ENTRIES, e.id): calls[(Topic.CALLS, e.call_id)] for e in Entry.select()}
    customer_of = calls | promises | entries
    items += [(Topic.CUSTOMERS, customer_of[item]) for item in items if item in customer_of]
    return Changes.of(items)


class Prepared(Fixtures):
    """The rights matrix's fixtures, made unseen: their own writes are not the service's.

    Each fixture runs with no collector, and afterwards the database is snapshotted
    again, so what the service then changes (and notes) is compared alone.
    """

    def __init__(self, ws: Workspace, tmp_path: Path) -> None:
        super().__init__(ws, tmp_path)
        self.before = snapshot()

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name.startswith("_") or name not in vars(Fixtures) or not callable(value):
            return value

        def unseen(*args: Any, **kwargs: Any) -> Any:
            token = changes._collector.set(None)  # private: only the test needs to hide notes
            try:
                result = value(*args, **kwargs)
            finally:
                changes._collector.reset(token)
            self.before = snapshot()
            return result

        return unseen


@pytest.mark.usefixtures("cheap_hashing")
@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.id)
def test_each_service_notes_exactly_what_it_changed(
    service: Service,
    empty_workspace: Workspace,
    tmp_path: Path,
) -> None:
    admin = make_actors()["admin"]
    fixtures = Prepared(empty_workspace, tmp_path)
    with collecting() as collector:
        service.call(fixtures, admin)
    assert collector.changes == moved(fixtures.before, snapshot())


def test_a_new_account_is_noted(empty_workspace: Workspace) -> None:
    with collecting() as collector:
        user = create_user("Nia New", Role.AGENT)
    assert collector.changes == Changes(accounts=frozenset({str(user.id)}))


def log_rows() -> list[tuple[str, str, str]]:
    query = ChangeRow.select().order_by(ChangeRow.seq)
    return [(row.origin, row.topic, row.object_id) for row in query]


def test_a_committed_change_is_in_the_log_with_this_process_as_origin(records: Records) -> None:
    customer = records.customer("Lou Logged")
    assert (ORIGIN, "customers", customer.id) in log_rows()


def test_a_change_rolled_back_leaves_no_row(records: Records) -> None:
    before = log_rows()
    with pytest.raises(RuntimeError), database.atomic():
        note(Topic.CUSTOMERS, "never-saved")
        raise RuntimeError("the write failed after noting")
    assert log_rows() == before


def test_old_rows_are_pruned_and_recent_ones_kept(records: Records) -> None:
    old = utcnow() - change_log.KEEP - timedelta(hours=1)
    ChangeRow.insert(noted_at=old, origin="gone", topic="calls", object_id="old").execute()
    customer = records.customer("Kim Kept")
    assert prune(records.database) == 1
    assert [row[2] for row in log_rows()] == [customer.id]


def test_pruning_happens_by_itself_once_an_hour(
    records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = utcnow() - change_log.KEEP - timedelta(hours=1)
    ChangeRow.insert(noted_at=old, origin="gone", topic="calls", object_id="old").execute()
    monkeypatch.setattr(change_log, "_pruning", change_log._Pruning())
    records.customer("Pat Pruner")
    assert "old" not in [row[2] for row in log_rows()]


def test_collecting_outside_any_write_notes_nothing(records: Records) -> None:
    with collecting() as collector:
        records.count_customers()
    assert collector.changes == NO_CHANGES
