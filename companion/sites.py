"""Which site this store is, and the other sites its records came from.

A company with several offline sites (branch offices, a head office) carries call
records between their stores by file (see :mod:`companion.exchange`). Each store is a
*site*: a UUID made once, by core migration 8, and never changed, so every customer and
call can say where it was created, and an import can tell its own file from another
site's. The id is the identity; the name is only for people, and comes from (strongest
first) ``COMPANION_SITE_NAME``, the ``[site] name`` of the site's ``site.ini`` (the
composition root passes it to :func:`configure`), or the name stored with
``site name NAME``. A store that was never named is called "site" plus the start of its
id, which is at least stable and distinct.

A backup restored elsewhere keeps its site id: it *is* the same site.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import peewee

from companion.db import BaseModel, database, utcnow
from companion.errors import DamagedRecord, InvalidInput
from companion.rows import tuples
from companion.text import NAME_MAX, clean_text

SITE_ENV = "COMPANION_SITE_NAME"
SITE_ID_LENGTH = 36

_configured: str | None = None


@dataclass(frozen=True)
class Site:
    """A store's lasting identity and the name people know it by."""

    id: str
    name: str


class SiteRow(BaseModel):
    """Every site this store knows: itself and each site records were imported from."""

    id = peewee.CharField(primary_key=True, max_length=SITE_ID_LENGTH)
    name = peewee.CharField(max_length=NAME_MAX, default="")
    first_seen_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "sites"


class ThisSite(BaseModel):
    """The one row saying which of :class:`SiteRow` is this store (``slot`` is always 1)."""

    slot = peewee.IntegerField(primary_key=True)
    site = peewee.ForeignKeyField(SiteRow, backref="+", on_delete="RESTRICT")
    site_id: str

    class Meta:
        table_name = "this_site"


def configure(name: str | None) -> None:
    """Use ``name`` (from site.ini) when the environment names no site; None forgets it."""
    global _configured
    _configured = name


def _cleaned(name: str | None) -> str:
    return " ".join((name or "").split())[:NAME_MAX]


def default_name(site_id: str) -> str:
    """What an unnamed site is called: stable, and different from every other site."""
    return f"site {site_id[:8]}"


def this_site_id() -> str:
    """This store's site id, read once per call (cheap: one row by primary key)."""
    row = ThisSite.get_or_none(ThisSite.slot == 1)
    if row is None:
        raise DamagedRecord("this_site", 1, "site", None)
    return str(row.site_id)


def this_site() -> Site:
    """This store, named as ``COMPANION_SITE_NAME`` > site.ini > the stored name."""
    site_id = this_site_id()
    name = _cleaned(os.environ.get(SITE_ENV)) or _cleaned(_configured)
    if not name:
        stored = SiteRow.get_or_none(SiteRow.id == site_id)
        name = _cleaned(stored.name if stored is not None else "")
    return Site(site_id, name or default_name(site_id))


def name_this_site(name: str) -> Site:
    """Store a name for this site; the environment or site.ini still win if they name one."""
    clean = clean_text(name, "The site's name", max_length=NAME_MAX, required=True, multiline=False)
    with database.atomic():
        site_id = this_site_id()
        SiteRow.update(name=clean, updated_at=utcnow()).where(SiteRow.id == site_id).execute()
    return this_site()


def remember_site(site: Site) -> None:
    """Record (or rename) a site records arrived from; inside the importing transaction."""
    if not site.id or len(site.id) > SITE_ID_LENGTH:
        raise InvalidInput(f"{site.id!r} is not a site id.")
    name = _cleaned(site.name)
    updated = (
        SiteRow.update(name=name, updated_at=utcnow())
        .where((SiteRow.id == site.id) & (SiteRow.name != name))
        .execute()
    )
    if not updated and SiteRow.get_or_none(SiteRow.id == site.id) is None:
        SiteRow.create(id=site.id, name=name)


def known_sites() -> list[Site]:
    """This site first, then every site records came from, by name."""
    here = this_site()
    others = [
        Site(site_id, _cleaned(name) or default_name(site_id))
        for site_id, name in tuples(SiteRow.select(SiteRow.id, SiteRow.name))
        if site_id != here.id
    ]
    return [here, *sorted(others, key=lambda site: (site.name.casefold(), site.id))]


def site_names() -> dict[str, str]:
    """Every known site's name by id, for labelling records."""
    return {site.id: site.name for site in known_sites()}
