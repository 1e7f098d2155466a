"""Phone numbers typed the way callers read them out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.errors import InvalidInput
from companion.phones import format_phone, normalise_phone, phone_query


@pytest.mark.parametrize(
    "typed", ["(555) 010-2030", "+1 555 0102030", "5550102030", "555.010.2030"]
)
def test_every_usual_way_of_writing_a_number_gives_one_e164(typed: str) -> None:
    assert normalise_phone(typed).e164 == "+15550102030"


def test_an_extension_is_kept_apart_from_the_number() -> None:
    phone = normalise_phone("555-010-2030 ext. 12")
    assert (phone.e164, phone.extension) == ("+15550102030", "12")
    assert phone.display("US") == "(555) 010-2030 ext. 12"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("call me maybe", "is not a phone number"),
        ("", "is empty"),
        ("12", "too few digits"),
        ("010-2030", "lacks its area code"),
        ("+1 555 010 2030 4455 66", "too many digits"),
    ],
)
def test_text_that_is_not_a_usable_number_is_refused_with_an_example(
    typed: str, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason) as caught:
        normalise_phone(typed, "US")
    assert "e.g." in str(caught.value)


def test_the_default_region_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_PHONE_REGION", "GB")
    assert normalise_phone("020 7946 0958").e164 == "+442079460958"
    assert format_phone("+442079460958") == "020 7946 0958"
    assert format_phone("+15550102030") == "+1 555-010-2030"


def test_an_unknown_region_setting_is_refused_not_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPANION_PHONE_REGION", "XX")
    with pytest.raises(InvalidInput, match="COMPANION_PHONE_REGION='XX'"):
        normalise_phone("5550102030")


def test_search_text_that_is_mostly_letters_is_not_a_phone_query() -> None:
    assert phone_query("Apartment 2030 Smith", "US") is None
    assert phone_query("203", "US") is None


def test_a_national_number_with_trunk_zero_is_searched_by_its_national_digits() -> None:
    query = phone_query("020 7946 0958", "GB")
    assert query is not None
    assert query.e164 == "+442079460958"
    assert "2079460958" in query.suffixes


@given(
    st.integers(min_value=200, max_value=999),
    st.integers(min_value=0, max_value=9_999_999),
    st.sampled_from(
        ["({a}) {b}-{c}", "+1 {a} {b} {c}", "1-{a}-{b}-{c}", "{a}{b}{c}", "{a}.{b}.{c}"]
    ),
)
def test_formatting_never_changes_which_number_it_is(area: int, rest: int, pattern: str) -> None:
    digits = f"{rest:07d}"
    typed = pattern.format(a=area, b=digits[:3], c=digits[3:])
    assert normalise_phone(typed, "US").e164 == f"+1{area}{digits}"
