"""Opening a data directory for use: database, migrations, default playbook, index.

This is the one composition root shared by the command line and the window, so both
agree on what "first use of an empty data dir" means: the database is created and the
default playbook loaded, exactly once. "Once" holds across processes too: the playbook
is loaded inside the migration transaction, by whichever process found the playbook's
tables missing under the lock (see :func:`companion.migrations.migrate`).
"""

from __future__ import annotations

import contextlib
import importlib.resources
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import peewee

from companion import db as dbmod
from companion import desk, sites
from companion.errors import DataDirUnavailable, os_error_reason
from companion.migrations import migrate
from companion.paths import index_dir, resolve_data_dir, resolve_db_url, site_setting
from companion.schema import CORE
from companion.users import User, local_user
from kb import store
from kb.article import ArticleData
from kb.import_report import ImportReport
from kb.importer import import_playbook
from kb.playbook import Playbook
from kb.schema import PLAYBOOK
from kb.search.index import Progress, SearchIndex


@dataclass
class Workspace:
    data_dir: Path
    db_url: str
    location: str
    database: peewee.Database
    user: User
    index: SearchIndex
    playbook: Playbook
    default_playbook_report: ImportReport | None = None

    def ensure_index(self, progress: Progress | None = None) -> bool:
        """Rebuild the search index if it does not match the database; True if rebuilt."""
        with dbmod.translate_errors(self.db_url), self._index_errors():
            return self.index.ensure_fresh(
                store.revision_fingerprint(), store.list_articles, progress
            )

    def rebuild_index(self, progress: Progress | None = None) -> int:
        """Rebuild now; returns the number of articles indexed.

        The articles are loaded once the index's writer lock is held, so every save that
        finished first is in the new index; a rebuild another process finished while
        this one waited for the lock is kept rather than repeated.
        """
        with dbmod.translate_errors(self.db_url), self._index_errors():
            return self.index.rebuild(progress=progress)

    @contextlib.contextmanager
    def _index_errors(self) -> Iterator[None]:
        """A full disk or a read-only folder while writing the index is one clear message.

        The database is untouched by this and the index is derived from it, so a later
        run rebuilds the index once there is room; the half-built copy is set aside.
        """
        try:
            yield
        except OSError as exc:
            raise DataDirUnavailable(
                f"The search index in {self.index.directory} cannot be written: "
                f"{os_error_reason(exc)}"
            ) from exc

    def close(self) -> None:
        self.index.close()
        dbmod.close_all(self.database)


def open_workspace(
    data_dir: str | os.PathLike[str] | None = None,
    db_url: str | None = None,
    *,
    load_defaults: bool = True,
) -> Workspace:
    """Open (creating on first use) the workspace; raises :class:`DatabaseUnavailable`.

    ``load_defaults=False`` leaves a new database empty, for tests and for sites that
    import their own playbook.
    """
    directory = resolve_data_dir(data_dir)
    url = resolve_db_url(directory, db_url)
    desk.configure(site_setting(directory, "desk", "name"))
    sites.configure(site_setting(directory, "site", "name"))
    database = dbmod.connect(url, (CORE.name, PLAYBOOK.name))
    location = dbmod.describe_location(url)
    index = SearchIndex(index_dir(directory), source=_article_loader(url))
    playbook = Playbook(index)
    reports: list[ImportReport] = []

    def first_run(before: Mapping[str, int]) -> None:
        """Runs under the migration lock, in its transaction, only in the migrating process."""
        user = local_user()
        if load_defaults and before[PLAYBOOK.name] == 0:
            reports.append(load_default_playbook(playbook, user))

    try:
        with dbmod.translate_errors(url):
            migrate(database, [CORE, PLAYBOOK], location, first_run)
            user = local_user()
    except BaseException:
        database.close()
        raise
    report = reports[0] if reports else None
    return Workspace(directory, url, location, database, user, index, playbook, report)


def _article_loader(url: str) -> Callable[[], list[ArticleData]]:
    """What the index rebuilds itself from when a search finds it damaged or deleted."""

    def load() -> list[ArticleData]:
        with dbmod.translate_errors(url):
            return store.list_articles()

    return load


def load_default_playbook(playbook: Playbook, user: User) -> ImportReport:
    source = importlib.resources.files("resources") / "playbook"
    with importlib.resources.as_file(source) as folder:
        return import_playbook(Path(folder), playbook, user)
