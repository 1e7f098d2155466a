"""Who may do what.

Services call :func:`require_role` themselves, so a rule holds whether the request
comes from a button, the CLI or a test; the ``can_*`` predicates only let the window
hide what would be refused anyway.
"""

from __future__ import annotations

from companion.errors import PermissionDenied
from companion.users import Role, User

_ARTICLES = {Role.AGENT: "an", Role.SUPERVISOR: "a", Role.ADMIN: "an"}


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


def require_role(user: User, *roles: Role, action: str) -> None:
    """Refuse unless ``user`` holds one of ``roles``.

    ``action`` names the work as a sentence subject ("Publishing articles"), so the
    refusal tells the person which account could do it instead of only saying no.
    A disabled account is refused outright: its session should not outlive the
    decision to switch it off.
    """
    if not roles:
        raise ValueError("require_role needs at least one role")
    if getattr(user, "disabled", False):
        raise PermissionDenied(f"{action} needs an active account; this one is disabled.")
    if _role_of(user) not in roles:
        raise PermissionDenied(f"{action} needs {_describe(roles)} account.")


def has_role(user: User, *roles: Role) -> bool:
    """Whether ``require_role(user, *roles, ...)`` would let the user through."""
    return not getattr(user, "disabled", False) and _role_of(user) in roles


def can_edit_playbook(user: User) -> bool:
    """Supervisors and admins edit and publish the playbook and its phrasing rules."""
    return has_role(user, Role.SUPERVISOR, Role.ADMIN)


def can_manage_accounts(user: User) -> bool:
    """Only admins create, disable, re-role or reset other people's accounts."""
    return has_role(user, Role.ADMIN)


def can_view_team(user: User) -> bool:
    """Supervisors and admins see the team's calls, promises and audit trail."""
    return has_role(user, Role.SUPERVISOR, Role.ADMIN)
