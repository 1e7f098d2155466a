"""Sending a site's month home: export and import of 20,000 calls and 200,000 entries.

Builds a site's month in a temporary SQLite store with the call-records benchmark's
generator (:mod:`bench.call_records`): about 5,000 customers with phones, e-mails and
account numbers, 20,000 calls over 30 days with ten entries each, a promise for every
sixteenth entry (12,500) with its state history, articles opened during calls, and the audit
trail the services would have written (customer and call created, each entry, each
promise and its changes, each call closed). Then, each in a fresh process,
``export_records`` writes everything to a file and ``import_records`` merges that file
into an empty head-office store; then a second export of everything is imported into
that head office, which already holds every row (the merge's look-up path). Each is
timed, and its peak memory is the child process's ``ru_maxrss`` (resource.getrusage:
the whole process, interpreter included).

    .venv/bin/python -m bench.site_exchange            # full size (about a minute)
    .venv/bin/python -m bench.site_exchange --quick    # a tenth of it
    .venv/bin/python -m bench.site_exchange --pg URL   # head office on PostgreSQL

``--pg URL`` names a scratch PostgreSQL database for head office; it is emptied first.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import call_records as gen
from companion import db as dbmod
from companion.audit import AuditEvent
from companion.bulk import insert_rows
from companion.call_articles import CallArticle
from companion.calls import Call
from companion.customer_links import CustomerLink
from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerNameKey,
    CustomerPhone,
    CustomerReference,
    name_keys,
)
from companion.db import new_id
from companion.entries import Entry
from companion.migrations import migrate
from companion.promises import Promise, PromiseEvent
from companion.schema import CORE
from companion.sites import name_this_site, this_site_id
from companion.users import Role, create_user, local_user

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30.0
TARGET_FILE_MB = 50.0
TARGET_PEAK_MB = 500.0
MONTH_DAYS = 30
SLUGS = ("refunds", "router-reset", "moving-house", "billing-dispute", "engineer-visit")


@dataclass(frozen=True)
class Sizes:
    customers: int
    calls: int
    entries: int

    @property
    def per_call(self) -> int:
        return max(1, self.entries // self.calls)


FULL = Sizes(customers=5_000, calls=20_000, entries=200_000)
QUICK = Sizes(customers=500, calls=2_000, entries=20_000)


def build_month(sizes: Sizes, seed: int, today: date) -> dict[str, int]:
    """Fill the bound store with a site's month; call inside ``database.atomic()``.

    Returns the row count per table, for the report.
    """
    rng = random.Random(seed)
    site = this_site_id()
    user = local_user()
    agents = [create_user(f"Agent {i:02d}", Role.AGENT) for i in range(20)]
    now = datetime.combine(today, datetime.min.time()) + timedelta(hours=18)
    people = [new_id() for _ in range(sizes.customers)]
    names = [f"{rng.choice(gen.FIRST)} {rng.choice(gen.LAST)}" for _ in people]
    phones = [
        f"+1{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        for _ in people
    ]
    customers = [
        {**row, "site": site, "created_at": now - timedelta(days=MONTH_DAYS)}
        for row in gen._customers(people, names, user, now)
    ]
    insert_rows(Customer, customers)
    insert_rows(CustomerPhone, gen._phones(people, phones, now))
    insert_rows(CustomerEmail, gen._emails(people, names, now))
    insert_rows(CustomerReference, gen._references(people, now))
    insert_rows(
        CustomerNameKey,
        (
            {"customer": cid, "key": key}
            for cid, n in zip(people, names, strict=True)
            for key in name_keys(n)
        ),
    )
    insert_rows(CustomerLink, gen._links(rng, people, people[0], people[1:4], user, now))
    calls = gen._calls(rng, people, people[0], people[1:4], agents, sizes.calls, now)
    rng.shuffle(calls)  # the generator makes at least 260 (one customer's long history)
    del calls[sizes.calls :]
    for call in calls:
        started = now - timedelta(minutes=rng.randint(10, 60 * 24 * MONTH_DAYS))
        call.update(
            site=site,
            started_at=started,
            ended_at=started + timedelta(minutes=9),
            created_at=started,
            updated_at=started + timedelta(minutes=9),
            closed_by=call["agent"],
        )
    insert_rows(Call, calls)
    promises: list[dict[str, Any]] = []
    entries = list(gen._entries(rng, calls, promises, agents, today, now, sizes.per_call))
    insert_rows(Entry, entries)
    insert_rows(Promise, promises)
    events = list(gen._promise_events(promises, now))
    events += _kept_events(promises, now)
    insert_rows(PromiseEvent, events)
    articles = list(_articles(rng, calls))
    insert_rows(CallArticle, articles)
    audit = insert_rows(AuditEvent, _audit(customers, calls, entries, promises, events))
    return {
        "customers": len(customers),
        "calls": len(calls),
        "entries": len(entries),
        "promises": len(promises),
        "promise events": len(events),
        "articles opened": len(articles),
        "audit events": audit,
    }


def _kept_events(promises: list[dict[str, Any]], now: datetime) -> Iterator[dict[str, Any]]:
    """The generator marks some promises kept; their history says when and by whom."""
    for promise in promises:
        if promise["state"] == "kept":
            yield {
                "id": new_id(),
                "promise": promise["id"],
                "at": now + timedelta(minutes=1),
                "actor": promise["owner"],
                "from_state": "open",
                "to_state": "kept",
                "old_due": promise["due_on"],
                "new_due": promise["due_on"],
                "reason": "Done as promised",
            }


def _articles(rng: random.Random, calls: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """An article opened in about one call in four."""
    for call in calls:
        if rng.random() < 0.25:
            yield {
                "id": new_id(),
                "call": call["id"],
                "slug": rng.choice(SLUGS),
                "opened_at": call["started_at"] + timedelta(minutes=2),
                "opened_by": call["agent"],
            }


def _audit(
    customers: list[dict[str, Any]],
    calls: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    promises: list[dict[str, Any]],
    events: list[dict[str, Any]],
) -> Iterable[dict[str, Any]]:
    """One event per thing the services audit, with details of the usual size."""

    def event(
        at: datetime, actor: str, action: str, object_type: str, object_id: str, **details: Any
    ) -> dict[str, Any]:
        return {
            "id": new_id(),
            "at": at,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "details": json.dumps(details, sort_keys=True, default=str),
        }

    for c in customers:
        yield event(
            c["created_at"],
            c["created_by"],
            "create",
            "customer",
            c["id"],
            display_name=c["display_name"],
        )
    for call in calls:
        yield event(
            call["started_at"],
            call["agent"],
            "create",
            "call",
            call["id"],
            customer=call["customer"],
            direction="inbound",
            problem=call["problem"],
        )
        yield event(
            call["ended_at"],
            call["agent"],
            "change",
            "call",
            call["id"],
            closed=True,
            outcome=call["outcome"],
            summary=call["summary"],
        )
    for e in entries:
        yield event(
            e["at"],
            e["author"],
            "create",
            "entry",
            e["id"],
            call=e["call"],
            seq=e["seq"],
            kind=e["kind"],
        )
    for p in promises:
        yield event(
            p["created_at"],
            p["owner"],
            "create",
            "promise",
            p["id"],
            entry=p["entry"],
            owner=p["owner"],
            due_on=p["due_on"],
        )
    for pe in events:
        if pe["from_state"] is not None:
            yield event(
                pe["at"],
                pe["actor"],
                "change",
                "promise",
                pe["promise"],
                from_state=pe["from_state"],
                to_state=pe["to_state"],
                reason=pe["reason"],
            )


# -- the timed steps, each in a process of its own ---------------------------------------


def _child(argv: list[str]) -> int:
    """``--child export URL OUT`` or ``--child import URL FILE``: one timed step, as JSON."""
    step, url, path = argv
    database = dbmod.connect(url)
    migrate(database, [CORE], url)
    from companion.exchange import export_records, import_records

    user = local_user()
    started = time.perf_counter()
    if step == "export":
        export = export_records(user, Path(path), destination="head office")
        counts: dict[str, Any] = dict(export.counts)
        unchanged = 0
    else:
        report = import_records(user, Path(path))
        counts = {kind: c.added for kind, c in report.kinds.items()}
        unchanged = sum(c.unchanged for c in report.kinds.values())
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"seconds": seconds, "peak_mb": peak_kb / 1024, "counts": counts}
    print(json.dumps(result | {"unchanged": unchanged}))
    database.close()
    return 0


def _run_child(step: str, url: str, path: Path, profile: Path | None) -> dict[str, Any]:
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += ["-m", "bench.site_exchange", "--child", step, url, str(path)]
    done = subprocess.run(command, cwd=ROOT, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"The {step} step failed:\n{done.stderr.strip()}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _empty_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _verdict(label: str, value: float, target: float, unit: str) -> str:
    mark = "met" if value <= target else "NOT met"
    return f"- {label}: {value:.1f} {unit} (target ≤ {target:g} {unit}) — {mark}"


def main(argv: list[str] | None = None) -> int:
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["--child"]:
        return _child(args_list[1:])
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="500 customers, 2,000 calls, 20,000 entries"
    )
    parser.add_argument("--customers", type=int)
    parser.add_argument("--calls", type=int)
    parser.add_argument("--entries", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="folder for cProfile output of both steps")
    parser.add_argument("--pg", help="head office on this PostgreSQL database (emptied first)")
    args = parser.parse_args(args_list)
    base = QUICK if args.quick else FULL
    sizes = Sizes(
        args.customers or base.customers, args.calls or base.calls, args.entries or base.entries
    )
    today = date(2025, 6, 30)
    with tempfile.TemporaryDirectory(prefix="companion-exchange-") as tmp:
        folder = Path(tmp)
        site_url = f"sqlite:///{folder / 'site' / 'companion.db'}"
        hq_url = args.pg or f"sqlite:///{folder / 'hq' / 'companion.db'}"
        if args.pg:
            _empty_postgres(args.pg)
        database = dbmod.connect(hq_url)
        migrate(database, [CORE], hq_url)
        name_this_site("Head office")
        database.close()
        database = dbmod.connect(site_url)
        migrate(database, [CORE], site_url)
        name_this_site("North branch")
        started = time.perf_counter()
        with database.atomic():
            counts = build_month(sizes, args.seed, today)
        built_s = time.perf_counter() - started
        database.close()
        print(
            "Built a site's month: "
            + ", ".join(f"{count:,} {kind}" for kind, count in counts.items())
            + f" in {built_s:.0f} s.",
            file=sys.stderr,
        )
        out = folder / "north.csx"
        profiles = args.profile
        if profiles is not None:
            profiles.mkdir(parents=True, exist_ok=True)
        export = _run_child("export", site_url, out, profiles / "export.prof" if profiles else None)
        size_mb = out.stat().st_size / 1_000_000
        imported = _run_child("import", hq_url, out, profiles / "import.prof" if profiles else None)
        # Everything again in a new file: head office already holds every row.
        again_out = folder / "north-again.csx"
        _run_child("export", site_url, again_out, None)
        again = _run_child(
            "import", hq_url, again_out, profiles / "again.prof" if profiles else None
        )
    lines = [
        f"**A site's month**: {sizes.customers:,} customers, {counts['calls']:,} calls, "
        f"{counts['entries']:,} entries, {counts['promises']:,} promises "
        f"({counts['promise events']:,} events), {counts['articles opened']:,} articles opened, "
        f"{counts['audit events']:,} audit events; the site on SQLite, head office on "
        f"{'PostgreSQL' if args.pg else 'SQLite'}",
        "",
        "| Step | Time | File | Peak memory (process) |",
        "| --- | ---: | ---: | ---: |",
        f"| Export (`site export`) | {export['seconds']:.1f} s | {size_mb:.1f} MB | {export['peak_mb']:.0f} MB |",
        f"| Import into an empty head office (`site import`) | {imported['seconds']:.1f} s | | {imported['peak_mb']:.0f} MB |",
        f"| Import of everything again (a new export; {again['unchanged']:,} rows already there) | {again['seconds']:.1f} s | | {again['peak_mb']:.0f} MB |",
        "",
        "Targets:",
        "",
        _verdict("export", export["seconds"], TARGET_S, "s"),
        _verdict("import", imported["seconds"], TARGET_S, "s"),
        _verdict("import again", again["seconds"], TARGET_S, "s"),
        _verdict("file size", size_mb, TARGET_FILE_MB, "MB"),
        _verdict("peak memory, export", export["peak_mb"], TARGET_PEAK_MB, "MB"),
        _verdict("peak memory, import", imported["peak_mb"], TARGET_PEAK_MB, "MB"),
        _verdict("peak memory, import again", again["peak_mb"], TARGET_PEAK_MB, "MB"),
        "",
        f"Rows written: {json.dumps(export['counts'])}",
        f"Rows added at head office: {json.dumps(imported['counts'])}",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
