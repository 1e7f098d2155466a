"""The customer tables, and the light summary every list of customers shows.

Phone numbers, e-mail addresses and account/order/reference numbers live in their
own tables, one row each, so a caller can have any number of them and every one is
an indexed lookup. Name keys are derived data for prefix search: rebuilt whenever
a name changes and never shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import peewee

from companion.clock import utcnow_precise
from companion.db import BaseModel, new_id, utcnow
from companion.errors import InvalidInput, NotFound
from companion.phones import format_phone
from companion.rows import tuples
from companion.settings import phone_region
from companion.sites import this_site_id
from companion.text import fold, search_key
from companion.users import User


class ReferenceKind(StrEnum):
    ACCOUNT = "account"
    ORDER = "order"
    REFERENCE = "reference"


class Customer(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    display_name = peewee.CharField(max_length=255)
    is_organisation = peewee.BooleanField(default=False)
    notes = peewee.TextField(default="")
    # Not indexed: nearly every row is NULL, and an index tempts SQLite into scanning
    # it for "merged_into IS NULL" instead of using the selective phone or name index.
    merged_into = peewee.ForeignKeyField(
        "self", null=True, backref="merged_from", on_delete="RESTRICT", index=False
    )
    merged_into_id: str | None
    created_by = peewee.ForeignKeyField(User, on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utcnow)
    # Microseconds: which of two versions is newer decides merges between sites.
    updated_at = peewee.DateTimeField(default=utcnow_precise)
    # The site (companion.sites) where the record was created; core migration 8.
    site = peewee.CharField(max_length=36, index=True, default=this_site_id)

    class Meta:
        table_name = "customers"


class CustomerPhone(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    customer = peewee.ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    customer_id: str
    position = peewee.IntegerField(default=0)
    e164 = peewee.CharField(max_length=32, index=True)
    extension = peewee.CharField(max_length=32, default="")
    digits_key = peewee.CharField(max_length=64, index=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "customer_phones"


class CustomerEmail(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    customer = peewee.ForeignKeyField(Customer, backref="emails", on_delete="CASCADE")
    customer_id: str
    position = peewee.IntegerField(default=0)
    address = peewee.CharField(max_length=320)
    address_key = peewee.CharField(max_length=320, index=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "customer_emails"


class CustomerReference(BaseModel):
    id = peewee.CharField(primary_key=True, default=new_id)
    customer = peewee.ForeignKeyField(Customer, backref="references", on_delete="CASCADE")
    customer_id: str
    position = peewee.IntegerField(default=0)
    kind = peewee.CharField(max_length=16)
    value = peewee.CharField(max_length=255)
    value_key = peewee.CharField(max_length=255, index=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "customer_references"


class CustomerNameKey(BaseModel):
    """One row per word position: "Ana María López" is found by "ana", "mar" and "lop"."""

    customer = peewee.ForeignKeyField(Customer, backref="name_keys", on_delete="CASCADE")
    customer_id: str
    key = peewee.TextField(index=True)

    class Meta:
        table_name = "customer_name_keys"
        primary_key = peewee.CompositeKey("customer", "key")


def phone_digits_key(e164: str) -> str:
    """Reversed digits as a search key: "ends with these digits" becomes a prefix."""
    return search_key(e164.lstrip("+")[::-1])


def reference_key(value: str) -> str:
    """``ACC-001 23`` and ``acc00123`` are the same account number to a caller."""
    return "".join(ch for ch in fold(value) if ch.isalnum())


def email_key(address: str) -> str:
    return address.strip().casefold()


def name_keys(name: str) -> set[str]:
    """Keys for every word-suffix of the name, so any word of it can start a search."""
    words = fold(name).split(" ")
    return {search_key(" ".join(words[i:])) for i in range(len(words)) if words[i]}


def replace_name_keys(customer_id: str, name: str) -> None:
    CustomerNameKey.delete().where(CustomerNameKey.customer == customer_id).execute()
    rows = [{"customer": customer_id, "key": key} for key in sorted(name_keys(name))]
    CustomerNameKey.insert_many(rows).execute()


@dataclass(frozen=True)
class CustomerSummary:
    """What a result list shows for a customer: name, kind and how to reach them."""

    id: str
    display_name: str
    is_organisation: bool
    phones: tuple[str, ...]
    merged_into: str | None


def get_customer_row(customer_id: str) -> Customer:
    customer = Customer.get_or_none(Customer.id == str(customer_id).strip())
    if customer is None:
        raise NotFound(
            f"No customer has the id {customer_id!r}. Find the customer by phone, "
            "account number or name to get the id."
        )
    return customer


def live_customer(customer_id: str) -> Customer:
    """The customer row, refusing one that was merged away (its records moved on)."""
    customer = get_customer_row(customer_id)
    if customer.merged_into_id is not None:
        raise InvalidInput(
            f"{customer.display_name} was merged into customer {customer.merged_into_id}; "
            "use that record instead."
        )
    return customer


def summaries(customer_ids: Iterable[str]) -> dict[str, CustomerSummary]:
    """Summaries for many customers in two queries, keyed by id."""
    ids = list(dict.fromkeys(customer_ids))
    if not ids:
        return {}
    phones: dict[str, list[str]] = defaultdict(list)
    phone_rows = (
        CustomerPhone.select(CustomerPhone.customer, CustomerPhone.e164, CustomerPhone.extension)
        .where(CustomerPhone.customer.in_(ids))
        .order_by(CustomerPhone.position)
    )
    region = phone_region()
    for customer_id, e164, extension in tuples(phone_rows):
        phones[customer_id].append(format_phone(e164, extension, region))
    rows = Customer.select(
        Customer.id, Customer.display_name, Customer.is_organisation, Customer.merged_into
    ).where(Customer.id.in_(ids))
    return {
        customer_id: CustomerSummary(
            id=customer_id,
            display_name=name,
            is_organisation=bool(is_organisation),
            phones=tuple(phones[customer_id]),
            merged_into=merged_into,
        )
        for customer_id, name, is_organisation, merged_into in tuples(rows)
    }
