"""Finding a caller in a keystroke or two: by phone, account number, e-mail or name.

One box takes whatever the agent types. Exact identifiers rank first, then phone
numbers that end with the typed digits, then names that start with the typed words,
then names that merely look alike (rapidfuzz), so a misheard "Jon Smyth" still
finds John Smith. Merged customers never appear: their numbers moved to the survivor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import IntEnum

import peewee
from rapidfuzz import fuzz, process

from companion.customer_models import (
    Customer,
    CustomerEmail,
    CustomerNameKey,
    CustomerPhone,
    CustomerReference,
    CustomerSummary,
    email_key,
    reference_key,
    summaries,
)
from companion.errors import InvalidInput
from companion.permissions import require_active
from companion.phones import phone_query
from companion.rows import text_rows, tuples
from companion.text import clean_text, fold, prefix_match
from companion.users import User

MAX_RESULTS = 100
PREFIX_CANDIDATES = 200
FUZZY_CANDIDATES = 3000
FUZZY_CUTOFF = 70.0
FUZZY_HEAD = 2


class MatchKind(IntEnum):
    """Why a customer matched; lower values rank first."""

    PHONE = 0
    EMAIL = 1
    REFERENCE = 2
    PHONE_ENDING = 3
    NAME_PREFIX = 4
    SIMILAR_NAME = 5

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


@dataclass(frozen=True)
class CustomerMatch:
    customer: CustomerSummary
    matched_on: MatchKind
    score: float


def find_customers(user: User, query: str, *, limit: int = 10) -> list[CustomerMatch]:
    """Best matches first for whatever identifies the caller; empty when nothing does."""
    require_active(user, action="Looking up customers")
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInput(f"Ask for between 1 and {MAX_RESULTS} results.")
    text = clean_text(query, "The search", max_length=200, multiline=False)
    if not text:
        return []
    found: dict[str, tuple[MatchKind, float, str]] = {}

    def note(customer_id: str, name: str, kind: MatchKind, score: float) -> None:
        best = found.get(customer_id)
        if best is None or (kind, -score) < (best[0], -best[1]):
            found[customer_id] = (kind, score, fold(name))

    for customer_id, name, kind in _identifier_matches(text):
        note(customer_id, name, kind, 100.0)
    folded = fold(text)
    if any(ch.isalpha() for ch in folded):
        for customer_id, name in _name_prefix_candidates(folded):
            note(customer_id, name, MatchKind.NAME_PREFIX, _similarity(folded, fold(name)))
        if len(found) < limit:
            for customer_id, name, score in similar_names(text, limit=limit):
                note(customer_id, name, MatchKind.SIMILAR_NAME, score)
    ranked = sorted(found.items(), key=lambda item: (item[1][0], -item[1][1], item[1][2], item[0]))
    ranked = ranked[:limit]
    views = summaries(customer_id for customer_id, _ in ranked)
    return [CustomerMatch(views[cid], kind, score) for cid, (kind, score, _) in ranked]


def similar_names(
    name: str, *, limit: int = 10, cutoff: float = FUZZY_CUTOFF
) -> list[tuple[str, str, float]]:
    """Live customers whose names look like ``name``: (id, name, score 0-100), best first.

    Candidates share the first two letters of the query's longest word with one of
    their words; a search that must stay fast at 100,000 customers trusts that much
    of what the caller spelled, and rapidfuzz judges the rest.
    """
    folded = fold(name)
    words = sorted((w for w in folded.split(" ") if w), key=len, reverse=True)
    if not words or len(words[0]) <= FUZZY_HEAD:
        return []
    query = (
        CustomerNameKey.select(CustomerNameKey.customer, Customer.display_name)
        .join(Customer)
        .where(
            prefix_match(CustomerNameKey.key, words[0][:FUZZY_HEAD]),
            Customer.merged_into.is_null(),
        )
        .limit(FUZZY_CANDIDATES)
    )
    ids_by_name: dict[str, list[str]] = defaultdict(list)
    for customer_id, display_name in text_rows(query):
        ids_by_name[display_name].append(customer_id)
    names = list(ids_by_name)
    alike = process.extract(
        folded, [_comparable(n) for n in names], scorer=fuzz.WRatio, score_cutoff=cutoff, limit=None
    )
    best = sorted(
        ((cid, names[i], float(score)) for _, score, i in alike for cid in ids_by_name[names[i]]),
        key=lambda item: (-item[2], fold(item[1]), item[0]),
    )
    matches: dict[str, tuple[str, str, float]] = {}
    for cid, found, score in best:
        matches.setdefault(cid, (cid, found, score))
    return list(matches.values())[:limit]


def _comparable(name: str) -> str:
    """:func:`fold`, with a fast path for plain ASCII names, the bulk of most lists."""
    return name.lower() if name.isascii() else fold(name)


def _similarity(query: str, name: str) -> float:
    return float(fuzz.WRatio(query, name))


def _identifier_matches(text: str) -> list[tuple[str, str, MatchKind]]:
    """Customers whose phone, e-mail or reference number is what was typed."""
    lookups: list[tuple[peewee.Expression, MatchKind, type[peewee.Model]]] = []
    phone = phone_query(text)
    if phone is not None:
        if phone.e164 is not None:
            lookups.append((CustomerPhone.e164 == phone.e164, MatchKind.PHONE, CustomerPhone))
        for suffix in phone.suffixes:
            ending = prefix_match(CustomerPhone.digits_key, suffix[::-1])
            lookups.append((ending, MatchKind.PHONE_ENDING, CustomerPhone))
    if "@" in text:
        lookups.append(
            (CustomerEmail.address_key == email_key(text), MatchKind.EMAIL, CustomerEmail)
        )
    key = reference_key(text)
    if key:
        lookups.append((CustomerReference.value_key == key, MatchKind.REFERENCE, CustomerReference))
    matches: list[tuple[str, str, MatchKind]] = []
    for condition, kind, table in lookups:
        rows = (
            table.select(Customer.id, Customer.display_name)
            .join(Customer)
            .where(condition, Customer.merged_into.is_null())
            .limit(MAX_RESULTS)
        )
        matches += [(customer_id, name, kind) for customer_id, name in tuples(rows)]
    return matches


def _name_prefix_candidates(folded: str) -> list[tuple[str, str]]:
    """Live customers with a name word sequence starting with ``folded``, in key order."""
    query = (
        CustomerNameKey.select(CustomerNameKey.customer, Customer.display_name)
        .join(Customer)
        .where(prefix_match(CustomerNameKey.key, folded), Customer.merged_into.is_null())
        .order_by(CustomerNameKey.key)
        .limit(PREFIX_CANDIDATES)
    )
    return [(customer_id, name) for customer_id, name in tuples(query)]
