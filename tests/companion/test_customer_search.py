"""Finding a caller from whatever they say first: a number, an account, a name."""

from __future__ import annotations

import pytest

from companion.customer_search import MatchKind, find_customers
from companion.errors import InvalidInput
from tests.companion.conftest import Records


def names(records: Records, query: str) -> list[str]:
    return [m.customer.display_name for m in find_customers(records.user, query)]


@pytest.fixture
def callers(records: Records) -> Records:
    records.customer(
        "Ana María López", phones=["(555) 010-2030"], references=[("account", "ACC-100200")]
    )
    records.customer("Luis López", phones=["555 010 4455"], emails=["luis@example.com"])
    records.customer("John Smith", phones=["+44 20 7946 0958"], references=[("order", "ORD-77")])
    records.customer("Smithers Hardware", is_organisation=True)
    records.customer("Anastasia Papadopoulos")
    return records


@pytest.mark.parametrize("typed", ["(555) 010-2030", "+1 555 0102030", "5550102030", "2030"])
def test_a_phone_number_in_any_format_or_its_last_digits_finds_the_caller(
    callers: Records, typed: str
) -> None:
    assert names(callers, typed) == ["Ana María López"]


def test_a_foreign_number_is_found_from_its_international_form(callers: Records) -> None:
    assert names(callers, "+44 20 7946 0958") == ["John Smith"]
    assert names(callers, "7946 0958") == ["John Smith"]


@pytest.mark.parametrize("typed", ["ACC-100200", "acc 100200", "acc100200"])
def test_an_account_number_is_found_however_it_is_punctuated(callers: Records, typed: str) -> None:
    (match,) = find_customers(callers.user, typed)
    assert (match.customer.display_name, match.matched_on) == (
        "Ana María López",
        MatchKind.REFERENCE,
    )


def test_an_email_address_is_found_in_any_case(callers: Records) -> None:
    assert names(callers, "LUIS@example.COM") == ["Luis López"]


def test_a_name_prefix_finds_first_names_and_surnames_without_accents(callers: Records) -> None:
    assert set(names(callers, "lop")) == {"Ana María López", "Luis López"}
    assert names(callers, "ana m") == ["Ana María López"]
    assert names(callers, "maria lo") == ["Ana María López"]


def test_closer_names_rank_first_among_prefix_matches(callers: Records) -> None:
    assert names(callers, "smith")[:2] == ["John Smith", "Smithers Hardware"]


def test_a_misheard_name_still_finds_the_caller(callers: Records) -> None:
    matches = find_customers(callers.user, "Jon Smyth")
    assert matches[0].customer.display_name == "John Smith"
    assert matches[0].matched_on is MatchKind.SIMILAR_NAME


def test_an_exact_identifier_ranks_above_a_name_match(records: Records) -> None:
    records.customer("Order 77 Ltd")
    records.customer("Pat Kim", references=[("order", "ORDER 77")])
    assert names(records, "order 77") == ["Pat Kim", "Order 77 Ltd"]


def test_nothing_matching_gives_an_empty_list(callers: Records) -> None:
    assert find_customers(callers.user, "Zebediah") == []
    assert find_customers(callers.user, "   ") == []
    assert find_customers(callers.user, "9999") == []


def test_results_carry_phone_numbers_for_the_list(callers: Records) -> None:
    (match,) = find_customers(callers.user, "2030")
    assert match.customer.phones == ("(555) 010-2030",)


def test_result_limit_is_checked(callers: Records) -> None:
    assert len(find_customers(callers.user, "a", limit=1)) == 1
    with pytest.raises(InvalidInput, match="between 1 and 100"):
        find_customers(callers.user, "a", limit=0)
