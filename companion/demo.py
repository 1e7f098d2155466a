"""A believable set of call records, so the call pane can be seen at work.

Households and organisations with linked people, a near-duplicate customer to
merge, two months of calls with what was said, promised and done, and promises in
every state, some of them overdue. Generated from a seed, so two runs with the
same seed and the same "now" produce the same records. Only ever run on request,
and only into a database that has no customers yet.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from companion import audit
from companion.audit import Action
from companion.bulk import insert_rows
from companion.calls import Call, Direction
from companion.changes import Topic
from companion.changes import note as note_change
from companion.customer_links import CustomerLink, Relation
from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerNameKey,
    CustomerPhone,
    CustomerReference,
    email_key,
    name_keys,
    phone_digits_key,
    reference_key,
)
from companion.db import database, new_id, utcnow
from companion.demo_content import (
    AGENTS,
    AREA_CODES,
    HOUSEHOLDS,
    ORGANISATIONS,
    SCENARIOS,
    SINGLES,
    SPECIAL_LINKS,
)
from companion.entries import Entry, EntryKind
from companion.errors import InvalidInput
from companion.permissions import ADMINS, require_role
from companion.promises import Promise, PromiseEvent, PromiseState
from companion.sites import this_site_id
from companion.text import fold
from companion.users import User, create_user, find_user

DEMO_SEED = 7
DAYS_OF_CALLS = 60


@dataclass(frozen=True)
class DemoReport:
    customers: int
    links: int
    calls: int
    entries: int
    promises: int
    overdue: int


def load_demo(user: User, *, seed: int = DEMO_SEED, now: datetime | None = None) -> DemoReport:
    """Fill an empty database with demo records; refuse one that already has customers."""
    moment = now or utcnow()
    rng = random.Random(seed)
    with database.atomic():
        # Demo data adds agents' accounts, which is account management.
        user = require_role(user, *ADMINS, action="Loading demo data")
        existing = Customer.select().count()
        if existing:
            raise InvalidInput(
                f"This database already has {existing} customers; demo data goes only into an "
                "empty one. Run the demo with --data-dir pointing at a new folder."
            )
        agents = [find_user(name) or create_user(name, role) for name, role in AGENTS]
        rows = _Rows()
        people = _customers(rows, rng, user, moment)
        _links(rows, user, people, moment)
        _calls(rows, rng, agents, people, moment)
        here = this_site_id()
        for model, table in rows.tables():
            if model in (Customer, Call):
                for row in table:
                    row["site"] = here
            insert_rows(model, table)
        _note_changes(rows)
        audit.record(user, Action.CREATE, "demo_data", "demo", seed=seed, **rows.counts())
    today = moment.date()
    overdue = sum(
        1
        for p in rows.table(Promise)
        if p["state"] in (PromiseState.OPEN, PromiseState.RESCHEDULED) and p["due_on"] < today
    )
    counts = rows.counts()
    return DemoReport(
        counts["customers"],
        counts["links"],
        counts["calls"],
        counts["entries"],
        counts["promises"],
        overdue,
    )


def _note_changes(rows: _Rows) -> None:
    """Every customer, call, entry and promise is news to other desks."""
    for customer in rows.table(Customer):
        note_change(Topic.CUSTOMERS, customer["id"])
    customer_of_call: dict[str, str] = {}
    for call in rows.table(Call):
        customer_of_call[call["id"]] = call["customer"]
        note_change(Topic.CALLS, call["id"], customer_id=call["customer"])
    for entry in rows.table(Entry):
        note_change(Topic.ENTRIES, entry["id"], customer_id=customer_of_call[entry["call"]])
    for promise in rows.table(Promise):
        note_change(Topic.PROMISES, promise["id"], customer_id=promise["customer"])


class _Rows:
    """Rows per table, in an order that satisfies foreign keys when inserted."""

    ORDER = (
        Customer,
        CustomerPhone,
        CustomerEmail,
        CustomerReference,
        CustomerNameKey,
        CustomerLink,
        Call,
        Entry,
        Promise,
        PromiseEvent,
    )

    def __init__(self) -> None:
        self._tables: dict[type, list[dict[str, Any]]] = {model: [] for model in self.ORDER}

    def add(self, model: type, **row: Any) -> dict[str, Any]:
        row.setdefault("id", new_id())
        self._tables[model].append(row)
        return row

    def table(self, model: type) -> list[dict[str, Any]]:
        return self._tables[model]

    def tables(self) -> list[tuple[Any, list[dict[str, Any]]]]:
        return [(model, self._tables[model]) for model in self.ORDER]

    def counts(self) -> dict[str, int]:
        names = {Customer: "customers", CustomerLink: "links", Call: "calls", Entry: "entries"}
        names |= {Promise: "promises"}
        return {label: len(self._tables[model]) for model, label in names.items()}


def _customers(
    rows: _Rows, rng: random.Random, user: User, now: datetime
) -> dict[str, dict[str, Any]]:
    names = [n for group in HOUSEHOLDS + ORGANISATIONS for n in group] + list(SINGLES)
    organisations = {group[0] for group in ORGANISATIONS}
    people: dict[str, dict[str, Any]] = {}
    for index, name in enumerate(names):
        created = now - timedelta(days=DAYS_OF_CALLS + rng.randint(5, 400))
        customer = rows.add(
            Customer,
            display_name=name,
            is_organisation=name in organisations,
            notes=rng.choice(
                ("", "", "Prefers e-mail over phone calls.", "Hard of hearing: speak slowly.")
            ),
            merged_into=None,
            created_by=user.id,
            created_at=created,
            updated_at=created,
        )
        people[name] = customer
        number = f"+1{AREA_CODES[index % len(AREA_CODES)]}55501{index:02d}"
        if name == "Jon Smith":
            number = rows.table(CustomerPhone)[-1]["e164"]
        rows.add(
            CustomerPhone,
            customer=customer["id"],
            position=0,
            e164=number,
            extension="",
            digits_key=phone_digits_key(number),
            created_at=created,
        )
        words = [fold(part).replace("'", "") for part in name.split()]
        local = ".".join(w for w in words if w.isascii()) or f"customer{index}"
        address = f"{local}@example.com"
        rows.add(
            CustomerEmail,
            customer=customer["id"],
            position=0,
            address=address,
            address_key=email_key(address),
            created_at=created,
        )
        account = f"ACC-{100000 + index * 7919 % 900000}"
        rows.add(
            CustomerReference,
            customer=customer["id"],
            position=0,
            kind="account",
            value=account,
            value_key=reference_key(account),
            created_at=created,
        )
        for key in sorted(name_keys(name)):
            rows.add(CustomerNameKey, customer=customer["id"], key=key).pop("id")
    return people


def _links(rows: _Rows, user: User, people: dict[str, dict[str, Any]], now: datetime) -> None:
    def link(first: str, second: str, relation: Relation, note: str = "") -> None:
        rows.add(
            CustomerLink,
            customer=people[first]["id"],
            other=people[second]["id"],
            relation=relation.value,
            note=note,
            created_by=user.id,
            created_at=now,
            updated_at=now,
        )

    special = {frozenset(pair[:2]) for pair in SPECIAL_LINKS}
    for group in HOUSEHOLDS:
        for other in group[1:]:
            if frozenset((group[0], other)) not in special:
                link(group[0], other, Relation.HOUSEHOLD)
    for org, *staff in ORGANISATIONS:
        for person in staff:
            note = "Office manager" if person == staff[0] else ""
            link(person, org, Relation.SAME_ORGANISATION, note)
    for first, second, relation, note in SPECIAL_LINKS:
        link(first, second, relation, note)


def _calls(
    rows: _Rows,
    rng: random.Random,
    agents: list[User],
    people: dict[str, dict[str, Any]],
    now: datetime,
) -> None:
    callers = sorted(people)
    for day in range(DAYS_OF_CALLS, -1, -1):
        for _ in range(rng.randint(0, 3)):
            customer = people[rng.choice(callers)]
            started = now - timedelta(days=day, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
            _call(rows, rng, rng.choice(agents), customer, started, now, still_open=False)
    _call(
        rows,
        rng,
        agents[0],
        people["Ana María López"],
        now - timedelta(minutes=4),
        now,
        still_open=True,
    )


def _call(
    rows: _Rows,
    rng: random.Random,
    agent: User,
    customer: dict[str, Any],
    started: datetime,
    now: datetime,
    *,
    still_open: bool,
) -> None:
    scenario = rng.choice(SCENARIOS)
    ended = started + timedelta(minutes=rng.randint(3, 25))
    outcome = None if still_open else scenario.outcome
    call = rows.add(
        Call,
        customer=customer["id"],
        agent=agent.id,
        direction=rng.choice((Direction.INBOUND, Direction.INBOUND, Direction.OUTBOUND)).value,
        started_at=started,
        ended_at=None if still_open else ended,
        problem=scenario.problem,
        ideal_resolution=scenario.resolution,
        acquired=f"about {rng.randint(1, 36)} months ago",
        problem_started=f"{rng.randint(1, 14)} days ago",
        identifier=f"{scenario.identifier}{rng.randint(10000, 99999)}",
        current_status="Still happening" if still_open else "Reported",
        change_since_start=rng.choice(("Getting worse", "No change", "Better some days")),
        expectation=scenario.resolution,
        already_tried=scenario.said[-1],
        outcome=outcome.value if outcome else None,
        summary="" if still_open else f"{scenario.problem} {scenario.done[-1]}",
        closed_by=None if still_open else agent.id,
        created_at=started,
        updated_at=ended,
    )
    moment = started
    script = [(EntryKind.SAID, text) for text in scenario.said]
    script += [(EntryKind.DONE, text) for text in scenario.done]
    if not still_open and rng.random() < 0.8:
        script.append((EntryKind.PROMISED, scenario.promise))
    entries: list[dict[str, Any]] = []
    for kind, text in script:
        moment += timedelta(seconds=rng.randint(30, 200))
        entries.append(
            rows.add(
                Entry,
                call=call["id"],
                seq=len(entries) + 1,
                at=moment,
                author=agent.id,
                kind=kind.value,
                text=text,
                amends=None,
            )
        )
        if kind is EntryKind.PROMISED:
            _promise(rows, rng, agent, customer, entries[-1], now)
    if rng.random() < 0.15:
        rows.add(
            Entry,
            call=call["id"],
            seq=len(entries) + 1,
            at=ended + timedelta(hours=1),
            author=agent.id,
            kind=EntryKind.AMENDMENT.value,
            amends=entries[0]["id"],
            text=f"Correction: {entries[0]['text'].rstrip('.')} (caller rang back to clarify the date).",
        )


def _promise(
    rows: _Rows,
    rng: random.Random,
    agent: User,
    customer: dict[str, Any],
    entry: dict[str, Any],
    now: datetime,
) -> None:
    made = entry["at"]
    due = made.date() + timedelta(days=rng.randint(1, 7))
    promise = rows.add(
        Promise,
        entry=entry["id"],
        customer=customer["id"],
        owner=agent.id,
        due_on=due,
        state=PromiseState.OPEN.value,
        created_at=made,
        updated_at=made,
    )
    rows.add(
        PromiseEvent,
        promise=promise["id"],
        at=made,
        actor=agent.id,
        from_state=None,
        to_state=PromiseState.OPEN.value,
        old_due=None,
        new_due=due,
        reason="",
    )
    if due >= now.date():
        return
    roll = rng.random()
    if roll < 0.6:
        state, new_due, reason = PromiseState.KEPT, due, "Done as promised; told the customer."
    elif roll < 0.7:
        state, new_due, reason = (
            PromiseState.WITHDRAWN,
            due,
            "No longer needed: the customer sorted it.",
        )
    elif roll < 0.8:
        state, new_due = PromiseState.RESCHEDULED, due + timedelta(days=rng.randint(2, 9))
        reason = "Waiting on the warehouse; customer agreed to the new date."
    else:
        return
    changed = datetime.combine(due, made.time())
    rows.add(
        PromiseEvent,
        promise=promise["id"],
        at=changed,
        actor=agent.id,
        from_state=PromiseState.OPEN.value,
        to_state=state.value,
        old_due=due,
        new_due=new_due,
        reason=reason,
    )
    promise.update(state=state.value, due_on=new_due, updated_at=changed)
