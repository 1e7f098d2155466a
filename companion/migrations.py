"""Versioned schema migrations with a stored version per component.

Each component (the core, the playbook, ...) owns an ordered list of migrations and
its own row in ``schema_version``, so packages can grow their tables independently
without one package having to know another's. Before anything is applied, every
component is checked: a database written by a newer Companion is refused whole and
left untouched, rather than half-migrated by an older program.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import peewee

from companion.db import BaseModel, utcnow
from companion.errors import NewerSchemaError


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
        table_name = "schema_version"


def stored_versions(db: peewee.Database) -> dict[str, int]:
    if not db.table_exists(SchemaVersion._meta.table_name):
        return {}
    return {row.component: row.version for row in SchemaVersion.select()}


def migrate(db: peewee.Database, components: Sequence[Component], location: str) -> dict[str, int]:
    """Bring every component up to date, or refuse before changing anything.

    Returns the version each component had before, so callers can tell a first run (0).
    """
    stored = stored_versions(db)
    for component in components:
        have = stored.get(component.name, 0)
        if have > component.latest:
            raise NewerSchemaError(
                f"The database {location} was written by a newer version of Companion "
                f"({component.name} schema {have}; this version knows up to {component.latest}). "
                "It has not been changed. Update Companion to open it."
            )
    if not all(stored.get(c.name, 0) == c.latest for c in components):
        with db.atomic():
            db.create_tables([SchemaVersion], safe=True)
    for component in components:
        have = stored.get(component.name, 0)
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
    return {c.name: stored.get(c.name, 0) for c in components}
