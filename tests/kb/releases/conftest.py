"""Two stores, head office and a site, each its own database, opened one at a time.

Each store is a real workspace (default playbook loaded, migrated, its own site id),
as two separate installs are. Models are bound to one database at a time, so a test
opens head office, makes a release file, then opens the site and applies it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from companion.db import new_id
from companion.sites import SiteRow, ThisSite
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
        first = name not in self.urls
        if first:
            on_postgres = postgres.backend() == "postgresql"
            self.urls[name] = postgres.workspace_database(True) if on_postgres else None
        workspace = open_workspace(self.root / name, self.urls[name])
        if first:
            _own_identity()
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


def _own_identity() -> None:
    """A store cloned from a template shares its site id; separate installs never do."""
    site_id = new_id()
    SiteRow.create(id=site_id, name="")
    ThisSite.update(site=site_id).where(ThisSite.slot == 1).execute()


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[Stores]:
    opened = Stores(tmp_path / "stores")
    yield opened
    opened.drop()
