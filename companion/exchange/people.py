"""The people and sites an imported file's records name.

A record names who made it (author, agent, owner, actor); those users travel with the
file as id, display name and role. One this store lacks is created *disabled and
without a password*: the records can say who did what, but nobody can sign in as that
person here until an admin enables the account and sets a password. A local account
is never changed by an import. Two people may share a name across sites, so an
imported name already used here is followed by its site's name.
"""

from __future__ import annotations

from companion.exchange import wire
from companion.exchange.state import ImportState, pages
from companion.rows import tuples
from companion.sealed_archive import SealedArchive
from companion.sites import Site, remember_site
from companion.text import NAME_MAX, fold
from companion.users import User


def merge_sites(state: ImportState, archive: SealedArchive) -> None:
    """Remember every site the file names (their names as the file has them)."""
    for page in pages(archive, wire.SITES_PART, wire.decode_site):
        for site_id, name in page:
            if site_id != state.here:
                remember_site(Site(site_id, name))


def merge_users(state: ImportState, archive: SealedArchive) -> None:
    tally = state.tally("users")
    taken = {fold(str(row[0])) for row in tuples(User.select(User.display_name))}
    for page in pages(archive, wire.USERS_PART, wire.decode_user):
        present = wire.existing_ids(User, (user["id"] for user in page))
        for user in page:
            if user["id"] in present:
                tally.unchanged += 1
                continue
            name = _free_name(user["display_name"], state.source.name, user["id"], taken)
            taken.add(fold(name))
            User.create(
                id=user["id"],
                display_name=name,
                role=user["role"],
                is_local_default=False,
                password_hash=None,
                disabled=True,
            )
            tally.added += 1


def _free_name(name: str, site: str, user_id: str, taken: set[str]) -> str:
    """``name``, or ``name (site)``, or with the id's start: one nobody here has."""
    clean = " ".join(name.split())[:NAME_MAX]
    for candidate in (clean, f"{clean} ({site})", f"{clean} ({site}, {user_id[:8]})"):
        candidate = candidate[:NAME_MAX]
        if fold(candidate) not in taken:
            return candidate
    return f"{clean[: NAME_MAX - 40]} ({user_id})"
