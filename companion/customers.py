"""Customers: creating them without making duplicates, and reading them back whole.

An agent under time pressure creates a second record for a caller who already has
one more often than anything else goes wrong, so :func:`create_customer` reports
every likely duplicate (same phone, same e-mail, very similar name) along with the
new record, and the agent can merge at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from companion import audit
from companion.audit import Action
from companion.changes import Topic, note
from companion.clock import utcnow_precise
from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerPhone,
    CustomerReference,
    CustomerSummary,
    ReferenceKind,
    email_key,
    get_customer_row,
    live_customer,
    phone_digits_key,
    reference_key,
    replace_name_keys,
    summaries,
)
from companion.customer_search import similar_names
from companion.db import database, new_id
from companion.errors import InvalidInput
from companion.outage import already_written
from companion.permissions import require_active
from companion.phones import Phone, format_phone, normalise_phone
from companion.sites import this_site_id
from companion.text import NAME_MAX, NOTE_MAX, clean_text
from companion.users import User

DUPLICATE_NAME_SCORE = 90.0
MAX_IDENTIFIERS = 50
EMAIL_MAX = 320


@dataclass(frozen=True)
class PhoneView:
    e164: str
    extension: str
    display: str


@dataclass(frozen=True)
class ReferenceView:
    kind: str
    value: str


@dataclass(frozen=True)
class CustomerView:
    id: str
    display_name: str
    is_organisation: bool
    notes: str
    phones: tuple[PhoneView, ...]
    emails: tuple[str, ...]
    references: tuple[ReferenceView, ...]
    merged_into: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DuplicateWarning:
    customer: CustomerSummary
    reason: str


@dataclass(frozen=True)
class CreateResult:
    customer: CustomerView
    duplicates: tuple[DuplicateWarning, ...]


@dataclass(frozen=True)
class CustomerDetails:
    """Validated input, shared by create and update so both apply the same rules."""

    display_name: str
    phones: tuple[Phone, ...] = ()
    emails: tuple[str, ...] = ()
    references: tuple[tuple[ReferenceKind, str], ...] = ()
    is_organisation: bool = False
    notes: str = ""

    @classmethod
    def validate(
        cls,
        display_name: str,
        *,
        phones: Sequence[str] = (),
        emails: Sequence[str] = (),
        references: Sequence[tuple[str, str]] = (),
        is_organisation: bool = False,
        notes: str = "",
    ) -> CustomerDetails:
        """Check everything before anything is written; the first problem is reported."""
        name = clean_text(
            display_name, "The customer's name", max_length=NAME_MAX, required=True, multiline=False
        )
        for label, count in (
            ("phone numbers", len(phones)),
            ("e-mail addresses", len(emails)),
            ("reference numbers", len(references)),
        ):
            if count > MAX_IDENTIFIERS:
                raise InvalidInput(f"A customer can have at most {MAX_IDENTIFIERS} {label}.")
        return cls(
            display_name=name,
            phones=tuple(dict.fromkeys(normalise_phone(p) for p in phones)),
            emails=tuple(dict.fromkeys(_clean_email(e) for e in emails)),
            references=tuple(dict.fromkeys(_clean_reference(k, v) for k, v in references)),
            is_organisation=bool(is_organisation),
            notes=clean_text(notes, "The notes", max_length=NOTE_MAX),
        )


def create_customer(
    user: User, details: CustomerDetails, *, customer_id: str | None = None
) -> CreateResult:
    """Create a customer; likely duplicates come back as warnings, never as a refusal.

    ``customer_id`` (chosen by the caller before the first attempt) makes a retry
    safe: a customer an interrupted attempt did create is returned, not made twice.
    """
    with database.atomic():
        user = require_active(user, action="Creating customers")
        done = already_written(
            Customer,
            customer_id,
            "customer",
            display_name=details.display_name,
            created_by_id=user.id,
        )
        if done is not None:
            note(Topic.CUSTOMERS, done.id)
            view = get_customer(user, done.id)
            return CreateResult(view, find_duplicates(details, exclude=done.id))
        duplicates = find_duplicates(details)
        customer = Customer.create(
            id=customer_id or new_id(),
            display_name=details.display_name,
            is_organisation=details.is_organisation,
            notes=details.notes,
            created_by=user,
            site=this_site_id(),
        )
        _write_identifiers(customer.id, details)
        replace_name_keys(customer.id, details.display_name)
        view = get_customer(user, customer.id)
        audit.record(
            user,
            Action.CREATE,
            "customer",
            customer.id,
            **_snapshot(view),
            possible_duplicates=[d.customer.id for d in duplicates],
        )
        note(Topic.CUSTOMERS, customer.id)
    return CreateResult(view, duplicates)


def update_customer(user: User, customer_id: str, details: CustomerDetails) -> CustomerView:
    """Replace a customer's details; the audit event keeps what they were before."""
    with database.atomic():
        user = require_active(user, action="Changing customer details")
        customer = live_customer(customer_id)
        before = get_customer(user, customer.id)
        Customer.update(
            display_name=details.display_name,
            is_organisation=details.is_organisation,
            notes=details.notes,
            updated_at=utcnow_precise(),
        ).where(Customer.id == customer.id).execute()
        for table in (CustomerPhone, CustomerEmail, CustomerReference):
            table.delete().where(table.customer == customer.id).execute()
        _write_identifiers(customer.id, details)
        replace_name_keys(customer.id, details.display_name)
        after = get_customer(user, customer.id)
        old, new = _snapshot(before), _snapshot(after)
        changed = {k: {"from": old[k], "to": new[k]} for k in old if old[k] != new[k]}
        audit.record(user, Action.CHANGE, "customer", customer.id, changes=changed)
        note(Topic.CUSTOMERS, customer.id)
    return after


def get_customer(user: User, customer_id: str) -> CustomerView:
    """The whole record, merged or not; callers check ``merged_into`` to redirect."""
    require_active(user, action="Reading customer records")
    customer = get_customer_row(customer_id)
    phones = CustomerPhone.select().where(CustomerPhone.customer == customer.id)
    emails = CustomerEmail.select().where(CustomerEmail.customer == customer.id)
    refs = CustomerReference.select().where(CustomerReference.customer == customer.id)
    return CustomerView(
        id=customer.id,
        display_name=customer.display_name,
        is_organisation=customer.is_organisation,
        notes=customer.notes,
        phones=tuple(
            PhoneView(p.e164, p.extension, format_phone(p.e164, p.extension))
            for p in phones.order_by(CustomerPhone.position)
        ),
        emails=tuple(e.address for e in emails.order_by(CustomerEmail.position)),
        references=tuple(
            ReferenceView(r.kind, r.value) for r in refs.order_by(CustomerReference.position)
        ),
        merged_into=customer.merged_into_id,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
    )


def find_duplicates(
    details: CustomerDetails, exclude: str | None = None
) -> tuple[DuplicateWarning, ...]:
    """Live customers who are probably the same: shared phone or e-mail, or a near-equal name."""
    reasons: dict[str, str] = {}
    live = Customer.merged_into.is_null()
    for phone in details.phones:
        rows = CustomerPhone.select(CustomerPhone.customer).join(Customer)
        for row in rows.where(CustomerPhone.e164 == phone.e164, live):
            reasons.setdefault(row.customer_id, f"has the same phone number {phone.display()}")
    for address in details.emails:
        mails = CustomerEmail.select(CustomerEmail.customer).join(Customer)
        for mail in mails.where(CustomerEmail.address_key == email_key(address), live):
            reasons.setdefault(mail.customer_id, f"has the same e-mail address {address}")
    for customer_id, _, score in similar_names(details.display_name, cutoff=DUPLICATE_NAME_SCORE):
        reasons.setdefault(customer_id, f"has a very similar name ({score:.0f}% alike)")
    reasons.pop(exclude or "", None)
    views = summaries(reasons)
    return tuple(DuplicateWarning(views[cid], reason) for cid, reason in reasons.items())


def _write_identifiers(customer_id: str, details: CustomerDetails) -> None:
    for position, phone in enumerate(details.phones):
        CustomerPhone.create(
            customer=customer_id,
            position=position,
            e164=phone.e164,
            extension=phone.extension,
            digits_key=phone_digits_key(phone.e164),
        )
    for position, address in enumerate(details.emails):
        CustomerEmail.create(
            customer=customer_id,
            position=position,
            address=address,
            address_key=email_key(address),
        )
    for position, (kind, value) in enumerate(details.references):
        CustomerReference.create(
            customer=customer_id,
            position=position,
            kind=kind.value,
            value=value,
            value_key=reference_key(value),
        )


def _snapshot(view: CustomerView) -> dict[str, Any]:
    """The fields an audit event records, as plain JSON-ready values."""
    return {
        "display_name": view.display_name,
        "is_organisation": view.is_organisation,
        "notes": view.notes,
        "phones": [p.e164 + (f" x{p.extension}" if p.extension else "") for p in view.phones],
        "emails": list(view.emails),
        "references": [f"{r.kind}:{r.value}" for r in view.references],
    }


def _clean_email(text: str) -> str:
    address = clean_text(text, "The e-mail address", max_length=EMAIL_MAX, multiline=False)
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or " " in address or domain.endswith("."):
        raise InvalidInput(
            f"{address!r} is not an e-mail address. Type it as name@example.com, or leave it out."
        )
    return address


def _clean_reference(kind: str, value: str) -> tuple[ReferenceKind, str]:
    try:
        reference_kind = ReferenceKind(str(kind).strip().lower())
    except ValueError as exc:
        kinds = ", ".join(k.value for k in ReferenceKind)
        raise InvalidInput(
            f"{kind!r} is not a kind of reference number; use one of: {kinds}."
        ) from exc
    text = clean_text(
        value,
        f"The {reference_kind.value} number",
        max_length=NAME_MAX,
        required=True,
        multiline=False,
    )
    if not reference_key(text):
        raise InvalidInput(
            f"The {reference_kind.value} number {text!r} has no letters or digits; type the number itself."
        )
    return reference_kind, text
