"""Versioned schema migrations with a stored version per component.

Each component (the core, the playbook, ...) owns an ordered list of migrations and
its own row in ``schema_version``, so packages can grow their tables independently
without one package having to know another's. Before anything is applied, every
component is checked: a database written by a newer Companion is refused whole and
left untouched, rather than half-migrated by an older program.

Several processes may open a new data dir at the same moment (four commands started
together). Migrating therefore happens in one transaction that takes the write lock
first (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock),
then re-reads the stored versions and applies only what is still missing. The first
process migrates; the others wait, find the work done, and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import peewee

from companion.db import SCHEMA_TABLE, BaseModel, utcnow
from companion.errors import NewerSchemaError
from companion.rows import stored_int, tuples

# Any constant will do, as long as every Companion process uses the same one.
MIGRATION_LOCK_KEY = 0x436F6D70  # "Comp"

FirstRun = Callable[[Mapping[str, int]], None]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[peewee.Database], None]


@dataclass(frozen=True)
class Component:
    name: str
    migrations: Sequence[Migration]

    @property
    def latest(self) -> int:
        return max((m.version for m in self.migrations), default=0)


class SchemaVersion(BaseModel):
    component = peewee.CharField(primary_key=True)
    version = peewee.IntegerField()
    applied_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = SCHEMA_TABLE


def stored_versions(db: peewee.Database) -> dict[str, int]:
    """Each component's stored version; a hand-edited non-number is :class:`DamagedRecord`."""
    if not db.table_exists(SchemaVersion._meta.table_name):
        return {}
    query = SchemaVersion.select(SchemaVersion.component, SchemaVersion.version.cast("TEXT"))
    return {
        str(component): stored_int(version, SCHEMA_TABLE, component, "version")
        for component, version in tuples(query)
    }


def migrate(
    db: peewee.Database,
    components: Sequence[Component],
    location: str,
    on_migrated: FirstRun | None = None,
) -> dict[str, int]:
    """Bring every component up to date, or refuse before changing anything.

    Returns the version each component had before, as read under the lock, so exactly
    one of several processes opening a new database sees a first run (0). When this
    process migrated, ``on_migrated`` runs with those versions inside the same
    transaction, so first-run data (the default playbook) is loaded once, or not at all.
    """
    stored = stored_versions(db)
    _refuse_newer(stored, components, location)
    if all(stored.get(c.name, 0) == c.latest for c in components):
        return {c.name: stored.get(c.name, 0) for c in components}
    with db.atomic():
        _take_migration_lock(db)
        db.create_tables([SchemaVersion], safe=True)
        stored = stored_versions(db)
        _refuse_newer(stored, components, location)
        before = {c.name: stored.get(c.name, 0) for c in components}
        if all(before[c.name] == c.latest for c in components):
            return before
        for component in components:
            _apply(db, component, before[component.name])
        if on_migrated is not None:
            on_migrated(before)
    return before


def _refuse_newer(
    stored: Mapping[str, int], components: Sequence[Component], location: str
) -> None:
    for component in components:
        have = stored.get(component.name, 0)
        if have > component.latest:
            raise NewerSchemaError(
                f"The database {location} was written by a newer version of Companion "
                f"({component.name} schema {have}; this version knows up to {component.latest}). "
                "It has not been changed. Update Companion to open it."
            )


def _take_migration_lock(db: peewee.Database) -> None:
    """Serialise migrations across processes before anything is read.

    On SQLite the transaction itself began IMMEDIATE (see :mod:`companion.db`), so the
    write lock is already held. PostgreSQL takes row locks lazily and lets two sessions
    run ``CREATE TABLE IF NOT EXISTS`` into each other, hence an explicit lock, released
    by the commit.
    """
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))


def _apply(db: peewee.Database, component: Component, have: int) -> None:
    for migration in sorted(component.migrations, key=lambda m: m.version):
        if migration.version <= have:
            continue
        with db.atomic():
            migration.apply(db)
            # An upsert rather than REPLACE: PostgreSQL has no REPLACE.
            SchemaVersion.insert(
                component=component.name, version=migration.version, applied_at=utcnow()
            ).on_conflict(
                conflict_target=[SchemaVersion.component],
                preserve=[SchemaVersion.version, SchemaVersion.applied_at],
            ).execute()
