"""Possible duplicates of a customer: shared phone, shared e-mail, similar name; never merged ones."""

from __future__ import annotations

from companion.duplicates import possible_duplicates
from companion.merge import merge_customers
from tests.companion.conftest import Records


def test_a_shared_phone_is_named_with_the_number(records: Records) -> None:
    ana = records.customer("Ana Ruiz", phones=["555 010 1000"])
    other = records.customer("Beatriz Solano", phones=["555 010 1000"])
    found = possible_duplicates(records.user, other.id)
    assert [d.id for d in found] == [ana.id]
    assert found[0].sentence().startswith("Possible duplicate of Ana Ruiz — same phone")


def test_a_shared_email_and_a_similar_name_are_found(records: Records) -> None:
    mail = records.customer("Carlos Vega", emails=["cv@example.com"])
    similar = records.customer("Jonathan Smithers")
    me = records.customer("Jonathon Smithers", emails=["CV@example.com"])
    found = {d.id: d.reason for d in possible_duplicates(records.user, me.id)}
    assert found[mail.id] == "same e-mail CV@example.com"
    assert "very similar name" in found[similar.id]


def test_distinct_customers_have_no_duplicates(records: Records) -> None:
    records.customer("Ana Ruiz", phones=["555 010 1000"])
    other = records.customer("Mikhail Petrov", phones=["555 010 2000"])
    assert possible_duplicates(records.user, other.id) == []


def test_merged_records_are_not_offered(records: Records) -> None:
    keep = records.customer("Ana Ruiz", phones=["555 010 1000"])
    dup = records.customer("Ana Ruiz", phones=["555 010 1000"])
    merge_customers(records.user, keep.id, dup.id)
    assert possible_duplicates(records.user, keep.id) == []
    assert possible_duplicates(records.user, dup.id) == []
