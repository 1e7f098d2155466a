"""Supervisors edit the phrasing rules in the database; bad rules are refused whole."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion import phrasing_rules
from companion.audit import AuditEvent
from companion.errors import InvalidInput, PermissionDenied
from companion.phrasing import PhrasingRule, load_default_rules
from companion.phrasing_rules import (
    SHIPPED_BY,
    PhrasingRuleRecord,
    PhrasingRuleRevision,
    active_coach,
    list_rules,
    rule_history,
    save_rule,
    set_enabled,
    try_sentence,
    with_draft,
)
from companion.users import Role, User, create_user
from tests.companion.conftest import Records

SOONER = PhrasingRule(
    id="as-soon-as-possible",
    pattern="asap",
    suggestion="by the end of today",
    why="A plain time gives the caller something to hold us to.",
)


@pytest.fixture
def supervisor(records: Records) -> User:
    return create_user("Sam Okafor", Role.SUPERVISOR)


def _counts() -> tuple[int, int, int]:
    return (
        PhrasingRuleRecord.select().count(),
        PhrasingRuleRevision.select().count(),
        AuditEvent.select().count(),
    )


def _flagged(text: str) -> list[str]:
    return [flag.text for flag in active_coach().check(text)]


def test_a_new_database_holds_the_shipped_rules_as_revision_one(supervisor: User) -> None:
    shipped = load_default_rules()
    views = list_rules(supervisor)
    assert [view.rule for view in views] == shipped
    assert {(view.revision, view.updated_by) for view in views} == {(1, SHIPPED_BY)}
    assert _flagged("Your card was declined.") == ["was declined"]


def test_a_supervisor_adds_a_rule_and_the_coach_flags_it(supervisor: User) -> None:
    assert _flagged("I will do it ASAP.") == []
    view = save_rule(supervisor, SOONER, expected_revision=0)
    assert (view.revision, view.updated_by) == (1, "Sam Okafor")
    assert _flagged("I will do it ASAP.") == ["ASAP"]
    event = AuditEvent.get(AuditEvent.object_type == "phrasing_rule")
    assert (event.action, event.actor_id) == ("create", supervisor.id)


def test_editing_keeps_every_earlier_version_with_who_and_when(supervisor: User) -> None:
    save_rule(supervisor, SOONER)
    admin = create_user("Ada Admin", Role.ADMIN)
    edited = dataclasses.replace(SOONER, pattern="asap|a s a p", suggestion="by five today")
    view = save_rule(admin, edited, expected_revision=1)
    assert view.revision == 2
    history = rule_history(supervisor, SOONER.id)
    assert [(h.revision, h.updated_by, h.rule.suggestion) for h in history] == [
        (1, "Sam Okafor", "by the end of today"),
        (2, "Ada Admin", "by five today"),
    ]
    assert history[0].updated_at <= history[1].updated_at
    assert _flagged("Done a s a p.") == ["a s a p"]


def test_saving_an_unchanged_rule_writes_nothing(supervisor: User) -> None:
    save_rule(supervisor, SOONER)
    before = _counts()
    assert save_rule(supervisor, SOONER).revision == 1
    assert _counts() == before


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("*ing", "would match every word"),
        ("can(cel", "cannot be used"),
        ("the", "everyday word 'the'"),
        ("thank*", "everyday word"),
        ("the parcel|number|address", "everyday word"),
        ("", "empty"),
    ],
)
def test_a_pattern_that_cannot_work_or_matches_everything_is_refused_and_nothing_written(
    supervisor: User, pattern: str, message: str
) -> None:
    before = _counts()
    with pytest.raises(InvalidInput, match=message):
        save_rule(supervisor, dataclasses.replace(SOONER, pattern=pattern))
    assert _counts() == before


def test_a_suggestion_that_another_rule_flags_is_refused(supervisor: User) -> None:
    clash = dataclasses.replace(SOONER, suggestion="your card was declined")
    before = _counts()
    with pytest.raises(InvalidInput, match="which rule 'declined-passive' flags"):
        save_rule(supervisor, clash)
    assert _counts() == before


def test_a_save_over_someone_elses_newer_edit_is_refused(supervisor: User) -> None:
    save_rule(supervisor, SOONER)
    save_rule(supervisor, dataclasses.replace(SOONER, suggestion="by noon"))
    late = dataclasses.replace(SOONER, suggestion="by tonight")
    with pytest.raises(
        InvalidInput, match=r"changed by Sam Okafor at .* UTC while you were editing"
    ):
        save_rule(supervisor, late, expected_revision=1)
    assert list_rules(supervisor)[-1].rule.suggestion == "by noon"


def test_a_new_rule_cannot_take_an_existing_id(supervisor: User) -> None:
    taken = dataclasses.replace(SOONER, id="calm-down")
    with pytest.raises(InvalidInput, match="'calm-down' already exists"):
        save_rule(supervisor, taken, expected_revision=0)
    assert rule_history(supervisor, "calm-down")[-1].revision == 1


def test_disabling_stops_the_flag_and_keeps_the_rule_and_its_history(supervisor: User) -> None:
    assert _flagged("Please calm down.") == ["calm down"]
    view = set_enabled(supervisor, "calm-down", False)
    assert (view.rule.enabled, view.revision) == (False, 2)
    assert _flagged("Please calm down.") == []
    assert [h.rule.enabled for h in rule_history(supervisor, "calm-down")] == [True, False]
    set_enabled(supervisor, "calm-down", True)
    assert _flagged("Please calm down.") == ["calm down"]
    assert len(rule_history(supervisor, "calm-down")) == 3


def test_re_enabling_is_checked_against_the_rules_enabled_since(supervisor: User) -> None:
    set_enabled(supervisor, "calm-down", False)
    save_rule(supervisor, dataclasses.replace(SOONER, pattern="hear how"))
    with pytest.raises(InvalidInput, match="which rule 'as-soon-as-possible' flags"):
        set_enabled(supervisor, "calm-down", True)
    assert _flagged("Please calm down.") == []


def test_each_change_counts_so_open_text_fields_can_pick_it_up(supervisor: User) -> None:
    seen = phrasing_rules.changes()
    save_rule(supervisor, SOONER)
    assert phrasing_rules.changes() == seen + 1
    set_enabled(supervisor, SOONER.id, False)
    assert phrasing_rules.changes() == seen + 2


def test_the_test_box_shows_what_a_draft_would_trigger_before_saving(supervisor: User) -> None:
    stored = [view.rule for view in list_rules(supervisor)]
    sentence = "I'll fix it asap, calm down."
    draft_lines = try_sentence(sentence, with_draft(stored, SOONER))
    assert [line.split(" → ")[0] for line in draft_lines] == ["'asap'", "'calm down'"]
    disabled = dataclasses.replace(stored[0], enabled=False)
    assert try_sentence("It was cancelled.", with_draft(stored, disabled)) == []
    with pytest.raises(InvalidInput, match="cannot be used"):
        try_sentence(sentence, [dataclasses.replace(SOONER, pattern="as(ap")])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pattern=st.one_of(st.from_regex(r"[a-z]{3,9}\*?( [a-z]{2,6})?", fullmatch=True), st.text()),
    rule_id=st.one_of(st.from_regex(r"[a-z]{1,12}(-[a-z0-9]{1,5})?", fullmatch=True), st.text()),
)
def test_any_typed_rule_is_saved_or_refused_with_a_message_never_half_written(
    supervisor: User, pattern: str, rule_id: str
) -> None:
    before = _counts()
    try:
        save_rule(supervisor, dataclasses.replace(SOONER, id=rule_id, pattern=pattern))
    except InvalidInput as exc:
        assert str(exc)
        assert _counts() == before
    else:
        stored = {view.rule.id: view.rule.pattern for view in list_rules(supervisor)}
        assert stored[rule_id.strip()] == pattern.strip()


@pytest.mark.parametrize(
    "call",
    [
        lambda agent: list_rules(agent),
        lambda agent: save_rule(agent, SOONER),
        lambda agent: set_enabled(agent, "calm-down", False),
    ],
    ids=["list_rules", "save_rule", "set_enabled"],
)
def test_an_agent_cannot_edit_rules(records: Records, call: object) -> None:
    agent = records.agent("Tom Becker")
    before = _counts()
    with pytest.raises(PermissionDenied, match="needs a supervisor or admin account"):
        call(agent)  # type: ignore[operator]
    assert _counts() == before
