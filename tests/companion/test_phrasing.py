"""The phrasing coach: what an agent sees underlined in their notes, and what it offers instead."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.errors import InvalidInput
from companion.phrasing import (
    Flag,
    PhrasingRule,
    Severity,
    apply_replacement,
    code_point_offset,
    compile_rules,
    default_coach,
    explain,
    flag_at,
    load_default_rules,
    rules_from_data,
    utf16_offsets,
    utf16_spans,
    validate_rule,
    validate_rules,
)


def flagged(text: str) -> list[str]:
    return [flag.text for flag in default_coach().check(text)]


def rule(pattern: str, suggestion: str = "calmer words", **fields: Any) -> PhrasingRule:
    values = {"id": "test-rule", "why": "Because it helps.", **fields}
    return PhrasingRule(pattern=pattern, suggestion=suggestion, **values)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("The plan was canceled last week.", "canceled"),
        ("Policy cancelled on the 3rd.", "cancelled"),
        ("She asked about the cancellation fee.", "cancellation"),
        ("Card declined twice at the till.", "declined"),
        ("The transfer failed overnight.", "failed"),
        ("The handset is broken.", "broken"),
        ("You should restart the router.", "You should"),
        ("Why haven't you sent the form?", "Why haven't you"),
        ("Sir, you're not in compliance with the terms.", "you're not in compliance"),
        ("Sir, you’re not in compliance with the terms.", "you’re not in compliance"),
        ("Please calm down and let me look.", "calm down"),
        ("The policy says no refunds after 30 days.", "policy says"),
        ("Frankly the whole mix-up is asinine.", "asinine"),
    ],
)
def test_each_phrase_from_the_source_material_is_flagged(note: str, expected: str) -> None:
    assert flagged(note) == [expected]


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("CANCELLED", "CANCELLED"),
        ("Two cancellations this month.", "cancellations"),
        ("Your card has been declined.", "has been declined"),
        ("The update failed to install.", "failed to"),
        ("You should have called sooner.", "You should have"),
        ("youre not in compliance", "youre not in compliance"),
        ("Honestly I cant help you", "I cant help you"),
    ],
)
def test_inflected_and_hurriedly_typed_forms_are_flagged_whole(note: str, expected: str) -> None:
    assert flagged(note) == [expected]


def test_a_star_at_the_end_of_a_word_matches_any_ending() -> None:
    coach = compile_rules([rule("cancel*")])
    text = "cancel, cancels, Cancelled, cancellation, cancelling; cancer, uncancelled"
    assert [flag.text for flag in coach.check(text)] == [
        "cancel",
        "cancels",
        "Cancelled",
        "cancellation",
        "cancelling",
    ]


def test_a_hyphen_matches_a_hyphen_a_space_or_nothing() -> None:
    coach = compile_rules([rule("non-compliant")])
    text = "non-compliant, non compliant, noncompliant, non  -compliant"
    assert [flag.text for flag in coach.check(text)] == [
        "non-compliant",
        "non compliant",
        "noncompliant",
    ]


def test_only_whole_words_match_and_a_phrase_never_spans_a_line_break() -> None:
    assert flagged("The seal was unbroken; brokenness is not a word we use.") == []
    assert flagged("Customer should receive it Monday.") == []
    assert flagged("you should") == ["you should"]
    assert flagged("Told him you\nshould wait.") == []


CALM_NOTES = [
    "Customer called about a late parcel; new delivery date is Thursday.",
    "Verified identity with date of birth and the last four digits of the card.",
    "Walked her through the bill broken down by month.",
    "Customer declined the survey at the end of the call.",
    "Customer should receive the replacement card within five working days.",
    "He broke even on the trade-in once the credit was applied.",
    "Router restarted; lights are green and the speed test looks good.",
    "Refund of €24.99 issued to the original card, reference R-20931.",
    "Caller asked for a supervisor, so I transferred him to Dana in billing.",
    "Confirmed the new address and mobile number 👍",
    "Apologised for the wait and thanked her for her patience.",
    "Plan moved to unlimited data from the next billing cycle.",
    "Noted the phone was bought in March and stopped charging in June.",
    "Booked an engineer visit for Friday morning between 8 and 12.",
    "Is there anything else I can help you with today?",
    "The payment went through on the second attempt.",
    "She felt calmer once the refund was confirmed.",
    "Sent a follow-up email with the tracking link and my direct extension.",
    "Customer will call back after speaking to his landlord.",
    "Explained the early exit fee and offered a payment plan; he will think it over.",
    "Ticket passed to the network team with the fault details and test results.",
    "Cliente satisfecho con la solución; llamará mañana.",
    "לקוח ביקש חשבונית מעודכנת",
]


@pytest.mark.parametrize("note", CALM_NOTES)
def test_ordinary_calm_notes_are_left_alone(note: str) -> None:
    assert explain(note) == []


def test_the_suggestion_follows_the_capitalisation_the_agent_typed() -> None:
    replacements = [
        flag.replacement for flag in default_coach().check("Cancelled. cancelled. CANCELLED")
    ]
    assert replacements == ["No longer active", "no longer active", "NO LONGER ACTIVE"]


def test_a_phrase_opening_with_i_takes_its_capital_from_the_sentence() -> None:
    coach = default_coach()
    assert coach.check("I can't help you.")[0].replacement == "Let me find who can help you"
    assert coach.check("Sorry, I can't help you.")[0].replacement == "let me find who can help you"


def test_applying_a_replacement_rewrites_only_the_flagged_words() -> None:
    text = "Your account is cancelled, sorry."
    [flag] = default_coach().check(text)
    assert apply_replacement(text, flag) == "Your account is no longer active, sorry."


def test_a_stale_flag_is_refused_instead_of_overwriting_other_words() -> None:
    text = "Your account is cancelled."
    [flag] = default_coach().check(text)
    with pytest.raises(InvalidInput, match="text changed since “cancelled” was flagged"):
        apply_replacement("Hi! " + text, flag)


def test_a_flag_without_a_drop_in_replacement_cannot_be_applied() -> None:
    text = "Please calm down."
    [flag] = default_coach().check(text)
    assert not flag.rule.replaceable
    with pytest.raises(InvalidInput, match="rephrase it by hand"):
        apply_replacement(text, flag)


def test_the_earliest_then_longest_phrase_wins_and_flags_never_overlap() -> None:
    text = "You failed to sign, so it failed. The card has been declined."
    assert [(flag.text, flag.rule.id) for flag in default_coach().check(text)] == [
        ("You failed to", "you-forgot"),
        ("failed", "failed"),
        ("has been declined", "declined-passive"),
    ]


def test_an_exception_can_sit_after_or_before_the_flagged_word() -> None:
    coach = compile_rules([rule("broke", "stopped working", unless="broke even|flat broke")])
    text = "He is flat broke. It broke. We broke even. It broke again."
    assert [flag.start for flag in coach.check(text)] == [21, 46]


def test_offsets_count_emoji_and_right_to_left_text_before_the_match() -> None:
    text = "👩‍🔧 שלום مرحبا: card declined"
    [flag] = default_coach().check(text)
    assert text[flag.start : flag.end] == "declined"
    assert flag.start == 21
    # 👩 and 🔧 are two UTF-16 units each; everything else before the match is one.
    assert utf16_offsets(text, flag) == (23, 8)
    assert code_point_offset(text, 23) == flag.start


def test_utf16_spans_match_one_flag_at_a_time() -> None:
    text = "😀 cancelled 🙃🙃 broken and 𝔘 failed"
    flags = default_coach().check(text)
    assert len(flags) == 3
    assert utf16_spans(text, flags) == [utf16_offsets(text, flag) for flag in flags]


def test_control_characters_and_nul_bytes_do_not_stop_the_check() -> None:
    assert flagged("\x00cancelled\x07 and can\x00celled\x1b") == ["cancelled"]


def test_the_flag_under_the_cursor_includes_a_cursor_right_after_the_word() -> None:
    text = "It is broken, and the card declined."
    flags = default_coach().check(text)
    assert flag_at(flags, text.index("broken") + 2) is flags[0]
    assert flag_at(flags, text.index(",")) is flags[0]
    assert flag_at(flags, text.index("and")) is None
    assert flag_at(flags, len(text) - 1) is flags[1]


def test_the_test_box_says_what_fires_what_to_say_and_why() -> None:
    rules = {r.id: r for r in load_default_rules()}
    assert explain("Card declined. Calm down!") == [
        f"'declined' → 'didn't go through': {rules['declined'].why}",
        f"'Calm down' → rephrase, e.g. 'I can hear how frustrating this is' "
        f"(no one-key replace): {rules['calm-down'].why}",
    ]


def test_disabled_rules_do_not_flag() -> None:
    coach = compile_rules([rule("broken", enabled=False), rule("failed", id="failed")])
    assert [flag.text for flag in coach.check("broken and failed")] == ["failed"]


def test_every_default_rule_is_valid_and_no_suggestion_trips_another_rule() -> None:
    rules = load_default_rules()
    assert 30 <= len(rules) <= 40
    for each in rules:
        validate_rule(each)
    validate_rules(rules)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (rule("   "), r"Phrasing rule 'test-rule': the pattern is empty"),
        (rule("*"), r"'\*' .*would match every word"),
        (rule("ca*"), r"at least 3 letters before '\*'"),
        (rule("can*cel"), r"'\*' in 'can\*cel' is not at the end"),
        (rule("cancel(led)"), r"'\(' in 'cancel\(led\)' cannot be used"),
        (rule("-cancel"), r"must start with a letter or digit"),
        (rule("non-"), r"hyphen in 'non-' must sit between letters"),
        (rule("broken||failed"), r"empty alternative"),
        (rule("broken|" * 50 + "failed"), r"the limit is 300"),
        (rule("the"), r"everyday word 'the'"),
        (rule("you*"), r"everyday word 'you'"),
        (rule("confirmed|arrive|morning|bills|appointment"), r"flags 5 of 20 ordinary sentences"),
        (rule("broken", suggestion=" "), r"the suggestion is empty"),
        (rule("broken", suggestion="broken down"), r"would itself be flagged"),
        (rule("broken", why=""), r"the reason is empty"),
        (rule("broken", id="Calm Down"), r"the id must be lowercase letters"),
        (rule("broken", severity="loud"), r"severity must be one of: info, warn"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_with_what_to_fix(
    bad: PhrasingRule, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        validate_rule(bad)


def test_a_rule_set_with_a_repeated_id_or_a_suggestion_another_rule_flags_is_refused() -> None:
    with pytest.raises(InvalidInput, match="share the id 'test-rule'"):
        validate_rules([rule("broken"), rule("failed")])
    clash = [rule("broken", "failed here", id="broken"), rule("failed", "unsuccessful")]
    with pytest.raises(InvalidInput, match="contains “failed”, which rule 'test-rule' flags"):
        validate_rules(clash)


def test_rules_read_from_yaml_data_take_defaults_and_name_a_bad_entry() -> None:
    [loaded] = rules_from_data(
        {"rules": [{"id": "x", "pattern": "broken", "suggestion": "not working", "why": "w"}]},
        "import.yaml",
    )
    assert (loaded.replaceable, loaded.severity, loaded.enabled, loaded.unless) == (
        True,
        Severity.WARN,
        True,
        "",
    )
    base = {"id": "x", "pattern": "p", "suggestion": "s", "why": "w"}
    for entry, message in [
        ({**base, "colour": "red"}, r"import.yaml, rule 1 \(x\): unknown field\(s\) colour"),
        ({"id": "x", "pattern": "p", "why": "w"}, r"the 'suggestion' field is missing"),
        ({**base, "replaceable": "no"}, r"'replaceable' must be true or false"),
        ({**base, "severity": "loud"}, r"rule 1 \(x\): 'loud' is not a valid severity"),
        ({**base, "pattern": 5}, r"'pattern' must be text"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            rules_from_data({"rules": [entry]}, "import.yaml")
    with pytest.raises(InvalidInput, match="expected a top-level 'rules:' list"):
        rules_from_data(["broken"], "import.yaml")


PHRASES = [
    "cancelled",
    "Declined",
    "has been declined",
    "broken down",
    "you should have",
    "You’re not in compliance",
    "I can't help you",
    "CALM DOWN",
    "failed to",
    "asinine",
]
notes = st.lists(
    st.one_of(st.text(max_size=12), st.sampled_from(PHRASES), st.sampled_from([" ", "\n", "😀"])),
    max_size=12,
).map("".join)


def assert_well_formed(text: str, flags: list[Flag]) -> None:
    position = 0
    for flag in flags:
        assert position <= flag.start < flag.end <= len(text)
        assert text[flag.start : flag.end] == flag.text
        position = flag.end


@given(notes)
def test_any_text_gives_sorted_in_bounds_non_overlapping_flags(text: str) -> None:
    flags = default_coach().check(text)
    assert_well_formed(text, flags)
    for flag in flags:
        units = text.encode("utf-16-le")
        start, length = utf16_offsets(text, flag)
        assert units[2 * start : 2 * (start + length)].decode("utf-16-le") == flag.text


@given(notes)
def test_replacing_a_flag_changes_only_its_span(text: str) -> None:
    for flag in default_coach().check(text):
        if not flag.rule.replaceable:
            continue
        result = apply_replacement(text, flag)
        assert result[: flag.start] == text[: flag.start]
        assert result[flag.start : flag.start + len(flag.replacement)] == flag.replacement
        assert result[flag.start + len(flag.replacement) :] == text[flag.end :]


@given(notes)
def test_checking_paragraph_by_paragraph_finds_what_checking_the_whole_note_finds(
    text: str,
) -> None:
    whole = [(flag.start, flag.end, flag.rule.id) for flag in default_coach().check(text)]
    by_paragraph = []
    offset = 0
    for paragraph in text.split("\n"):
        by_paragraph += [
            (offset + flag.start, offset + flag.end, flag.rule.id)
            for flag in default_coach().check(paragraph)
        ]
        offset += len(paragraph) + 1
    assert whole == by_paragraph


@given(st.text(max_size=40), notes)
def test_any_typed_pattern_is_either_refused_with_a_message_or_checks_safely(
    pattern: str, text: str
) -> None:
    candidate = rule(pattern)
    try:
        validate_rule(candidate)
    except InvalidInput as exc:
        assert str(exc)
        return
    assert_well_formed(text, compile_rules([candidate]).check(text))
