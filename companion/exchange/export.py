"""Writing this store's call records to a sealed file for another site.

``since_last`` sends what was created or changed since the last export to the same
destination, judged by the rows' own times (``updated_at``, ``created_at``, ``at``,
``opened_at``) against that export's watermark less :data:`OVERLAP`: a desk whose
clock is a little behind, or a save that committed just after the last export read,
is sent again rather than missed. Re-sending is harmless, as an import recognises
what it already holds.

Every file is self-contained: a row goes out with every row it refers to (an entry
with its call, a call with its customer, a promise with its entry, an amendment with
the entry it corrects, a merged customer with its survivor), so files can be imported
in any order, an earlier file after a later one included. Parts are written children
first, collecting the ids their parents must supply, and each part streams page by
page (keyset on the primary key), so a month of a site never sits in memory at once.

Reading takes no transaction: an SQLite transaction here would hold the write lock
and stop every desk's saves for the length of the export. Rows are never deleted, so
the parents a child names are there when their part is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import peewee

from companion import audit
from companion.audit import Action
from companion.db import database, new_id, utcnow
from companion.errors import InvalidInput
from companion.exchange import wire
from companion.exchange.ledger import SiteExport, destination_key, last_watermark
from companion.exchange.reports import ExportReport
from companion.exchange.state import chunks
from companion.permissions import EDITORS, require_role
from companion.rows import tuples
from companion.sealed_archive import SITE_RECORDS, PartData, json_lines, write_archive
from companion.sites import Site, SiteRow, this_site
from companion.text import NAME_MAX, clean_text
from companion.users import User

Progress = Callable[[int, int], None]

OVERLAP = timedelta(hours=1)
PAGE = 2_000
ID_CHUNK = 500
SUFFIX = ".csx"


def export_records(
    user: User,
    out: Path,
    *,
    destination: str = "head office",
    since_last: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write this store's call records to ``out``; see the module docstring for what goes.

    The export is recorded (destination, watermark, counts, the file's digest) only
    once the file is complete, so a failed export leaves the next ``--since-last``
    sending everything this one would have.
    """
    user = require_role(user, *EDITORS, action="Exporting call records")
    where = clean_text(
        destination, "The destination", max_length=NAME_MAX, required=True, multiline=False
    )
    target = _target(Path(out))
    site = this_site()
    watermark = utcnow()
    previous = last_watermark(where) if since_last else None
    since = previous - OVERLAP if previous is not None else None
    export_id = new_id()
    writer = _Writer(site, since, progress)
    meta = {
        "export_id": export_id,
        "site": {"id": site.id, "name": site.name},
        "destination": where,
        "since": since.isoformat() if since else None,
        "watermark": watermark.isoformat(),
        "made_by": {"id": user.id, "display_name": user.display_name},
    }
    digest = _write_sealed(target, writer, meta)
    size = target.stat().st_size
    counts = dict(writer.counts)
    with database.atomic():
        user = require_role(user, *EDITORS, action="Exporting call records")
        SiteExport.create(
            id=export_id,
            destination=where,
            destination_key=destination_key(where),
            made_by=user.id,
            since=since,
            watermark=watermark,
            file_name=target.name,
            digest=digest,
            size_bytes=size,
            counts=json.dumps(counts, sort_keys=True),
        )
        audit.record(
            user,
            Action.EXPORT,
            "site_records",
            export_id,
            destination=where,
            since=since,
            file=target.name,
            counts=counts,
        )
    return ExportReport(target, site, where, since_last, counts, size)


def _write_sealed(target: Path, writer: _Writer, meta: dict[str, Any]) -> str:
    """The sealed archive; :func:`write_archive` never leaves half a file at ``target``."""
    return write_archive(target, SITE_RECORDS, wire.FORMAT, writer.parts(), meta)


def _target(out: Path) -> Path:
    """The file to write: ``out``, or a dated file inside ``out`` when it is a folder."""
    if out.is_dir():
        return out / f"companion-records-{utcnow():%Y%m%d-%H%M%S}{SUFFIX}"
    if not out.parent.is_dir():
        raise InvalidInput(
            f"Cannot write {out}: the folder {out.parent} does not exist. Create it or "
            "choose another place."
        )
    if out.exists() and not out.is_file():
        raise InvalidInput(f"Cannot write {out}: something that is not a file is in the way.")
    return out


@dataclass
class _Writer:
    """Streams the parts children first, collecting the parents each part must add."""

    site: Site
    since: datetime | None
    progress: Progress | None
    counts: dict[str, int] = field(default_factory=dict)
    written: dict[str, set[str]] = field(default_factory=dict)
    wanted: dict[str, set[str]] = field(default_factory=dict)
    users: set[str] = field(default_factory=set)
    sites: set[str] = field(default_factory=set)
    done: int = 0
    total: int = 0

    def parts(self) -> Iterator[tuple[str, PartData]]:
        self.total = sum(self._changed_count(kind) for kind in wire.RECORD_KINDS)
        for kind in reversed(wire.RECORD_KINDS):
            yield kind.part, _batched(json_lines(self._rows(kind)))
        yield wire.USERS_PART, _batched(json_lines(self._users()))
        yield wire.SITES_PART, _batched(json_lines(self._sites()))
        yield wire.COUNTS_PART, json.dumps(self.counts, sort_keys=True).encode()
        if self.progress is not None:
            self.progress(self.done, max(self.done, self.total))

    # --- which rows ---------------------------------------------------------------

    def _changed(self, kind: wire.Kind) -> peewee.Expression | None:
        """Rows of ``kind`` created or changed since the watermark (None: every row)."""
        if self.since is None:
            return None
        model = kind.model
        stamp = next(
            model._meta.fields[name]
            for name in ("updated_at", "at", "opened_at", "created_at")
            if name in model._meta.fields
        )
        return stamp >= self.since

    def _changed_count(self, kind: wire.Kind) -> int:
        condition = self._changed(kind)
        query = kind.model.select()
        return int((query if condition is None else query.where(condition)).count())

    def _rows(self, kind: wire.Kind) -> Iterator[dict[str, Any]]:
        written = self.written.setdefault(kind.name, set())
        self.counts[kind.name] = 0
        pending = _pages(kind, self._changed(kind))
        while True:
            for page in pending:
                yield from self._emit(kind, page, written)
            missing = self.wanted.pop(kind.name, set()) - written
            if not missing:
                return
            pending = _pages_by_id(kind, missing)

    def _emit(
        self, kind: wire.Kind, page: list[tuple[Any, ...]], written: set[str]
    ) -> Iterator[dict[str, Any]]:
        rows = [kind.encode_stored(row) for row in page if row[0] not in written]
        if kind is wire.CUSTOMERS:
            wire.attach_identifiers(rows, encode=True)
        for row in rows:
            written.add(row["id"])
            self._collect(kind, row)
            self.counts[kind.name] += 1
            self.done += 1
            yield row
        if self.progress is not None and rows:
            self.progress(self.done, max(self.done + 1, self.total))

    def _want(self, kind: wire.Kind, row_id: str | None) -> None:
        if row_id is not None and row_id not in self.written.get(kind.name, ()):
            self.wanted.setdefault(kind.name, set()).add(row_id)

    def _collect(self, kind: wire.Kind, row: dict[str, Any]) -> None:
        """Note the users, sites and parent rows ``row`` refers to."""
        for name in _USER_COLUMNS[kind.name]:
            if row[name] is not None:
                self.users.add(row[name])
        if "site" in row:
            self.sites.add(row["site"])
        for name, parent in _PARENTS[kind.name]:
            self._want(parent, row[name])

    # --- who and where ------------------------------------------------------------

    def _users(self) -> Iterator[dict[str, Any]]:
        ids = sorted(self.users)
        self.counts["users"] = 0
        for chunk in chunks(ids, ID_CHUNK):
            query = User.select(User.id, User.display_name, User.role).where(User.id.in_(chunk))
            for user_id, name, role in tuples(query.order_by(User.id)):
                self.counts["users"] += 1
                yield {"id": user_id, "display_name": name, "role": role}

    def _sites(self) -> Iterator[dict[str, Any]]:
        yield {"id": self.site.id, "name": self.site.name}
        others = sorted(self.sites - {self.site.id})
        for chunk in chunks(others, ID_CHUNK):
            query = SiteRow.select(SiteRow.id, SiteRow.name).where(SiteRow.id.in_(chunk))
            for site_id, name in tuples(query.order_by(SiteRow.id)):
                yield {"id": site_id, "name": name}


def _pages(kind: wire.Kind, condition: peewee.Expression | None) -> Iterator[list[tuple[Any, ...]]]:
    """Every row of ``kind`` matching ``condition``, a page at a time, by primary key.

    Rows come as the driver gives them (see :meth:`companion.exchange.wire.Kind.encode_stored`):
    peewee's conversion of half a million rows would cost more than reading them.
    """
    key = wire.key_of(kind.model)
    last = ""
    while True:
        where = key > last if condition is None else (key > last) & condition
        query = kind.model.select(*kind.fields).where(where).order_by(key).limit(PAGE)
        page = database.execute(query).fetchall()
        if not page:
            return
        yield page
        last = page[-1][0]


def _pages_by_id(kind: wire.Kind, ids: set[str]) -> Iterator[list[tuple[Any, ...]]]:
    key = wire.key_of(kind.model)
    for chunk in chunks(sorted(ids), ID_CHUNK):
        query = kind.model.select(*kind.fields).where(key.in_(chunk)).order_by(key)
        yield database.execute(query).fetchall()


def _batched(lines: Iterable[bytes], size: int = 256 * 1024) -> Iterator[bytes]:
    """Lines joined into chunks of about ``size`` bytes: far fewer, larger writes to compress."""
    pending: list[bytes] = []
    held = 0
    for line in lines:
        pending.append(line)
        held += len(line)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


_USER_COLUMNS = {
    kind.name: tuple(
        column.name
        for column in kind.columns
        if column.name
        in ("actor", "author", "agent", "owner", "closed_by", "created_by", "opened_by")
    )
    for kind in wire.RECORD_KINDS
}
# The rows each kind's rows refer to, which must travel with them.
_PARENTS: dict[str, tuple[tuple[str, wire.Kind], ...]] = {
    wire.PROMISE_EVENTS.name: (("promise", wire.PROMISES),),
    wire.PROMISES.name: (("entry", wire.ENTRIES), ("customer", wire.CUSTOMERS)),
    wire.CALL_ARTICLES.name: (("call", wire.CALLS),),
    wire.ENTRIES.name: (("call", wire.CALLS), ("amends", wire.ENTRIES)),
    wire.CALL_LINKS.name: (("call", wire.CALLS), ("earlier", wire.CALLS)),
    wire.CALLS.name: (("customer", wire.CUSTOMERS),),
    wire.CUSTOMER_LINKS.name: (("customer", wire.CUSTOMERS), ("other", wire.CUSTOMERS)),
    wire.CUSTOMERS.name: (("merged_into", wire.CUSTOMERS),),
    wire.AUDIT_EVENTS.name: (),
}
