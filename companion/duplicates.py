"""Possible duplicates of one customer, cheap enough to show on every caller card.

Agents meet duplicates while a caller is on the line; telling them calmly that another
live record shares a phone number, an e-mail address or a very similar name lets them
ask a supervisor to merge. Every check is an indexed lookup: phones by E.164, e-mails by
their key, names only against the candidates the name-key index offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerPhone,
    get_customer_row,
    summaries,
)
from companion.customer_search import similar_names
from companion.customers import DUPLICATE_NAME_SCORE
from companion.permissions import require_active
from companion.phones import format_phone
from companion.users import User


@dataclass(frozen=True)
class PossibleDuplicate:
    """Another live customer that may be the same person, and why we think so."""

    id: str
    display_name: str
    reason: str
    created_at: datetime

    def sentence(self) -> str:
        """What the caller card and lookup say, e.g. 'Possible duplicate of Ana Ruiz — same phone …'."""
        return f"Possible duplicate of {self.display_name} — {self.reason}"


def possible_duplicates(user: User, customer_id: str) -> list[PossibleDuplicate]:
    """Live customers other than ``customer_id`` sharing a phone or e-mail, or a near-equal name.

    A merged-away customer has no duplicates to offer: its record already moved on.
    """
    require_active(user, action="Reading customer records")
    customer = get_customer_row(customer_id)
    if customer.merged_into_id is not None:
        return []
    live = Customer.merged_into.is_null()
    reasons: dict[str, str] = {}
    phones = CustomerPhone.select().where(CustomerPhone.customer == customer.id)
    for phone in phones.order_by(CustomerPhone.position):
        others = (
            CustomerPhone.select(CustomerPhone.customer)
            .join(Customer)
            .where(CustomerPhone.e164 == phone.e164, live, Customer.id != customer.id)
        )
        for row in others:
            reasons.setdefault(row.customer_id, f"same phone {format_phone(phone.e164, '')}")
    mails = CustomerEmail.select().where(CustomerEmail.customer == customer.id)
    for mail in mails.order_by(CustomerEmail.position):
        mail_others = (
            CustomerEmail.select(CustomerEmail.customer)
            .join(Customer)
            .where(CustomerEmail.address_key == mail.address_key, live, Customer.id != customer.id)
        )
        for mail_row in mail_others:
            reasons.setdefault(mail_row.customer_id, f"same e-mail {mail.address}")
    for other_id, _, score in similar_names(customer.display_name, cutoff=DUPLICATE_NAME_SCORE):
        if other_id != customer.id:
            reasons.setdefault(other_id, f"very similar name ({score:.0f}% alike)")
    if not reasons:
        return []
    views = summaries(reasons)
    created: dict[str, datetime] = {
        row.id: row.created_at
        for row in Customer.select(Customer.id, Customer.created_at).where(
            Customer.id.in_(list(reasons))
        )
    }
    return [
        PossibleDuplicate(cid, views[cid].display_name, reason, created[cid])
        for cid, reason in reasons.items()
    ]
