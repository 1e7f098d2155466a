"""Cleaning typed text: what is kept, what is dropped, what is refused and why."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.errors import InvalidInput
from companion.text import NOTE_MAX, clean_text, fold, prefix_bounds, search_key


def test_control_characters_are_dropped_but_lines_and_tabs_stay() -> None:
    assert clean_text("a\x07b\x1bc\r\nd\te\x7f", "The note", max_length=100) == "abc\nd\te"


def test_single_line_fields_turn_line_breaks_into_spaces() -> None:
    assert clean_text("  Ana\n  María\t López ", "Name", max_length=100, multiline=False) == (
        "Ana María López"
    )


def test_nul_byte_is_refused_with_a_message_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"The note contains a NUL byte.*Remove it"):
        clean_text("abc\x00def", "The note", max_length=100)


def test_a_note_of_exactly_the_limit_is_kept_and_one_more_is_refused() -> None:
    assert len(clean_text("x" * NOTE_MAX, "The note", max_length=NOTE_MAX)) == NOTE_MAX
    with pytest.raises(InvalidInput, match=r"100,001 characters long; the limit is 100,000"):
        clean_text("x" * (NOTE_MAX + 1), "The note", max_length=NOTE_MAX)


def test_required_text_that_is_only_blanks_is_refused() -> None:
    with pytest.raises(InvalidInput, match="The customer's name is empty"):
        clean_text(" \n\t ", "The customer's name", max_length=10, required=True)


def test_broken_surrogates_from_a_bad_paste_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not valid text"):
        clean_text("abc\udc80", "The note", max_length=100)


def test_emoji_and_right_to_left_text_are_kept_exactly() -> None:
    text = "דוד כהן 👩‍🔧 مرحبا \u200fok"
    assert clean_text(text, "The note", max_length=100) == text


def test_fold_ignores_case_and_accents() -> None:
    assert fold("  José  MÜLLER ") == fold("jose muller") == "jose muller"


@given(st.text())
def test_cleaned_text_has_no_control_characters_and_is_stable(text: str) -> None:
    try:
        once = clean_text(text, "The note", max_length=10_000)
    except InvalidInput:
        return
    assert all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in once)
    assert clean_text(once, "The note", max_length=10_000) == once


@given(st.text(max_size=6), st.text(max_size=12))
def test_prefix_bounds_hold_exactly_the_texts_with_that_prefix(prefix: str, text: str) -> None:
    try:
        key = search_key(text)
        low, high = prefix_bounds(prefix)
    except UnicodeEncodeError:
        return
    inside = low <= key and (high is None or key < high)
    assert inside == text.startswith(prefix)
