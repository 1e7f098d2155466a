"""Accounts: signing in, and the admin rules that keep a site from locking itself out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher

from companion import accounts
from companion.accounts import (
    LOGIN_FAILED_MESSAGE,
    LoginFailed,
    authenticate,
    change_role,
    create_account,
    disable_account,
    enable_account,
    list_accounts,
    login_required,
    set_password,
)
from companion.audit import AuditEvent, events_for
from companion.errors import InvalidInput, NotFound, PermissionDenied
from companion.migrations import Component, SchemaVersion, migrate
from companion.schema import CORE
from companion.users import Role, User, local_user
from tests.companion.conftest import Records

GOOD = "correct horse battery"


pytestmark = pytest.mark.usefixtures("cheap_hashing")


def admin(records: Records, name: str = "Alice") -> User:
    account = create_account(records.user, name, Role.ADMIN, GOOD)
    return User.get_by_id(account.id)


def agent(records: Records, name: str = "Bob", password: str | None = GOOD) -> User:
    account = create_account(records.user, name, Role.AGENT, password)
    return User.get_by_id(account.id)


def test_password_is_stored_as_argon2id_and_signs_in(records: Records) -> None:
    alice = admin(records)
    assert alice.password_hash.startswith("$argon2id$")
    assert GOOD not in alice.password_hash
    assert authenticate("Alice", GOOD).id == alice.id
    assert authenticate("  ALICE ", GOOD).id == alice.id


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("Nobody", GOOD),
        ("Alice", "correct horse battery!"),
        ("Alice", ""),
        ("Local desk", GOOD),
        ("Alice", "x" * 5000),
    ],
    ids=["unknown name", "wrong password", "empty password", "no password set", "huge"],
)
def test_every_refused_login_says_the_same_thing(
    records: Records, name: str, password: str
) -> None:
    admin(records)
    with pytest.raises(LoginFailed) as refused:
        authenticate(name, password)
    assert str(refused.value) == LOGIN_FAILED_MESSAGE


def test_disabled_account_cannot_sign_in_even_with_its_password(records: Records) -> None:
    alice = admin(records)
    bob = agent(records)
    disable_account(alice, bob.id)
    with pytest.raises(LoginFailed) as refused:
        authenticate("Bob", GOOD)
    assert str(refused.value) == LOGIN_FAILED_MESSAGE
    enable_account(alice, bob.id)
    assert authenticate("Bob", GOOD).id == bob.id


def test_sign_in_switches_on_with_the_first_password_and_off_with_the_last(
    records: Records,
) -> None:
    agent(records, "Carol", password=None)
    assert not login_required()
    alice = admin(records)
    assert login_required()
    disable_account(records.user, alice.id)
    assert not login_required()


def test_an_outdated_hash_is_upgraded_at_sign_in(
    records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = admin(records)
    old_hash = alice.password_hash
    monkeypatch.setattr(
        accounts,
        "password_hasher",
        lambda: PasswordHasher(time_cost=2, memory_cost=8192, parallelism=1),
    )
    authenticate("Alice", GOOD)
    new_hash = User.get_by_id(alice.id).password_hash
    assert new_hash != old_hash and "t=2" in new_hash
    assert authenticate("Alice", GOOD).id == alice.id


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short", "at least 8 characters"),
        ("x" * 1025, "at most 1,024 characters"),
        ("long enough\x00", "control characters"),
        ("long enough\n", "control characters"),
    ],
)
def test_unusable_passwords_are_refused_and_nothing_is_created(
    records: Records, password: str, says: str
) -> None:
    before = User.select().count()
    with pytest.raises(InvalidInput, match=says):
        create_account(records.user, "Alice", Role.ADMIN, password)
    assert User.select().count() == before


def test_longest_allowed_password_works(records: Records) -> None:
    create_account(records.user, "Alice", Role.ADMIN, "p" * 1024)
    assert authenticate("Alice", "p" * 1024).display_name == "Alice"


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "empty"),
        ("\t\x07 ", "empty"),
        ("A" * 201, "the limit is 200"),
        ("ALICE", "already exists"),
        ("Alicé", "already exists"),
    ],
)
def test_unusable_names_are_refused(records: Records, name: str, says: str) -> None:
    admin(records)
    before = User.select().count()
    with pytest.raises(InvalidInput, match=says):
        create_account(records.user, name, Role.AGENT)
    assert User.select().count() == before


def test_control_characters_are_dropped_from_names(records: Records) -> None:
    account = create_account(records.user, "Dana\x07\x1b Ng", Role.AGENT)
    assert account.display_name == "Dana Ng"


def test_an_unknown_role_lists_the_choices(records: Records) -> None:
    with pytest.raises(InvalidInput, match="use one of: agent, supervisor, admin"):
        create_account(records.user, "Eve", "boss")


def test_you_cannot_disable_yourself(records: Records) -> None:
    alice = admin(records)
    admin(records, "Carol")
    with pytest.raises(InvalidInput, match="cannot disable your own account"):
        disable_account(alice, alice.id)
    assert authenticate("Alice", GOOD).id == alice.id


def test_the_last_admin_who_can_sign_in_stays(records: Records) -> None:
    alice = admin(records)
    agent(records)
    with pytest.raises(InvalidInput, match="Alice is the last active admin who can sign in"):
        disable_account(records.user, alice.id)
    with pytest.raises(InvalidInput, match="Alice is the last active admin who can sign in"):
        change_role(records.user, alice.id, Role.SUPERVISOR)
    assert authenticate("Alice", GOOD).role == Role.ADMIN.value
    carol = admin(records, "Carol")
    change_role(carol, alice.id, Role.SUPERVISOR)
    assert User.get_by_id(alice.id).role == Role.SUPERVISOR.value


def test_the_local_desk_account_stays_an_enabled_admin(records: Records) -> None:
    alice = admin(records)
    with pytest.raises(InvalidInput, match="local desk account stays an enabled admin"):
        disable_account(alice, records.user.id)
    with pytest.raises(InvalidInput, match="local desk account stays an enabled admin"):
        change_role(alice, records.user.id, Role.AGENT)
    desk = local_user()
    assert desk.role == Role.ADMIN.value and not desk.disabled


def test_a_password_for_an_agent_needs_an_admin_who_can_sign_in_first(records: Records) -> None:
    with pytest.raises(InvalidInput, match="Give an admin account a password first"):
        create_account(records.user, "Bob", Role.AGENT, GOOD)
    assert User.select().where(User.display_name == "Bob").count() == 0
    bob = agent(records, password=None)
    with pytest.raises(InvalidInput, match="Give an admin account a password first"):
        set_password(records.user, bob.id, GOOD)
    assert not login_required()


def test_re_enabling_cannot_lock_out_the_admins(records: Records) -> None:
    alice = admin(records)
    bob = agent(records)
    disable_account(alice, bob.id)
    disable_account(records.user, alice.id)
    with pytest.raises(InvalidInput, match="Give an admin account a password first"):
        enable_account(records.user, bob.id)
    assert not login_required()


SERVICES: dict[str, Callable[[User, User], Any]] = {
    "create": lambda actor, _other: create_account(actor, "Zed", Role.ADMIN, GOOD),
    "list": lambda actor, _other: list_accounts(actor),
    "disable": lambda actor, other: disable_account(actor, other.id),
    "enable": lambda actor, other: enable_account(actor, other.id),
    "change role": lambda actor, other: change_role(actor, other.id, Role.ADMIN),
    "reset password": lambda actor, other: set_password(actor, other.id, "new password 1"),
}


@pytest.mark.parametrize("service", SERVICES.values(), ids=SERVICES.keys())
@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_only_admins_manage_accounts(
    records: Records, service: Callable[[User, User], Any], role: Role
) -> None:
    admin(records)
    actor = User.get_by_id(create_account(records.user, "Sam", role, GOOD).id)
    other = agent(records, "Bob")
    before = (User.select().count(), AuditEvent.select().count())
    with pytest.raises(PermissionDenied, match="needs an admin account"):
        service(actor, other)
    assert (User.select().count(), AuditEvent.select().count()) == before
    assert authenticate("Bob", GOOD).role == Role.AGENT.value


def test_an_admin_disabled_elsewhere_loses_admin_powers_at_once(records: Records) -> None:
    alice = admin(records)
    admin(records, "Carol")
    disable_account(records.user, alice.id)
    with pytest.raises(PermissionDenied, match="disabled"):
        create_account(alice, "Zed", Role.AGENT)


def test_anyone_may_change_their_own_password(records: Records) -> None:
    admin(records)
    bob = agent(records)
    set_password(bob, bob.id, "a brand new one")
    assert authenticate("Bob", "a brand new one").id == bob.id
    with pytest.raises(LoginFailed):
        authenticate("Bob", GOOD)


def test_unknown_account_id_is_not_found(records: Records) -> None:
    with pytest.raises(NotFound, match="No account has the id"):
        disable_account(records.user, "no-such-id")


def test_list_shows_role_and_state_without_secrets(records: Records) -> None:
    alice = admin(records)
    bob = agent(records)
    disable_account(alice, bob.id)
    listed = {a.display_name: a for a in list_accounts(alice)}
    assert [a.display_name for a in list_accounts(alice)] == ["Alice", "Bob", "Local desk"]
    assert listed["Bob"].disabled and listed["Bob"].has_password
    assert not listed["Local desk"].has_password and listed["Local desk"].role is Role.ADMIN
    assert "password_hash" not in vars(listed["Alice"])


def test_every_change_is_audited_without_the_password(records: Records) -> None:
    alice = admin(records)
    bob = agent(records)
    set_password(alice, bob.id, "reset by alice")
    change_role(alice, bob.id, Role.SUPERVISOR)
    disable_account(alice, bob.id)
    enable_account(alice, bob.id)
    events = events_for(bob.id)
    assert [(e.actor_name, e.action, e.details.get("change")) for e in events] == [
        ("Local desk", "create", None),
        ("Alice", "change", "password"),
        ("Alice", "change", "role"),
        ("Alice", "change", "disabled"),
        ("Alice", "change", "enabled"),
    ]
    assert events[0].details == {"has_password": True, "name": "Bob", "role": "agent"}
    assert events[2].details == {"change": "role", "old": "agent", "new": "supervisor"}
    stored = " ".join(json.dumps(e.details) for e in events)
    assert GOOD not in stored and "reset by alice" not in stored and "$argon2" not in stored


def test_an_older_database_gains_the_account_columns(records: Records) -> None:
    records.database.execute_sql("ALTER TABLE users DROP COLUMN password_hash")
    records.database.execute_sql("ALTER TABLE users DROP COLUMN disabled")
    SchemaVersion.update(version=3).where(SchemaVersion.component == "core").execute()
    # Only up to 4: later migrations are not this test's business and must not re-run.
    up_to_accounts = Component(CORE.name, [m for m in CORE.migrations if m.version <= 4])
    migrate(records.database, [up_to_accounts], records.url)
    desk = local_user()
    assert desk.password_hash is None and desk.disabled is False
    assert not login_required()
    alice = admin(records)
    assert authenticate("Alice", GOOD).id == alice.id
