"""Linking people who call about each other: households, guardians, colleagues."""

from __future__ import annotations

import pytest

from companion.audit import events_for
from companion.customer_links import Relation, link_customers, links_of, unlink_customers
from companion.errors import InvalidInput, NotFound
from companion.merge import merge_customers
from tests.companion.conftest import Records


def test_a_link_reads_correctly_from_both_sides(records: Records) -> None:
    sofia = records.customer("Sofía López")
    ana = records.customer("Ana María López")
    link_customers(records.user, sofia.id, ana.id, "guardian", "Sofía is 15")
    (from_sofia,) = links_of(records.user, sofia.id)
    (from_ana,) = links_of(records.user, ana.id)
    assert (from_sofia.other.display_name, from_sofia.label) == ("Ana María López", "guardian")
    assert (from_ana.other.display_name, from_ana.label) == ("Sofía López", "guardian of")
    assert from_ana.note == from_sofia.note == "Sofía is 15"


def test_symmetric_relations_read_the_same_both_ways(records: Records) -> None:
    a, b = records.customer("Minh Nguyen"), records.customer("Lan Nguyen")
    link_customers(records.user, a.id, b.id, Relation.HOUSEHOLD)
    assert links_of(records.user, a.id)[0].label == links_of(records.user, b.id)[0].label


@pytest.mark.parametrize(
    ("typed", "relation"),
    [
        ("Same organisation", Relation.SAME_ORGANISATION),
        ("same-organisation", Relation.SAME_ORGANISATION),
        ("authorised contact", Relation.AUTHORISED_CONTACT),
    ],
)
def test_relations_may_be_typed_loosely(records: Records, typed: str, relation: Relation) -> None:
    a, b = records.customer("Hannah Reyes"), records.customer("Brightside Dental")
    assert link_customers(records.user, a.id, b.id, typed).relation is relation


def test_linking_twice_or_to_oneself_is_refused_and_changes_nothing(records: Records) -> None:
    a, b, c = (records.customer(n) for n in ("Minh Nguyen", "Lan Nguyen", "Bao Tran"))
    link_customers(records.user, a.id, b.id, "household")
    before = records.snapshot()
    with pytest.raises(InvalidInput, match=r"already linked .*Unlink them first"):
        link_customers(records.user, b.id, a.id, "colleague")
    with pytest.raises(InvalidInput, match="cannot be linked to themselves"):
        link_customers(records.user, a.id, a.id, "other")
    with pytest.raises(InvalidInput, match="is not a valid relation; use one of"):
        link_customers(records.user, a.id, c.id, "cousin")
    with pytest.raises(NotFound, match="No customer has the id"):
        link_customers(records.user, a.id, "missing", "other")
    assert records.snapshot() == before


def test_unlink_removes_the_link_and_the_audit_keeps_it(records: Records) -> None:
    a, b = records.customer("Yara Haddad"), records.customer("Karim Haddad")
    link = link_customers(records.user, a.id, b.id, "authorised_contact", "may discuss billing")
    unlink_customers(records.user, b.id, a.id)
    assert links_of(records.user, a.id) == []
    actions = [(e.action, e.details.get("note")) for e in events_for(link.id)]
    assert actions == [("link", "may discuss billing"), ("unlink", "may discuss billing")]
    with pytest.raises(NotFound, match="not linked"):
        unlink_customers(records.user, a.id, b.id)


def test_a_merged_customer_cannot_be_linked(records: Records) -> None:
    keep, dup, other = (records.customer(n) for n in ("Ana Lopez", "Ana López", "Luis López"))
    merge_customers(records.user, keep.id, dup.id)
    with pytest.raises(InvalidInput, match=r"was merged into .*use that record instead"):
        link_customers(records.user, dup.id, other.id, "household")
