"""Head office's authors at a site: the same user id and name, unable to sign in.

Revisions arrive with who saved them. A site that does not know that person yet gets
a user row with the same id and display name, disabled and without a password, so the
history names the real author and nobody can ever sign in as them here. If a
different local user already has that name, the newcomer is called "NAME (head
office)", so picking a user by name stays unambiguous.
"""

from __future__ import annotations

from companion.changes import Topic, note
from companion.text import NAME_MAX
from companion.users import Role, User, find_user
from kb.releases.bundle import Author

SUFFIX = " (head office)"


class Authors:
    """Local users for head office's authors, created on first need, within the apply."""

    def __init__(self) -> None:
        self._known: dict[str, User] = {}
        self.created = 0

    def user_for(self, author: Author) -> User:
        cached = self._known.get(author.id)
        if cached is not None:
            return cached
        user = User.get_or_none(User.id == author.id)
        if user is None:
            user = User.create(
                id=author.id,
                display_name=_free_name(author.name),
                role=Role.AGENT.value,
                disabled=True,
                password_hash=None,
            )
            note(Topic.ACCOUNTS, user.id)
            self.created += 1
        self._known[author.id] = user
        return user


def _free_name(name: str) -> str:
    """``name``, or it with the suffix (and a number) when a local user already has it."""
    base = " ".join(name.split())[: NAME_MAX - len(SUFFIX) - 4] or "Head office"
    if find_user(base) is None:
        return base
    candidate = base + SUFFIX
    number = 2
    while find_user(candidate) is not None:
        candidate = f"{base} (head office {number})"
        number += 1
    return candidate
