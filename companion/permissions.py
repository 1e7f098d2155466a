"""Who may do what, judged against the database at the moment of the work.

Services call :func:`require_role` themselves, so a rule holds whether the request
comes from a button, the CLI or a test. The window holds the ``User`` it signed in
with for hours, while an admin at another desk may demote or disable that account at
any moment; so the check never trusts the object it is given. It re-reads the row
(role, disabled flag; a vanished row refuses) and hands the fresh user back, and a
service that writes calls it inside the same ``database.atomic()`` block as the work,
so no change of rights can slip in between the check and the write.

Two refusals are distinct because the window reacts to them: :class:`AccountRevoked`
(disabled or removed: sign in again) and :class:`RoleChanged` (demoted since sign-in:
the menus must follow). The ``can_*`` predicates only let the window hide what would
be refused anyway; they judge the object they are given and never touch the database.
"""

from __future__ import annotations

from companion.errors import PermissionDenied
from companion.users import Role, User

EVERYONE = tuple(Role)
EDITORS = (Role.SUPERVISOR, Role.ADMIN)
ADMINS = (Role.ADMIN,)

_ARTICLES = {Role.AGENT: "an", Role.SUPERVISOR: "a", Role.ADMIN: "an"}


class AccountRevoked(PermissionDenied):
    """The account was disabled or removed after the session began: sign in again."""


class RoleChanged(PermissionDenied):
    """An admin changed the account's role since sign-in, and the new one is not enough."""


def _role_of(user: User) -> Role:
    """The user's role; an unknown stored value grants nothing rather than crashing."""
    try:
        return Role(user.role)
    except ValueError:
        return Role.AGENT


def _describe(roles: tuple[Role, ...]) -> str:
    names = [role.value for role in roles]
    if len(names) == 1:
        return f"{_ARTICLES[roles[0]]} {names[0]}"
    return f"{_ARTICLES[roles[0]]} {', '.join(names[:-1])} or {names[-1]}"


def current_user(user: User, *, action: str) -> User:
    """``user`` as stored now, refusing an account that was removed or disabled.

    ``action`` names the refused work, so the message reads as the answer to what the
    person just tried.
    """
    fresh = User.get_or_none(User.id == user.id)
    if fresh is None:
        raise AccountRevoked(
            f"{action} was refused: the account {user.display_name!r} no longer exists. "
            "Sign in again with an active account."
        )
    if fresh.disabled:
        raise AccountRevoked(
            f"{action} needs an active account; an admin has disabled "
            f"{fresh.display_name}'s account. Sign in again with an active account."
        )
    return fresh


def require_role(user: User, *roles: Role, action: str) -> User:
    """The acting user as stored now, or :class:`PermissionDenied` unless they hold ``roles``.

    ``action`` names the work as a sentence subject ("Publishing articles"), so the
    refusal tells the person which account could do it instead of only saying no.
    Call it inside the transaction that does the work; use the returned user from then
    on, since it carries the role the work was allowed under.
    """
    if not roles:
        raise ValueError("require_role needs at least one role")
    fresh = current_user(user, action=action)
    role = _role_of(fresh)
    if role in roles:
        return fresh
    needs = f"{action} needs {_describe(roles)} account"
    if fresh.role != user.role:
        raise RoleChanged(
            f"{needs}; an admin has changed {fresh.display_name}'s account "
            f"from {user.role} to {fresh.role}."
        )
    raise PermissionDenied(f"{needs}.")


def require_active(user: User, *, action: str) -> User:
    """Agent-level work: any role will do, but only while the account is enabled."""
    return require_role(user, *EVERYONE, action=action)


def has_role(user: User, *roles: Role) -> bool:
    """Whether ``user`` as given (not re-read) holds one of ``roles`` and is enabled."""
    return not getattr(user, "disabled", False) and _role_of(user) in roles


def can_edit_playbook(user: User) -> bool:
    """Supervisors and admins edit and publish the playbook and its phrasing rules."""
    return has_role(user, *EDITORS)


def can_manage_accounts(user: User) -> bool:
    """Only admins create, disable, re-role or reset other people's accounts."""
    return has_role(user, *ADMINS)


def can_view_team(user: User) -> bool:
    """Supervisors and admins see the team's calls, promises and audit trail."""
    return has_role(user, *EDITORS)
