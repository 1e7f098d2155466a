"""Two stores, head office and a site, each its own database, opened one at a time.

Each store is a real workspace, created from nothing (migrated, default playbook
loaded), so it has its own site id, user ids and article ids, as two separate
installs do. (The PostgreSQL run's template copies would share all of those.) Models are bound to one database at a time, so a test
opens head office, makes a release file, then opens the site and applies it.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from companion.users import Role, User, create_user
from kb.workspace import Workspace, open_workspace
from tests import postgres


class Stores:
    """Opens store ``name`` (closing the one open before); databases dropped at the end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.urls: dict[str, str | None] = {}
        self.current: Workspace | None = None
        self.current_name: str | None = None

    def open(self, name: str) -> Workspace:
        if self.current_name == name and self.current is not None:
            return self.current
        self.close()
        if name not in self.urls:
            self.urls[name] = new_database()
        workspace = open_workspace(self.root / name, self.urls[name])
        self.current, self.current_name = workspace, name
        return workspace

    def user(self, name: str, role: Role) -> User:
        """A user of the open store, created on first use."""
        existing = User.get_or_none(User.display_name == name)
        return existing if existing is not None else create_user(name, role)

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
        self.current = self.current_name = None

    def drop(self) -> None:
        self.close()
        for url in self.urls.values():
            if url is not None:
                postgres.drop_database(url)


_created = itertools.count(1)


def new_database() -> str | None:
    """An empty PostgreSQL database of its own on that run; None (SQLite in the data dir) else."""
    if postgres.backend() != "postgresql":
        return None
    base = urlparse(postgres.postgres_url()).path.lstrip("/")
    name = f"{base}_store_{os.getpid()}_{next(_created)}"
    with postgres.admin_connect() as admin:  # type: ignore[attr-defined]
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return postgres.database_url(name)


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[Stores]:
    opened = Stores(tmp_path / "stores")
    yield opened
    opened.drop()
