"""Creating and changing customers: what is stored, what is warned about, what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from companion.audit import events_for
from companion.customers import CustomerDetails, create_customer, get_customer, update_customer
from companion.errors import InvalidInput, NotFound
from companion.text import NOTE_MAX
from tests.companion.conftest import Records


def test_a_customer_keeps_every_number_address_and_reference(records: Records) -> None:
    details = CustomerDetails.validate(
        "Brightside Dental Clinic",
        phones=["(555) 010-2030", "+44 20 7946 0958"],
        emails=["Front.Desk@Example.com"],
        references=[("account", "ACC-100200"), ("order", "ord 55"), ("reference", "T-9")],
        is_organisation=True,
        notes="Open Mon-Fri.\nAsk for Hannah.",
    )
    created = create_customer(records.user, details)
    customer = get_customer(records.user, created.customer.id)
    assert customer.display_name == "Brightside Dental Clinic"
    assert customer.is_organisation
    assert [p.e164 for p in customer.phones] == ["+15550102030", "+442079460958"]
    assert [p.display for p in customer.phones] == ["(555) 010-2030", "+44 20 7946 0958"]
    assert customer.emails == ("Front.Desk@Example.com",)
    assert [(r.kind, r.value) for r in customer.references] == [
        ("account", "ACC-100200"),
        ("order", "ord 55"),
        ("reference", "T-9"),
    ]
    assert customer.notes == "Open Mon-Fri.\nAsk for Hannah."
    assert created.duplicates == ()


@pytest.mark.parametrize("name", ["דוד כהן", "Zoë Ōta 👩‍🔧", "محمد الفارسي", "Siobhán O'Brien"])
def test_names_in_any_script_come_back_exactly(records: Records, name: str) -> None:
    customer = records.customer(name)
    assert get_customer(records.user, customer.id).display_name == name


def test_a_note_of_100000_characters_is_kept_whole(records: Records) -> None:
    note = ("Långt samtal 📞 " * 10_000)[:NOTE_MAX]
    customer = records.customer("Emma Johansson", notes=note)
    assert get_customer(records.user, customer.id).notes == note.strip()


def test_likely_duplicates_are_reported_but_the_customer_is_still_created(
    records: Records,
) -> None:
    original = records.customer("John Smith", phones=["555 010 2030"], emails=["js@example.com"])
    by_phone = create_customer(
        records.user, CustomerDetails.validate("J. Smith", phones=["+1 (555) 010-2030"])
    )
    by_email = create_customer(
        records.user, CustomerDetails.validate("Mr Smith", emails=["JS@EXAMPLE.COM"])
    )
    by_name = create_customer(records.user, CustomerDetails.validate("Jon Smith"))
    for result, reason in (
        (by_phone, "same phone number (555) 010-2030"),
        (by_email, "same e-mail address"),
        (by_name, "very similar name"),
    ):
        assert original.id in {d.customer.id for d in result.duplicates}
        assert any(reason in d.reason for d in result.duplicates)
    assert records.count_customers() == 4


def test_a_different_person_is_not_called_a_duplicate(records: Records) -> None:
    records.customer("John Smith", phones=["555 010 2030"])
    result = create_customer(
        records.user, CustomerDetails.validate("Maria Garcia", phones=["555 010 9999"])
    )
    assert result.duplicates == ()


@pytest.mark.parametrize(
    ("name", "extra", "message"),
    [
        ("", {}, "name is empty"),
        ("   \n ", {}, "name is empty"),
        ("A\x00B", {}, "NUL byte"),
        ("x" * 201, {}, "limit is 200"),
        ("Ana", {"phones": ["not a phone"]}, "is not a phone number"),
        ("Ana", {"emails": ["ana at example"]}, "is not an e-mail address"),
        ("Ana", {"references": [("passport", "X1")]}, "not a kind of reference"),
        ("Ana", {"references": [("account", "--")]}, "no letters or digits"),
        ("Ana", {"notes": "x" * (NOTE_MAX + 1)}, "limit is 100,000"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    records: Records, name: str, extra: dict[str, Any], message: str
) -> None:
    records.customer("Someone Else")
    before = records.snapshot()
    with pytest.raises(InvalidInput, match=message):
        records.customer(name, **extra)
    assert records.snapshot() == before


def test_update_replaces_details_and_the_audit_keeps_the_old_values(records: Records) -> None:
    customer = records.customer("Luis Lopez", phones=["555 010 1111"])
    updated = update_customer(
        records.user,
        customer.id,
        CustomerDetails.validate("Luis López", phones=["555 010 2222"], notes="Prefers e-mail."),
    )
    assert updated.display_name == "Luis López"
    assert [p.e164 for p in updated.phones] == ["+15550102222"]
    change = events_for(customer.id)[-1]
    assert change.action == "change"
    assert change.details["changes"]["display_name"] == {"from": "Luis Lopez", "to": "Luis López"}
    assert change.details["changes"]["phones"]["from"] == ["+15550101111"]


def test_creating_a_customer_is_audited_with_who_and_what(records: Records) -> None:
    customer = records.customer("Kenji Watanabe", phones=["555 010 3333"])
    (event,) = events_for(customer.id)
    assert (event.action, event.actor_name) == ("create", records.user.display_name)
    assert event.details["phones"] == ["+15550103333"]


def test_an_unknown_id_says_how_to_find_the_right_one(records: Records) -> None:
    with pytest.raises(NotFound, match="Find the customer by phone"):
        get_customer(records.user, "no-such-id")
    with pytest.raises(NotFound):
        update_customer(records.user, "no-such-id", CustomerDetails.validate("X"))
