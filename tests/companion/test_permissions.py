"""require_role: judged on the stored account, naming what the work needs; predicates agree."""

from __future__ import annotations

import pytest

from companion.errors import PermissionDenied
from companion.permissions import (
    AccountRevoked,
    RoleChanged,
    can_edit_playbook,
    can_manage_accounts,
    can_view_team,
    require_role,
)
from companion.users import Role, User, create_user
from tests.companion.conftest import Records


def person(role: Role, *, disabled: bool = False) -> User:
    """An unsaved user, for the predicates, which never read the database."""
    return User(display_name=f"A {role.value}", role=role.value, disabled=disabled)


def test_the_refusal_says_which_accounts_may_do_it(records: Records) -> None:
    agent = create_user("Ann", Role.AGENT)
    with pytest.raises(PermissionDenied) as refused:
        require_role(agent, Role.SUPERVISOR, Role.ADMIN, action="Publishing articles")
    assert type(refused.value) is PermissionDenied
    assert str(refused.value) == "Publishing articles needs a supervisor or admin account."


def test_a_single_role_reads_naturally(records: Records) -> None:
    supervisor = create_user("Sam", Role.SUPERVISOR)
    with pytest.raises(PermissionDenied) as refused:
        require_role(supervisor, Role.ADMIN, action="Managing accounts")
    assert str(refused.value) == "Managing accounts needs an admin account."


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_a_listed_role_passes_and_comes_back_as_stored(records: Records, role: Role) -> None:
    user = create_user("Pat", role)
    fresh = require_role(user, Role.SUPERVISOR, Role.ADMIN, action="Editing phrasing rules")
    assert fresh.id == user.id and fresh is not user


def test_a_stale_session_is_judged_by_the_role_stored_now(records: Records) -> None:
    signed_in = create_user("Grace", Role.SUPERVISOR)
    User.update(role=Role.AGENT.value).where(User.id == signed_in.id).execute()
    with pytest.raises(RoleChanged) as refused:
        require_role(signed_in, Role.SUPERVISOR, Role.ADMIN, action="Publishing articles")
    assert str(refused.value) == (
        "Publishing articles needs a supervisor or admin account; an admin has changed "
        "Grace's account from supervisor to agent."
    )


def test_a_promotion_counts_at_once_too(records: Records) -> None:
    signed_in = create_user("Ravi", Role.AGENT)
    User.update(role=Role.SUPERVISOR.value).where(User.id == signed_in.id).execute()
    fresh = require_role(signed_in, Role.SUPERVISOR, action="Viewing the team")
    assert fresh.role == Role.SUPERVISOR.value


def test_an_account_disabled_since_sign_in_is_revoked_whatever_its_role(
    records: Records,
) -> None:
    signed_in = create_user("Ada", Role.ADMIN)
    User.update(disabled=True).where(User.id == signed_in.id).execute()
    assert not signed_in.disabled  # the window's copy still says enabled
    with pytest.raises(AccountRevoked) as refused:
        require_role(signed_in, *Role, action="Adding call entries")
    assert str(refused.value) == (
        "Adding call entries needs an active account; an admin has disabled Ada's account. "
        "Sign in again with an active account."
    )


def test_an_account_that_no_longer_exists_is_revoked(records: Records) -> None:
    gone = create_user("Temp", Role.ADMIN)
    User.delete().where(User.id == gone.id).execute()
    with pytest.raises(AccountRevoked, match="the account 'Temp' no longer exists"):
        require_role(gone, Role.ADMIN, action="Managing accounts")


def test_an_unknown_stored_role_grants_nothing(records: Records) -> None:
    stranger = create_user("Odd", Role.ADMIN)
    User.update(role="owner").where(User.id == stranger.id).execute()
    with pytest.raises(PermissionDenied, match="Viewing the team needs a supervisor"):
        require_role(stranger, Role.SUPERVISOR, Role.ADMIN, action="Viewing the team")
    assert not can_view_team(User.get_by_id(stranger.id))


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
