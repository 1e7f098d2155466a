"""People linked to a customer: household, colleagues, guardians, authorised contacts.

A link is stored once and read from both sides. Some relations read the same both
ways (household, colleague); others have a direction: when Ana's link says Luis is
her guardian, Luis's side reads "guardian of Ana".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import peewee

from companion import audit
from companion.audit import Action
from companion.changes import Topic
from companion.changes import note as note_change
from companion.clock import utcnow_precise
from companion.customer_models import Customer, CustomerSummary, live_customer, summaries
from companion.db import BaseModel, database, new_id, utcnow
from companion.errors import InvalidInput, NotFound
from companion.outage import already_written
from companion.permissions import require_active
from companion.rows import stored_choice
from companion.text import clean_text, parse_choice
from companion.users import User

LINK_NOTE_MAX = 2_000


class Relation(StrEnum):
    HOUSEHOLD = "household"
    COLLEAGUE = "colleague"
    SAME_ORGANISATION = "same_organisation"
    AUTHORISED_CONTACT = "authorised_contact"
    GUARDIAN = "guardian"
    OTHER = "other"

    def label(self, *, inverse: bool = False) -> str:
        """How the relation reads from one side: inverse reads it from the other customer."""
        forward = {
            Relation.HOUSEHOLD: "same household",
            Relation.COLLEAGUE: "colleague",
            Relation.SAME_ORGANISATION: "same organisation",
            Relation.AUTHORISED_CONTACT: "authorised contact",
            Relation.GUARDIAN: "guardian",
            Relation.OTHER: "other",
        }
        backward = {
            Relation.AUTHORISED_CONTACT: "authorised contact for",
            Relation.GUARDIAN: "guardian of",
        }
        return backward.get(self, forward[self]) if inverse else forward[self]


class CustomerLink(BaseModel):
    """``other`` is ``customer``'s <relation>: customer=Ana, other=Luis, guardian."""

    id = peewee.CharField(primary_key=True, default=new_id)
    customer = peewee.ForeignKeyField(Customer, backref="links_out", on_delete="CASCADE")
    customer_id: str
    other = peewee.ForeignKeyField(Customer, backref="links_in", on_delete="CASCADE")
    other_id: str
    relation = peewee.CharField(max_length=32)
    note = peewee.TextField(default="")
    created_by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)
    # Microseconds: which of two versions is newer decides merges between sites.
    updated_at = peewee.DateTimeField(default=utcnow_precise)

    class Meta:
        table_name = "customer_links"
        indexes = ((("customer", "other"), True),)


@dataclass(frozen=True)
class LinkView:
    """A link as seen from one customer: who the other is to them, and the note."""

    id: str
    other: CustomerSummary
    relation: Relation
    label: str
    note: str
    created_at: datetime


def link_customers(
    user: User,
    customer_id: str,
    other_id: str,
    relation: Relation | str,
    note: str = "",
    *,
    link_id: str | None = None,
) -> LinkView:
    """Link two live customers, read from ``customer_id``'s side: other is their <relation>.

    ``link_id`` (chosen by the caller before the first attempt) makes a retry safe:
    the link an interrupted attempt did make is returned instead of "already linked".
    """
    kind = parse_choice(Relation, relation, "relation")
    text = clean_text(note, "The link note", max_length=LINK_NOTE_MAX)
    with database.atomic():
        user = require_active(user, action="Linking customers")
        customer, other = live_customer(customer_id), live_customer(other_id)
        done = already_written(
            CustomerLink,
            link_id,
            "link",
            customer_id=customer.id,
            other_id=other.id,
            relation=kind.value,
            note=text,
        )
        if done is not None:
            note_change(Topic.CUSTOMERS, customer.id)
            note_change(Topic.CUSTOMERS, other.id)
            return next(view for view in links_of(user, customer.id) if view.id == done.id)
        if customer.id == other.id:
            raise InvalidInput("A customer cannot be linked to themselves; pick the other person.")
        existing = _link_between(customer.id, other.id)
        if existing is not None:
            raise InvalidInput(
                f"{customer.display_name} and {other.display_name} are already linked "
                f"({Relation(existing.relation).label()}). Unlink them first to change the relation."
            )
        link = CustomerLink.create(
            id=link_id or new_id(),
            customer=customer.id,
            other=other.id,
            relation=kind.value,
            note=text,
            created_by=user,
        )
        audit.record(
            user,
            Action.LINK,
            "customer_link",
            link.id,
            customer=customer.id,
            other=other.id,
            relation=kind.value,
            note=text,
        )
        note_change(Topic.CUSTOMERS, customer.id)
        note_change(Topic.CUSTOMERS, other.id)
    return next(view for view in links_of(user, customer.id) if view.id == link.id)


def unlink_customers(user: User, customer_id: str, other_id: str) -> None:
    """Remove the link between two customers; the audit event keeps what it said."""
    with database.atomic():
        user = require_active(user, action="Unlinking customers")
        link = _link_between(str(customer_id).strip(), str(other_id).strip())
        if link is None:
            raise NotFound(
                "Those two customers are not linked. Check the ids with `customer show`."
            )
        audit.record(
            user,
            Action.UNLINK,
            "customer_link",
            link.id,
            customer=link.customer_id,
            other=link.other_id,
            relation=link.relation,
            note=link.note,
        )
        link.delete_instance()
        note_change(Topic.CUSTOMERS, link.customer_id)
        note_change(Topic.CUSTOMERS, link.other_id)


def links_of(user: User, customer_id: str) -> list[LinkView]:
    """Every link of a customer, from either side, ordered by the other person's name."""
    require_active(user, action="Reading a customer's links")
    rows = list(
        CustomerLink.select().where(
            (CustomerLink.customer == customer_id) | (CustomerLink.other == customer_id)
        )
    )
    others = summaries(
        row.other_id if row.customer_id == customer_id else row.customer_id for row in rows
    )
    views = []
    for row in rows:
        inverse = row.customer_id != customer_id
        other_id = row.customer_id if inverse else row.other_id
        relation = stored_choice(Relation, row.relation, "customer_links", row.id, "relation")
        views.append(
            LinkView(
                id=row.id,
                other=others[other_id],
                relation=relation,
                label=relation.label(inverse=inverse),
                note=row.note,
                created_at=row.created_at,
            )
        )
    return sorted(views, key=lambda v: (v.other.display_name.casefold(), v.id))


def linked_ids(customer_id: str) -> list[str]:
    """Ids of everyone linked to a customer, either way round."""
    rows = CustomerLink.select(CustomerLink.customer, CustomerLink.other).where(
        (CustomerLink.customer == customer_id) | (CustomerLink.other == customer_id)
    )
    return sorted({r.other_id if r.customer_id == customer_id else r.customer_id for r in rows})


def _link_between(first: str, second: str) -> CustomerLink | None:
    return CustomerLink.get_or_none(
        ((CustomerLink.customer == first) & (CustomerLink.other == second))
        | ((CustomerLink.customer == second) & (CustomerLink.other == first))
    )
