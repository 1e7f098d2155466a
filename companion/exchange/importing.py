"""Importing another site's call-record file: check all of it, then merge it in one go.

The whole file is verified first (:func:`companion.sealed_archive.open_archive`: kind,
format, every checksum, sizes, member names), then its header: a file this site made
is refused politely, and a file already imported (known by its content digest) is
reported as such with nothing changed. Everything else happens in one transaction, in
the order that satisfies every reference (sites, users, customers, links, calls,
entries, promises, events), followed by merges and the settling of promise states; so
a refusal at any point, or an error, leaves the store exactly as it was.

The rules for each kind of row are in :mod:`companion.exchange.customer_merge`,
:mod:`companion.exchange.row_merge` and :mod:`companion.exchange.replay`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import peewee

from companion import audit
from companion.audit import Action
from companion.calls import Call
from companion.changes import Topic, note
from companion.db import database
from companion.errors import InvalidInput
from companion.exchange import customer_merge, people, replay, row_merge, wire
from companion.exchange.ledger import SiteImport
from companion.exchange.reports import ImportReport
from companion.exchange.state import ImportState, chunks
from companion.permissions import EDITORS, require_role
from companion.promises import Promise
from companion.rows import tuples
from companion.sealed_archive import SITE_RECORDS, SealedArchive, open_archive
from companion.sites import Site, this_site
from companion.users import User

Progress = Callable[[int, int], None]

# A month of a large site is about 100 MB of JSON; anything claiming far more is refused
# before it is inflated.
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_PART_BYTES = 768 * 1024 * 1024

NOTE_EACH_UP_TO = 500
IMPORT_CACHE_KB = 128 * 1024

REQUIRED_PARTS = (
    *(kind.part for kind in wire.RECORD_KINDS),
    wire.USERS_PART,
    wire.SITES_PART,
    wire.COUNTS_PART,
)


@dataclass(frozen=True)
class Header:
    """What the file says about itself, checked."""

    export_id: str
    site: Site
    destination: str
    counts: dict[str, int]


def import_records(user: User, path: Path, progress: Progress | None = None) -> ImportReport:
    """Merge the call-record file at ``path`` into this store, or refuse it unchanged."""
    user = require_role(user, *EDITORS, action="Importing call records")
    path = Path(path)
    limits = {"max_total_bytes": MAX_TOTAL_BYTES, "max_part_bytes": MAX_PART_BYTES}
    with open_archive(path, SITE_RECORDS, wire.FORMAT, **limits) as archive:
        header = _header(archive)
        here = this_site()
        if header.site.id == here.id:
            raise InvalidInput(
                f"{path} was exported from this site ({here.name}): its records are already "
                "here. Nothing was changed; import it at head office or at another site."
            )
        try:
            with _roomy_cache(), database.atomic():
                user = require_role(user, *EDITORS, action="Importing call records")
                _index_lookups_only()
                if SiteImport.get_or_none(SiteImport.digest == archive.digest) is not None:
                    return ImportReport(header.site, True, {}, ())
                state = ImportState(user, header.site, here.id, progress)
                state.total = sum(header.counts.values())
                report = _merge(state, archive, header)
        except peewee.IntegrityError as exc:
            raise InvalidInput(
                f"{path} holds records that refer to records neither it nor this store holds "
                f"({exc}). It was made by a faulty program or edited; nothing was changed."
            ) from exc
    return report


@contextlib.contextmanager
def _roomy_cache() -> Iterator[None]:
    """On SQLite, a larger page cache while importing, then the usual one again.

    Rows keyed by random UUIDs land all over each index; with SQLite's default 2 MB
    cache a month of a site spends most of its time re-reading index pages.
    """
    db = database.obj
    if not isinstance(db, peewee.SqliteDatabase):
        yield
        return
    before = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KB}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(before)}")


def _index_lookups_only() -> None:
    """On PostgreSQL, look rows up by their indexes for the rest of this transaction.

    The import grows tables from nothing to hundreds of thousands of rows inside one
    transaction, while the planner still believes the statistics it had before (empty
    tables): it then reads the whole table for every batch of ids looked up, and a
    month of a site takes many minutes instead of seconds. Every lookup an import makes
    has an index; ``SET LOCAL`` ends with the transaction.
    """
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        database.execute_sql("SET LOCAL enable_seqscan = off")


def _header(archive: SealedArchive) -> Header:
    """The file's own description, refused when anything is missing or malformed."""
    meta = archive.meta
    missing = [part for part in REQUIRED_PARTS if part not in archive.parts]
    site = meta.get("site")
    export_id = meta.get("export_id")
    destination = meta.get("destination", "")
    if (
        missing
        or not isinstance(site, dict)
        or not isinstance(site.get("id"), str)
        or not isinstance(site.get("name"), str)
        or not isinstance(export_id, str)
        or not 0 < len(export_id) <= wire.ID_MAX
        or not isinstance(destination, str)
    ):
        what = f"it lacks its part {missing[0]}" if missing else "its description is incomplete"
        raise InvalidInput(
            f"{archive.path} cannot be used as a call-record file: {what}. It was made by a "
            "faulty program or edited; nothing was changed."
        )
    counts = archive.read_json(wire.COUNTS_PART)
    if not isinstance(counts, dict) or not all(
        isinstance(value, int) and not isinstance(value, bool) for value in counts.values()
    ):
        raise InvalidInput(
            f"{archive.path} cannot be used as a call-record file: its counts are not valid. "
            "Nothing was changed."
        )
    source = Site(site["id"], " ".join(site["name"].split()) or f"site {site['id'][:8]}")
    return Header(export_id, source, destination, counts)


def _merge(state: ImportState, archive: SealedArchive, header: Header) -> ImportReport:
    people.merge_sites(state, archive)
    people.merge_users(state, archive)
    customer_merge.merge_customers(state, archive)
    row_merge.merge_customer_links(state, archive)
    row_merge.merge_calls(state, archive)
    row_merge.merge_call_links(state, archive)
    row_merge.union(state, archive, wire.CALL_ARTICLES)
    row_merge.merge_entries(state, archive)
    row_merge.merge_promises(state, archive)
    row_merge.union(state, archive, wire.PROMISE_EVENTS)
    row_merge.settle_promises(state)
    row_merge.union(state, archive, wire.AUDIT_EVENTS)
    replay.apply_merges(state)
    duplicates = replay.possible_duplicates(state)
    counts = state.counts()
    summary = {kind: vars(tally) for kind, tally in state.tallies.items()}
    SiteImport.create(
        digest=archive.digest,
        export_id=header.export_id,
        from_site=header.site.id,
        imported_by=state.user.id,
        file_name=archive.path.name,
        counts=json.dumps(summary, sort_keys=True),
    )
    audit.record(
        state.user,
        Action.IMPORT,
        "site_records",
        header.export_id,
        from_site=header.site.id,
        from_site_name=header.site.name,
        file=archive.path.name,
        counts=summary,
        possible_duplicates=[[d.customer_id, d.other_id] for d in duplicates],
    )
    _note_changes(state)
    if state.progress is not None:
        state.progress(state.total, state.total)
    return ImportReport(header.site, False, counts, duplicates)


def _note_changes(state: ImportState) -> None:
    """Tell other desks what changed: every touched customer, and the calls and promises.

    Each note is a row in the change log, so a month of a site would add tens of
    thousands. Every customer is noted (each caller card must refresh); calls and
    promises are noted one by one up to :data:`NOTE_EACH_UP_TO` each, beyond which the
    first of them are enough to make every list of calls or promises read itself again.
    """
    customers = set(state.customers)
    for model, ids, topic in (
        (Call, state.calls, Topic.CALLS),
        (Promise, state.promises, Topic.PROMISES),
    ):
        owner = model._meta.fields["customer"]
        key = wire.key_of(model)
        chosen = sorted(ids)[:NOTE_EACH_UP_TO]
        for chunk in chunks(chosen):
            for row_id, customer_id in tuples(model.select(key, owner).where(key.in_(chunk))):
                note(topic, row_id, customer_id=customer_id)
                customers.discard(customer_id)
        if len(ids) > NOTE_EACH_UP_TO:
            customers.update(_customers_of(model, ids))
    for customer_id in sorted(customers):
        note(Topic.CUSTOMERS, customer_id)


def _customers_of(model: type[peewee.Model], ids: set[str]) -> set[str]:
    owner = model._meta.fields["customer"]
    key = wire.key_of(model)
    found: set[str] = set()
    for chunk in chunks(sorted(ids)):
        found.update(str(row[0]) for row in tuples(model.select(owner).where(key.in_(chunk))))
    return found
