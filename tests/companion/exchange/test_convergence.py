"""Convergence: two sites and head office, exchanging files in any order, agree with one database.

Hypothesis generates a run of operations, each at site A, site B or head office, with
exports (all, or since the last one) and imports at head office in between, in any
order and repeated. The same operations are applied, in the same global order, to a
*reference* store, as if every desk had worked on one database. After a final export
of everything from both sites, head office must hold exactly the reference's records,
row by row and id by id: nothing lost, nothing doubled, every edit's last writer
winning. Importing every file again then changes nothing.

What makes an operation comparable. An operation at a site must see the same records
it would see in the one database, or it could not have the same result (a promise
kept at head office while site A, not knowing, reschedules it). So each operation
touches customers (a call's or promise's customer, both customers of a link or a
merge, and everything a merge moves), and runs at a site only when that site knows
every earlier operation that touched them: its own, or carried in a file it imported.
The reference decides whether the operation is allowed at all (a closed call takes no
entries); when it is, the site must allow it too. Time and new ids are made the same
for the operation in both places (see :class:`tests.companion.exchange.stores.World`).

Compared: customers and their phones, e-mails, references, name keys and links; calls
and call links; entries; promises and their events; articles opened during calls; the
audit trail made by the operations (an import's own audit events, such as a customer
edit that lost, are the import's, and a new customer's list of possible duplicates is
what that desk knew); users by id and name. Not compared: which site a record came
from, and each store's bookkeeping (change log, call holders, sites, exports, imports).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import peewee
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from companion.audit import AuditEvent
from companion.call_articles import CallArticle, record_article_opened
from companion.calls import Call, CallLink, close_call, start_call, update_call
from companion.customer_links import CustomerLink, link_customers
from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerNameKey,
    CustomerPhone,
    CustomerReference,
)
from companion.customers import CustomerDetails, create_customer, get_customer, update_customer
from companion.entries import Entry, add_entry, amend_entry
from companion.errors import CompanionError
from companion.exchange import ImportReport, export_records, import_records
from companion.merge import merge_customers
from companion.promises import (
    Promise,
    PromiseEvent,
    keep_promise,
    record_promise,
    reschedule_promise,
    withdraw_promise,
)
from companion.sites import name_this_site
from companion.users import User
from tests import postgres
from tests.companion.exchange.stores import (
    BASE_TIME,
    Store,
    World,
    add_user,
    at,
    open_postgres_store,
    open_sqlite_store,
)

pytestmark = pytest.mark.slow

SITE_A, SITE_B, HQ = 0, 1, 2
SITES = (SITE_A, SITE_B, HQ)
SITE_NAMES = {SITE_A: "Site A", SITE_B: "Site B", HQ: "Head office"}
PEOPLE = {
    SITE_A: ("8a0c4d0e-0000-4000-8000-00000000000a", "Ana Alves"),
    SITE_B: ("8a0c4d0e-0000-4000-8000-00000000000b", "Bea Brito"),
    HQ: ("8a0c4d0e-0000-4000-8000-0000000000cc", "Hugo Hale"),
}
NAMES = ("Ana López", "Luis Ortega", "Acme Ltd", "Mary Smith", "Kenji Tanaka", "Zoë Adams")
PHONES = ("+44 20 7946 0958", "+44 20 7946 0111", "+1 415 555 0199", "+49 30 901820")
EMAILS = ("ana@example.com", "ops@acme.example", "mary@example.org")
SLUGS = ("refunds", "router-reset", "moving-house")
DUE_BASE = date(2026, 3, 10)
OP_SPACING = timedelta(seconds=10)

KINDS = (
    "customer",
    "customer",
    "edit",
    "link",
    "call",
    "call",
    "entry",
    "entry",
    "amend",
    "promise",
    "promise_change",
    "close",
    "notes",
    "merge",
    "merge",
    "article",
    "export",
    "export",
    "import",
    "import",
)
# Every run starts with a customer at each site, sharing a phone number (the same
# caller rang both), so the generated steps always have something to act on.
OPENING = (("customer", SITE_A, 0, 1), ("customer", SITE_B, 1, 1), ("customer", HQ, 3, 2))
steps = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.sampled_from(SITES),
        st.integers(0, 60),
        st.integers(0, 60),
    ),
    min_size=8,
    max_size=40,
)


@dataclass
class SentFile:
    path: Path
    site: int
    covers: frozenset[int]
    imported: bool = False


@dataclass
class Scenario:
    """The stores of one example and what each site knows."""

    world: World
    stores: dict[int, Store]
    reference: Store
    folder: Path
    users: dict[int, User] = field(default_factory=dict)
    ref_users: dict[int, User] = field(default_factory=dict)
    # Operations (by index) each customer was touched by; shared by merged customers.
    touched: dict[str, set[int]] = field(default_factory=dict)
    origin: dict[str, int] = field(default_factory=dict)  # the site that created each customer
    knows: dict[int, set[int]] = field(default_factory=lambda: {s: set() for s in SITES})
    done_at: dict[int, int] = field(default_factory=dict)
    last_export: dict[int, int] = field(default_factory=lambda: {SITE_A: -1, SITE_B: -1})
    files: list[SentFile] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    exchanges: int = 0
    # What the example exercised, for ``--hypothesis-show-statistics``.
    seen: set[str] = field(default_factory=set)
    # Concurrent mode: operations run at their site only, on whatever it holds, and
    # the sites import each other's files; there is no reference (see the second test).
    concurrent: bool = False

    def view(self, site: int) -> Store:
        """Where an operation at ``site`` looks for its targets."""
        return self.stores[site] if self.concurrent else self.reference

    # -- who knows what ------------------------------------------------------------------

    def knows_customer(self, site: int, customer_id: str) -> bool:
        if self.concurrent:
            return True
        return self.touched.get(customer_id, {-1}) <= self.knows[site]

    def live_customers(self, site: int, choice: int = 0) -> list[str]:
        with at(self.view(site)):
            rows = Customer.select(Customer.id).where(Customer.merged_into.is_null())
            ids = sorted(str(row.id) for row in rows)
        known = [cid for cid in ids if self.knows_customer(site, cid)]
        return self._foreign_first(site, known, known, choice)

    def calls(self, site: int, choice: int = 0) -> list[tuple[str, str]]:
        """(call id, its customer now) for calls whose customer the site knows fully."""
        with at(self.view(site)):
            rows = [(str(c.id), str(c.customer_id)) for c in Call.select().order_by(Call.id)]
        known = [(cid, owner) for cid, owner in rows if self.knows_customer(site, owner)]
        return self._foreign_first(site, known, [owner for _, owner in known], choice)

    def _foreign_first(
        self, site: int, items: list[Any], owners: list[str], choice: int
    ) -> list[Any]:
        """Two choices in three act on records another site made, if any (at head office,
        or at any site in concurrent mode).

        Left to chance, a store would mostly act on its own records, and the point is
        what it does to imported ones.
        """
        if (site != HQ and not self.concurrent) or choice % 3 == 0:
            return items
        foreign = [
            item
            for item, owner in zip(items, owners, strict=True)
            if self.origin.get(owner, site) != site
        ]
        return foreign or items

    # -- running one operation in the reference and at its site ----------------------------

    def apply(self, index: int, site: int, label: str, action: Callable[[User], Any]) -> Any | None:
        """Run ``action`` in the reference; if allowed there, at ``site`` too (must succeed)."""
        if self.concurrent:
            return self._apply_at_site(index, site, label, action)
        moment = BASE_TIME + OP_SPACING * (index + 1)
        self.world.phase(f"op-{index}", moment)
        with at(self.reference):
            try:
                expected = action(self.ref_users[site])
            except CompanionError:
                return None
        self.world.phase(f"op-{index}", moment)
        with at(self.stores[site]):
            try:
                action(self.users[site])
            except CompanionError as exc:
                raise AssertionError(
                    f"op {index} {label} at {SITE_NAMES[site]} was refused there but not in "
                    f"the one-database reference: {exc}\nsteps so far: {self.applied}"
                ) from exc
        self.knows[site].add(index)
        self.done_at[index] = site
        self.applied.append(f"{index}:{SITE_NAMES[site]}:{label}")
        return expected

    def _apply_at_site(
        self, index: int, site: int, label: str, action: Callable[[User], Any]
    ) -> Any | None:
        """Concurrent mode: the operation at its site alone; refused there, it is skipped.

        Two operations share each clock second, so edits at the two sites tie on time
        and the merge has to break the tie the same way whatever the order.
        """
        self.world.phase(f"op-{index}", BASE_TIME + OP_SPACING * (index // 2 + 1))
        with at(self.stores[site]):
            try:
                done = action(self.users[site])
            except CompanionError:
                return None
        self.done_at[index] = site
        self.applied.append(f"{index}:{SITE_NAMES[site]}:{label}")
        return done

    def import_at_site(self, index: int, site: int, choice: int) -> None:
        """Concurrent mode: ``site`` imports one of the other site's files."""
        theirs = [f for f in self.files if f.site != site]
        if theirs:
            self._import_into(index, site, theirs[choice % len(theirs)])

    def sync(self, index: int, source: int) -> None:
        """Concurrent mode: ``source`` sends what changed since its last export to the other."""
        sent = self.export(index, source, since_last=bool(index % 2))
        self._import_into(index, SITE_B if source == SITE_A else SITE_A, sent)

    def _import_into(self, index: int, site: int, sent: SentFile) -> None:
        self.exchanges += 1
        self.world.phase(f"exchange-{self.exchanges}", self._between(index))
        with at(self.stores[site]):
            import_records(self.users[site], sent.path)
        self.seen.add("a site imported the other's file")
        self.applied.append(f"{index}:{SITE_NAMES[site]} imports file {self.files.index(sent)}")

    def touch(self, index: int, *customer_ids: str) -> None:
        for cid in customer_ids:
            self.touched.setdefault(cid, set()).add(index)
            self.origin.setdefault(cid, self.done_at[index])
        here = self.done_at[index]
        if any(self.origin[c] != here for c in customer_ids):
            self.seen.add(f"{'head office' if here == HQ else 'a site'} acted on another's records")

    # -- exchanges ---------------------------------------------------------------------

    def export(self, index: int, site: int, since_last: bool) -> SentFile:
        self.exchanges += 1
        self.world.phase(f"exchange-{self.exchanges}", self._between(index))
        path = self.folder / f"{SITE_NAMES[site]}-{self.exchanges}.csx".replace(" ", "-")
        with at(self.stores[site]):
            export_records(self.users[site], path, since_last=since_last)
        mine = {i for i, s in self.done_at.items() if s == site}
        floor = self.last_export[site] if since_last else -1
        sent = SentFile(path, site, frozenset(i for i in mine if i > floor))
        self.last_export[site] = index
        self.files.append(sent)
        self.applied.append(
            f"{index}:export {SITE_NAMES[site]} {'since last' if since_last else 'all'}"
            f" -> file {len(self.files) - 1}"
        )
        return sent

    def import_file(self, index: int, number: int) -> ImportReport:
        sent = self.files[number]
        self.exchanges += 1
        self.world.phase(f"exchange-{self.exchanges}", self._between(index))
        hq = self.stores[HQ]
        before = canonical(hq, self.world) if sent.imported else None
        with at(hq):
            report = import_records(self.users[HQ], sent.path)
        self.applied.append(f"{index}:import file {number}{' again' if sent.imported else ''}")
        if any(f.site == sent.site and not f.imported for f in self.files[:number]):
            self.seen.add("a file imported before an earlier one")
        if report.possible_duplicates:
            self.seen.add("possible duplicates offered")
        if before is not None:
            self.seen.add("a file imported again")
            assert report.already_imported, f"file {number} imported twice: {self.applied}"
            assert canonical(hq, self.world) == before, "a file imported again changed records"
        sent.imported = True
        self.knows[HQ] |= sent.covers
        return report

    def _between(self, index: int) -> Any:
        step = index // 2 if self.concurrent else index
        return BASE_TIME + OP_SPACING * (step + 1) + OP_SPACING / 2


def _pick(items: list[Any], choice: int) -> Any | None:
    return items[choice % len(items)] if items else None


def run_step(scenario: Scenario, index: int, step: tuple[str, int, int, int]) -> None:
    """Interpret one generated step; one with nothing to act on does nothing."""
    kind, site, a, b = step
    s = scenario
    if s.concurrent and site == HQ:
        site = SITE_B  # head office only receives, in concurrent mode
    if kind == "customer":
        phones = [PHONES[b % len(PHONES)]] if b % 4 else []
        emails = [EMAILS[a % len(EMAILS)]] if a % 3 == 0 else []
        details = CustomerDetails.validate(NAMES[a % len(NAMES)], phones=phones, emails=emails)
        made = s.apply(index, site, "create customer", lambda u: create_customer(u, details))
        if made is not None:
            s.touch(index, made.customer.id)
    elif kind == "edit":
        target = _pick(s.live_customers(site, b), a)
        if target is None:
            return

        def edit(user: User) -> Any:
            old = get_customer(user, target)
            phones = [p.e164 for p in old.phones]
            if b % 3 == 0:
                phones = [*phones, PHONES[b % len(PHONES)]]
            elif b % 3 == 1:
                phones = phones[1:]
            details = CustomerDetails.validate(
                f"{old.display_name.split(' (')[0]} ({index})" if b % 2 else old.display_name,
                phones=phones,
                emails=list(old.emails) if b % 5 else [EMAILS[b % len(EMAILS)]],
                notes=f"note from op {index}",
                is_organisation=old.is_organisation,
            )
            return update_customer(user, target, details)

        if s.apply(index, site, f"edit customer {target[:8]}", edit) is not None:
            s.touch(index, target)
    elif kind == "link":
        live = s.live_customers(site, a + b)
        first, second = _pick(live, a), _pick(live, b)
        if first is None or second is None:
            return
        relation = ("household", "colleague", "guardian")[b % 3]
        done = s.apply(
            index,
            site,
            f"link {first[:8]} {second[:8]}",
            lambda u: link_customers(u, first, second, relation, f"op {index}"),
        )
        if done is not None:
            s.touch(index, first, second)
    elif kind == "call":
        target = _pick(s.live_customers(site, b), a)
        if target is None:
            return
        done = s.apply(
            index,
            site,
            f"start call for {target[:8]}",
            lambda u: start_call(u, target, problem=f"problem {index}", desk=SITE_NAMES[site]),
        )
        if done is not None:
            s.touch(index, target)
    elif kind in ("entry", "promise", "close", "notes", "article"):
        picked = _pick(s.calls(site, b), a)
        if picked is None:
            return
        call_id, owner = picked
        action: Callable[[User], Any]
        if kind == "entry":
            entry_kind = ("said", "done", "note")[b % 3]
            action = lambda u: add_entry(u, call_id, entry_kind, f"{entry_kind} at op {index}")  # noqa: E731
        elif kind == "promise":
            due = DUE_BASE + timedelta(days=b % 9)
            action = lambda u: record_promise(u, call_id, f"promise {index}", due)  # noqa: E731
        elif kind == "close":
            outcome = ("resolved", "escalated", "follow_up", "other")[b % 4]
            action = lambda u: close_call(u, call_id, outcome, f"summary {index}")  # noqa: E731
        elif kind == "notes":
            field = ("problem", "expectation", "already_tried", "summary")[b % 4]
            action = lambda u: update_call(u, call_id, **{field: f"{field} at op {index}"})  # noqa: E731
        else:
            slug = SLUGS[b % len(SLUGS)]
            action = lambda u: record_article_opened(u, call_id, slug)  # noqa: E731
        if s.apply(index, site, f"{kind} on call {call_id[:8]}", action) is not None:
            s.touch(index, owner)
    elif kind == "amend":
        calls = dict(s.calls(site, b))
        with at(s.view(site)):
            entries = [
                (str(e.id), str(e.call_id))
                for e in Entry.select().order_by(Entry.id)
                if str(e.call_id) in calls
            ]
        picked = _pick(entries, a)
        if picked is None:
            return
        entry_id, call_id = picked
        done = s.apply(
            index,
            site,
            f"amend entry {entry_id[:8]}",
            lambda u: amend_entry(u, entry_id, f"correction at op {index}"),
        )
        if done is not None:
            s.touch(index, calls[call_id])
    elif kind == "promise_change":
        with at(s.view(site)):
            promises = [
                (str(p.id), str(p.customer_id), p.due_on)
                for p in Promise.select().order_by(Promise.id)
            ]
        promises = [p for p in promises if s.knows_customer(site, p[1])]
        promises = s._foreign_first(site, promises, [p[1] for p in promises], b)
        picked = _pick(promises, a)
        if picked is None:
            return
        promise_id, owner, due_on = picked
        if b % 3 == 0:
            action = lambda u: keep_promise(u, promise_id, f"kept at op {index}")  # noqa: E731
        elif b % 3 == 1:
            action = lambda u: withdraw_promise(u, promise_id, f"withdrawn at op {index}")  # noqa: E731
        else:
            new_due = due_on + timedelta(days=1 + b % 4)
            action = lambda u: reschedule_promise(u, promise_id, new_due, f"moved at op {index}")  # noqa: E731
        if s.apply(index, site, f"change promise {promise_id[:8]}", action) is not None:
            s.touch(index, owner)
    elif kind == "merge":
        live = s.live_customers(site, a + b)
        survivor, duplicate = _pick(live, a), _pick(live, b)
        if survivor is None or duplicate is None:
            return
        with at(s.view(site)):
            neighbours = {
                str(side)
                for link in CustomerLink.select().where(
                    CustomerLink.customer.in_([survivor, duplicate])
                    | CustomerLink.other.in_([survivor, duplicate])
                )
                for side in (link.customer_id, link.other_id)
            }
        done = s.apply(
            index,
            site,
            f"merge {duplicate[:8]} into {survivor[:8]}",
            lambda u: merge_customers(u, survivor, duplicate),
        )
        if done is not None:
            s.touch(index, survivor, duplicate, *neighbours)
            joined = s.touched[survivor] | s.touched[duplicate]
            s.touched[survivor] = s.touched[duplicate] = joined
    elif kind == "export":
        s.export(index, SITE_A if site != SITE_B else SITE_B, since_last=b % 2 == 0)
    elif kind == "import" and s.concurrent:
        s.import_at_site(index, site, a)
    elif kind == "import" and s.files:
        s.import_file(index, a % len(s.files))


# -- comparing stores ------------------------------------------------------------------

_MODELS: tuple[type[peewee.Model], ...] = (
    Customer,
    CustomerPhone,
    CustomerEmail,
    CustomerReference,
    CustomerLink,
    Call,
    CallLink,
    Entry,
    Promise,
    PromiseEvent,
    CallArticle,
)
_IGNORED_COLUMNS = {"site"}


def canonical(store: Store, world: World) -> dict[str, Any]:
    """Everything the operations made, by table and id, without origin or bookkeeping."""
    with at(store):
        tables: dict[str, Any] = {}
        for model in _MODELS:
            rows = {}
            for row in model.select().dicts():
                rows[str(row["id"])] = {
                    key: value for key, value in row.items() if key not in _IGNORED_COLUMNS
                }
            tables[model._meta.table_name] = rows
        tables["customer_name_keys"] = sorted(
            (str(r.customer_id), str(r.key)) for r in CustomerNameKey.select()
        )
        audit = {}
        for event in AuditEvent.select().dicts():
            phase = world.made_in(str(event["id"]))
            if phase is not None and phase.startswith("exchange-"):
                continue  # the import's own account of what it did
            details = json.loads(event["details"])
            details.pop("possible_duplicates", None)
            audit[str(event["id"])] = {**event, "details": details}
        tables["audit_events"] = audit
        tables["users"] = {
            str(user.id): user.display_name
            for user in User.select().where(User.is_local_default == False)  # noqa: E712
        }
    return tables


def assert_same_records(hq: dict[str, Any], reference: dict[str, Any], history: str) -> None:
    """Head office holds the reference's rows; users are those the records name."""
    ref_users, hq_users = reference.pop("users"), hq.pop("users")
    for user_id, name in hq_users.items():
        assert ref_users.get(user_id) == name, f"user {user_id} at head office: {history}"
    for table, rows in reference.items():
        got = hq[table]
        if isinstance(rows, list):
            assert got == rows, f"{table} differ\n{history}"
            continue
        missing = sorted(set(rows) - set(got))
        extra = sorted(set(got) - set(rows))
        assert not missing, f"{table}: {len(missing)} rows lost at head office\n{history}"
        assert not extra, f"{table}: {len(extra)} rows head office should not have\n{history}"
        for row_id, row in rows.items():
            assert got[row_id] == row, (
                f"{table} row {row_id} differs\nhead office: {got[row_id]}\n"
                f"reference:   {row}\n{history}"
            )


# -- the property ---------------------------------------------------------------------


def _open_stores(folder: Path, world: World) -> tuple[dict[int, Store], Store]:
    stores: dict[int, Store] = {}
    for site in SITES:
        world.phase(f"store-{site}", BASE_TIME)
        if site == HQ and postgres.backend() == "postgresql":
            stores[site] = open_postgres_store(SITE_NAMES[site])
        else:
            stores[site] = open_sqlite_store(folder, SITE_NAMES[site].replace(" ", "-"))
    world.phase("store-reference", BASE_TIME)
    return stores, open_sqlite_store(folder, "reference")


def _scenario(folder: Path, world: World) -> Scenario:
    stores, reference = _open_stores(folder, world)
    scenario = Scenario(world, stores, reference, folder)
    world.phase("people", BASE_TIME)
    with at(reference):
        for site, (user_id, name) in PEOPLE.items():
            scenario.ref_users[site] = add_user(user_id, name)
    for site, store in stores.items():
        with at(store):
            user_id, name = PEOPLE[site]
            scenario.users[site] = add_user(user_id, name)
            name_this_site(SITE_NAMES[site])
    return scenario


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=steps)
# A call's notes changed in two files from site A, the newer imported first: the older
# version arriving later must lose (last writer wins), and so must a customer's.
@example(
    steps=[
        ("call", SITE_A, 0, 0),
        ("notes", SITE_A, 0, 0),
        ("edit", SITE_A, 0, 1),
        ("export", SITE_A, 0, 1),
        ("notes", SITE_A, 0, 1),
        ("edit", SITE_A, 0, 0),
        ("export", SITE_A, 0, 0),
        ("import", HQ, 1, 0),
        ("import", HQ, 0, 0),
        ("notes", HQ, 0, 2),
        ("entry", HQ, 0, 0),
    ]
)
# Site A merges two customers after an export that carried one of them and its call;
# head office gets the later file first, then the earlier one: the call ends up with
# the survivor all the same.
@example(
    steps=[
        ("customer", SITE_A, 1, 1),
        ("call", SITE_A, 1, 0),
        ("entry", SITE_A, 0, 0),
        ("export", SITE_A, 0, 0),
        ("merge", SITE_A, 0, 1),
        ("promise", SITE_A, 0, 2),
        ("export", SITE_A, 0, 0),
        ("import", HQ, 1, 0),
        ("import", HQ, 0, 0),
        ("import", HQ, 1, 0),
    ]
)
def test_exchanged_records_converge_with_one_database(
    steps: list[tuple[str, int, int, int]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("exchange")
    world = World()
    with world.installed():
        scenario = _scenario(folder, world)
        try:
            for index, step in enumerate([*OPENING, *steps]):
                run_step(scenario, index, step)
            end = len(OPENING) + len(steps)
            finals = [scenario.export(end, site, since_last=False) for site in (SITE_A, SITE_B)]
            for sent in finals:
                scenario.import_file(end, scenario.files.index(sent))
            history = "\n".join(scenario.applied)
            reference = canonical(scenario.reference, world)
            at_hq = canonical(scenario.stores[HQ], world)
            assert_same_records(dict(at_hq), dict(reference), history)
            # Every file again, in the order made: nothing changes.
            for number in range(len(scenario.files)):
                scenario.import_file(end, number)
            assert canonical(scenario.stores[HQ], world) == at_hq
            if any(label.split(":")[-1].startswith("merge") for label in scenario.applied):
                scenario.seen.add("customers merged")
            for seen in sorted(scenario.seen):
                event(seen)
        finally:
            for store in (*scenario.stores.values(), scenario.reference):
                store.close()


# -- the second property: concurrent work, any import order ----------------------------

ImportOrder = Callable[[int], tuple[list[int], list[int]]]


def _ids(store: Store, model: type[peewee.Model]) -> set[str]:
    with at(store):
        return {str(row[0]) for row in model.select(model._meta.primary_key).tuples()}


def run_concurrently(
    steps: list[tuple[str, int, int, int]], import_order: ImportOrder, folder: Path
) -> set[str]:
    """Two sites edit the same records at once; two head offices take every file in two
    orders and must end identical, holding every row either site made, each once.

    Every fifth step one site sends the other what changed since its last export, and
    each site works on what it holds, with ties on the clock (two operations share each
    second). Head office one imports the files in the order made; head office two in
    ``import_order(number of files)``: a permutation, then files to import again.
    Returns what the run exercised.
    """
    world = World()
    with world.installed():
        scenario = _scenario(folder, world)
        scenario.concurrent = True
        world.phase("store-second-hq", BASE_TIME)
        second = open_sqlite_store(folder, "second-head-office")
        with at(second):
            second_user = add_user(*PEOPLE[HQ])
            name_this_site("Second head office")
        try:
            for index, step in enumerate([*OPENING[:2], *steps]):
                if index % 5 == 4:
                    scenario.sync(index, SITE_A if index % 10 == 4 else SITE_B)
                run_step(scenario, index, step)
            end = len(steps) + 2
            for site in (SITE_A, SITE_B):
                scenario.export(end, site, since_last=False)
            first = scenario.stores[HQ]
            files = [sent.path for sent in scenario.files]
            order, again = import_order(len(files))
            assert sorted(order) == list(range(len(files)))
            for number, path in enumerate(files):
                world.phase(f"exchange-first-{number}", BASE_TIME + OP_SPACING * (end + 1))
                with at(first):
                    import_records(scenario.users[HQ], path)
            for step_number, number in enumerate([*order, *again]):
                world.phase(f"exchange-second-{step_number}", BASE_TIME + OP_SPACING * (end + 1))
                with at(second):
                    import_records(second_user, files[number])
            history = "\n".join(scenario.applied) + f"\nsecond head office order: {order + again}"
            for model in (Customer, Call, Entry, Promise, PromiseEvent, CallArticle, CustomerLink):
                made = _ids(scenario.stores[SITE_A], model) | _ids(scenario.stores[SITE_B], model)
                for store in (first, second):
                    lost = made - _ids(store, model)
                    assert not lost, f"{model.__name__}: {len(lost)} rows lost\n{history}"
            with at(first):
                clashes = (
                    Entry.select(Entry.call, Entry.seq)
                    .group_by(Entry.call, Entry.seq)
                    .having(peewee.fn.COUNT(Entry.id) > 1)
                    .count()
                )
            if clashes:
                scenario.seen.add("two sites numbered an entry of one call alike")
            one, other = canonical(first, world), canonical(second, world)
            for table in one:
                assert one[table] == other[table], (
                    f"{table} differs between the two head offices\n{history}"
                )
        finally:
            second.close()
            for store in (*scenario.stores.values(), scenario.reference):
                store.close()
    return scenario.seen


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=steps, data=st.data())
def test_concurrent_work_lands_the_same_whatever_the_import_order(
    steps: list[tuple[str, int, int, int]],
    data: st.DataObject,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """No reference here: concurrent edits have no single-database equivalent (a promise
    kept at one site while the other reschedules it), so what is checked is that the
    merge is a function of the files, not of their order, and that it loses nothing.
    """

    def drawn(count: int) -> tuple[list[int], list[int]]:
        order = data.draw(st.permutations(range(count)), label="import order")
        again = data.draw(st.lists(st.sampled_from(range(count)), max_size=3), label="again")
        return list(order), again

    for seen in sorted(run_concurrently(steps, drawn, tmp_path_factory.mktemp("concurrent"))):
        event(seen)


def _newest_first(count: int) -> tuple[list[int], list[int]]:
    return list(reversed(range(count))), [0]


def _finals_first(count: int) -> tuple[list[int], list[int]]:
    """Both sites' final files (site A's, then B's) before everything sent earlier."""
    return [count - 2, count - 1, *range(count - 2)], [count - 1]


@pytest.mark.parametrize("import_order", [_newest_first, _finals_first])
def test_both_sites_add_to_edit_and_close_one_call(
    tmp_path: Path, import_order: ImportOrder
) -> None:
    """Site B imports A's call; both add entry #1 to it, edit its customer in the same
    second and close the call in the same second (ties on the clock), differently."""
    seen = run_concurrently(
        [
            ("call", SITE_A, 0, 0),
            ("article", SITE_A, 0, 0),
            # Here site A sends B what it has (every fifth step).
            ("entry", SITE_A, 0, 0),
            ("entry", SITE_B, 0, 1),
            ("edit", SITE_A, 0, 1),
            ("edit", SITE_B, 0, 1),
            ("promise", SITE_B, 0, 1),
            # Here site B sends A what it has.
            ("notes", SITE_A, 0, 1),
            ("close", SITE_A, 0, 0),
            ("close", SITE_B, 0, 1),
        ],
        import_order,
        tmp_path,
    )
    assert "two sites numbered an entry of one call alike" in seen
    assert "a site acted on another's records" in seen


def test_a_link_moved_by_a_merge_arrives_in_either_order(tmp_path: Path) -> None:
    """Site B links two customers, exports, merges one of them away (the link moves),
    exports again: head office two gets the later file first."""
    run_concurrently(
        [
            ("customer", SITE_B, 1, 1),
            ("customer", SITE_B, 2, 1),
            ("link", SITE_B, 0, 1),
            ("export", SITE_B, 0, 1),
            ("merge", SITE_B, 2, 1),
            ("export", SITE_B, 0, 1),
        ],
        _newest_first,
        tmp_path,
    )
