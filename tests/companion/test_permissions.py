"""require_role: the refusal names what the work needs, and the predicates agree with it."""

from __future__ import annotations

import pytest

from companion.errors import PermissionDenied
from companion.permissions import (
    can_edit_playbook,
    can_manage_accounts,
    can_view_team,
    require_role,
)
from companion.users import Role, User


def person(role: Role, *, disabled: bool = False) -> User:
    return User(display_name=f"A {role.value}", role=role.value, disabled=disabled)


def test_the_refusal_says_which_accounts_may_do_it() -> None:
    with pytest.raises(PermissionDenied) as refused:
        require_role(person(Role.AGENT), Role.SUPERVISOR, Role.ADMIN, action="Publishing articles")
    assert str(refused.value) == "Publishing articles needs a supervisor or admin account."


def test_a_single_role_reads_naturally() -> None:
    with pytest.raises(PermissionDenied) as refused:
        require_role(person(Role.SUPERVISOR), Role.ADMIN, action="Managing accounts")
    assert str(refused.value) == "Managing accounts needs an admin account."


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_a_listed_role_passes(role: Role) -> None:
    require_role(person(role), Role.SUPERVISOR, Role.ADMIN, action="Editing phrasing rules")


def test_a_disabled_account_is_refused_whatever_its_role() -> None:
    with pytest.raises(PermissionDenied, match="this one is disabled"):
        require_role(person(Role.ADMIN, disabled=True), Role.ADMIN, action="Exporting the audit")


def test_an_unknown_stored_role_grants_nothing() -> None:
    stranger = User(display_name="Odd", role="owner")
    with pytest.raises(PermissionDenied):
        require_role(stranger, Role.SUPERVISOR, Role.ADMIN, action="Viewing the team")
    assert not can_view_team(stranger)


@pytest.mark.parametrize(
    ("role", "playbook", "accounts", "team"),
    [
        (Role.AGENT, False, False, False),
        (Role.SUPERVISOR, True, False, True),
        (Role.ADMIN, True, True, True),
    ],
)
def test_what_each_role_sees(role: Role, playbook: bool, accounts: bool, team: bool) -> None:
    user = person(role)
    assert (can_edit_playbook(user), can_manage_accounts(user), can_view_team(user)) == (
        playbook,
        accounts,
        team,
    )
    assert not any(
        check(person(role, disabled=True))
        for check in (can_edit_playbook, can_manage_accounts, can_view_team)
    )
