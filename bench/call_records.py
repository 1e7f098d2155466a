"""Call-record lookups at site scale: 100,000 customers and 1,000,000 entries.

Builds the data with batched ``insert_many`` in one transaction per table in a
temporary data dir, then times the services an agent waits on during a call:
phone lookup, name lookup (prefix and misheard), the history of a customer with
200 calls, and the team's promises due. Prints median and p95 beside each target.

    .venv/bin/python -m bench.call_records            # full size (a minute or two)
    .venv/bin/python -m bench.call_records --quick    # 10,000 customers, 100,000 entries
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from companion import db as dbmod
from companion.bulk import insert_rows
from companion.calls import Call
from companion.customer_links import CustomerLink
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
from companion.customer_search import find_customers
from companion.db import new_id
from companion.entries import Entry
from companion.history import history
from companion.migrations import migrate
from companion.promises import Promise, PromiseEvent, promises_due
from companion.schema import CORE
from companion.sites import this_site_id
from companion.users import Role, User, create_user, local_user

FIRST = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Ana",
    "Luis",
    "Sofía",
    "Mateo",
    "Valentina",
    "Chidi",
    "Ngozi",
    "Minh",
    "Lan",
    "Yara",
    "Karim",
    "Jürgen",
    "Petra",
    "Hannah",
    "Marco",
    "Fatima",
    "Kenji",
    "Olufemi",
    "Emma",
    "Rajesh",
    "Isabella",
    "Aisha",
    "Liam",
    "Chloé",
    "Tomasz",
    "Zeynep",
    "Samuel",
    "Henrik",
    "Beatriz",
    "Daniel",
    "Priya",
    "Noor",
    "Mohammed",
    "Wei",
    "Yuki",
    "Ivan",
    "Olga",
    "Pedro",
    "Lucía",
    "Ahmed",
    "Leila",
    "Omar",
    "Grace",
    "Tom",
    "Siobhán",
    "Seán",
    "Aoife",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Okonkwo",
    "Haddad",
    "Müller",
    "Schmidt",
    "Kowalski",
    "Nowak",
    "Yılmaz",
    "Demir",
    "Kumar",
    "Patel",
    "Shah",
    "Singh",
    "Watanabe",
    "Tanaka",
    "Suzuki",
    "Rossi",
    "Russo",
    "Bianchi",
    "Santos",
    "Silva",
    "Pereira",
    "Osei",
    "Mensah",
    "Adeyemi",
    "Bello",
    "Larsen",
    "Hansen",
    "Johansson",
    "O'Brien",
    "Walsh",
    "Murphy",
    "Kelly",
    "Papadopoulos",
    "Dubois",
    "Moreau",
    "Laurent",
    "Cohen",
    "Levi",
    "Ivanova",
    "Petrov",
]
PHRASES = (
    "Caller says the connection drops every evening.",
    "Checked the line: no fault found.",
    "Customer was charged twice for last month.",
    "Opened a refund request.",
    "Router has no lights after a power cut.",
    "Ordered a replacement router.",
    "Explained the new tariff.",
    "Customer is moving house next month.",
    "Booked an engineer visit.",
    "Will call back with the result.",
)
HISTORY_CALLS = 200
ENTRIES_PER_CALL = 5
PROMISE_EVERY = 16  # about one promise in three calls


@dataclass
class Sample:
    """Timings of one operation, in milliseconds."""

    label: str
    target_ms: float
    ms: list[float] = field(default_factory=list)

    def time(self, action: Callable[[], object]) -> None:
        start = time.perf_counter()
        action()
        self.ms.append((time.perf_counter() - start) * 1000)

    def report(self) -> str:
        ordered = sorted(self.ms)
        median = statistics.median(ordered)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        verdict = "ok" if median <= self.target_ms else "OVER TARGET"
        return (
            f"{self.label:<34} median {median:7.2f} ms  p95 {p95:7.2f} ms  "
            f"(target {self.target_ms:.0f} ms: {verdict})"
        )


def build(customers: int, entries: int, seed: int, today: date) -> dict[str, Any]:
    """Generate and insert the data set; returns ids and inputs the timings use."""
    rng = random.Random(seed)
    user = local_user()
    agents = [create_user(f"Agent {i:02d}", Role.AGENT) for i in range(20)]
    now = datetime.combine(today, datetime.min.time()) + timedelta(hours=12)
    people = [new_id() for _ in range(customers)]
    names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in people]
    phones = [
        f"+1{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        for _ in people
    ]
    insert_rows(Customer, _customers(people, names, user, now))
    insert_rows(CustomerPhone, _phones(people, phones, now))
    insert_rows(CustomerEmail, _emails(people, names, now))
    insert_rows(CustomerReference, _references(people, now))
    insert_rows(
        CustomerNameKey,
        (
            {"customer": cid, "key": k}
            for cid, n in zip(people, names, strict=True)
            for k in name_keys(n)
        ),
    )
    regular, linked = people[0], people[1:4]
    insert_rows(CustomerLink, _links(rng, people, regular, linked, user, now))
    calls = _calls(rng, people, regular, linked, agents, entries // ENTRIES_PER_CALL, now)
    insert_rows(Call, calls)
    promises: list[dict[str, Any]] = []
    insert_rows(Entry, _entries(rng, calls, promises, agents, today, now))
    insert_rows(Promise, promises)
    insert_rows(PromiseEvent, _promise_events(promises, now))
    return {"user": user, "phones": phones, "names": names, "regular": regular}


def _customers(
    ids: list[str], names: list[str], user: User, now: datetime
) -> Iterator[dict[str, Any]]:
    site = this_site_id()
    for cid, name in zip(ids, names, strict=True):
        yield {
            "id": cid,
            "display_name": name,
            "is_organisation": False,
            "notes": "",
            "merged_into": None,
            "created_by": user.id,
            "created_at": now,
            "updated_at": now,
            "site": site,
        }


def _phones(ids: list[str], phones: list[str], now: datetime) -> Iterator[dict[str, Any]]:
    for cid, e164 in zip(ids, phones, strict=True):
        yield {
            "id": new_id(),
            "customer": cid,
            "position": 0,
            "e164": e164,
            "extension": "",
            "digits_key": phone_digits_key(e164),
            "created_at": now,
        }


def _emails(ids: list[str], names: list[str], now: datetime) -> Iterator[dict[str, Any]]:
    for index, (cid, name) in enumerate(zip(ids, names, strict=True)):
        if index % 2 == 0:
            address = f"{name.split()[0].lower()}{index}@example.com"
            yield {
                "id": new_id(),
                "customer": cid,
                "position": 0,
                "address": address,
                "address_key": email_key(address),
                "created_at": now,
            }


def _references(ids: list[str], now: datetime) -> Iterator[dict[str, Any]]:
    for index, cid in enumerate(ids):
        value = f"ACC-{1_000_000 + index}"
        yield {
            "id": new_id(),
            "customer": cid,
            "position": 0,
            "kind": "account",
            "value": value,
            "value_key": reference_key(value),
            "created_at": now,
        }


def _links(
    rng: random.Random, ids: list[str], regular: str, linked: list[str], user: User, now: datetime
) -> Iterator[dict[str, Any]]:
    pairs = [(regular, other) for other in linked]
    pairs += [(ids[i], ids[i + 1]) for i in range(10, len(ids) - 1, 10)]
    for first, second in pairs:
        yield {
            "id": new_id(),
            "customer": first,
            "other": second,
            "relation": rng.choice(("household", "colleague")),
            "note": "",
            "created_by": user.id,
            "created_at": now,
            "updated_at": now,
        }


def _calls(
    rng: random.Random,
    ids: list[str],
    regular: str,
    linked: list[str],
    agents: list[User],
    count: int,
    now: datetime,
) -> list[dict[str, Any]]:
    site = this_site_id()
    owners = [regular] * HISTORY_CALLS + [c for c in linked for _ in range(20)]
    owners += [rng.choice(ids[4:]) for _ in range(max(0, count - len(owners)))]
    calls = []
    for owner in owners:
        started = now - timedelta(minutes=rng.randint(10, 60 * 24 * 365))
        calls.append(
            {
                "id": new_id(),
                "customer": owner,
                "agent": rng.choice(agents).id,
                "direction": "inbound",
                "started_at": started,
                "ended_at": started + timedelta(minutes=9),
                "problem": rng.choice(PHRASES),
                "outcome": "resolved",
                "summary": rng.choice(PHRASES),
                "created_at": started,
                "updated_at": started,
                "site": site,
            }
        )
    return calls


def _entries(
    rng: random.Random,
    calls: list[dict[str, Any]],
    promises: list[dict[str, Any]],
    agents: list[User],
    today: date,
    now: datetime,
    per_call: int = ENTRIES_PER_CALL,
) -> Iterator[dict[str, Any]]:
    counter = 0
    for call in calls:
        for seq in range(1, per_call + 1):
            counter += 1
            entry_id, promised = new_id(), counter % PROMISE_EVERY == 0
            yield {
                "id": entry_id,
                "call": call["id"],
                "seq": seq,
                "at": call["started_at"] + timedelta(seconds=seq * 40),
                "author": call["agent"],
                "kind": "promised" if promised else rng.choice(("said", "done", "note")),
                "text": rng.choice(PHRASES),
                "amends": None,
            }
            if promised:
                due = call["started_at"].date() + timedelta(days=rng.randint(1, 10))
                state = "kept" if rng.random() < _kept_share(due, today) else "open"
                promises.append(
                    {
                        "id": new_id(),
                        "entry": entry_id,
                        "customer": call["customer"],
                        "owner": rng.choice(agents).id,
                        "due_on": due,
                        "state": state,
                        "created_at": now,
                        "updated_at": now,
                    }
                )


def _kept_share(due: date, today: date) -> float:
    """A working team: old promises are nearly all settled, recent ones about half."""
    age = (today - due).days
    return 0.995 if age > 14 else 0.6 if age > 0 else 0.1


def _promise_events(promises: list[dict[str, Any]], now: datetime) -> Iterator[dict[str, Any]]:
    for p in promises:
        yield {
            "id": new_id(),
            "promise": p["id"],
            "at": now,
            "actor": p["owner"],
            "from_state": None,
            "to_state": "open",
            "old_due": None,
            "new_due": p["due_on"],
            "reason": "",
        }


def measure(data: dict[str, Any], runs: int, today: date, seed: int) -> list[Sample]:
    rng = random.Random(seed + 1)
    user = data["user"]
    styles = ("({a}) {b}-{c}", "+1 {a} {b}{c}", "{a}{b}{c}")
    phone = Sample("phone lookup (any format)", 5)
    prefix = Sample("name lookup (prefix)", 20)
    misheard = Sample("name lookup (misheard, rapidfuzz)", 20)
    past = Sample(f"history, {HISTORY_CALLS}-call customer", 30)
    team = Sample("team promises due", 20)
    for _ in range(runs):
        digits = rng.choice(data["phones"])[2:]
        typed = rng.choice(styles).format(a=digits[:3], b=digits[3:6], c=digits[6:])
        phone.time(lambda typed=typed: _expect(find_customers(user, typed)))
        first, last = rng.choice(data["names"]).split(" ", 1)
        prefix.time(lambda q=f"{last[:4]}": _expect(find_customers(user, q)))
        typo = f"{first} {last[:-1]}{'xq'[len(last) % 2]}"
        misheard.time(lambda q=typo: find_customers(user, q))
        past.time(lambda: history(user, data["regular"]))
        team.time(lambda: promises_due(user, today=today))
    return [phone, prefix, misheard, past, team]


def _expect(results: list[Any]) -> None:
    if not results:
        raise AssertionError("a lookup that should match found nothing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="10,000 customers, 100,000 entries")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per operation")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.entries = 10_000, 100_000
    today = date(2025, 6, 11)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        database = dbmod.connect(url)
        migrate(database, [CORE], url)
        start = time.perf_counter()
        with database.atomic():
            data = build(args.customers, args.entries, args.seed, today)
        print(
            f"Built {args.customers:,} customers and {Entry.select().count():,} entries "
            f"({Call.select().count():,} calls, {Promise.select().count():,} promises) "
            f"in {time.perf_counter() - start:.0f} s."
        )
        due = promises_due(data["user"], today=today)
        owed = due.overdue_total + due.due_today_total + due.due_this_week_total
        print(f"The team owes {owed:,} promises due by Sunday ({due.overdue_total:,} overdue).")
        for sample in measure(data, args.runs, today, args.seed):
            print(sample.report())
        database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
