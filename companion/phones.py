"""Phone numbers: stored once in E.164, found again however the caller reads them out.

Agents type numbers as the caller says them: ``(555) 010-2030``, ``+1 555 0102030``,
``5550102030``, or only the last digits. Storing the E.164 form makes the complete
forms equal; storing the digits reversed (as a search key) makes "ends with" an
indexed prefix search, so the last four digits are enough to find a caller.

Numbers are accepted when they have a possible length for their country, not only
when they are assigned: test, fictional and newly issued numbers still need records.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from companion.errors import InvalidInput
from companion.settings import phone_region

MIN_SUFFIX_DIGITS = 4
MAX_PHONE_TEXT = 64


@dataclass(frozen=True)
class Phone:
    e164: str
    extension: str

    @property
    def digits(self) -> str:
        return self.e164.lstrip("+")

    def display(self, region: str | None = None) -> str:
        return format_phone(self.e164, self.extension, region)


def normalise_phone(text: str, region: str | None = None) -> Phone:
    """Parse what was typed into E.164, or raise :class:`InvalidInput` with an example."""
    region = region or phone_region()
    shown = text.strip()
    example = "+1 555 010 2030 or (555) 010-2030"
    if not shown:
        raise InvalidInput(f"The phone number is empty. Type it with digits, e.g. {example}.")
    if len(shown) > MAX_PHONE_TEXT or "\x00" in shown:
        raise InvalidInput(f"{shown[:40]!r} is not a phone number. Type digits, e.g. {example}.")
    try:
        number = phonenumbers.parse(shown, region)
    except NumberParseException as exc:
        raise InvalidInput(
            f"{shown!r} is not a phone number. Type digits, e.g. {example}."
        ) from exc
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != ValidationResult.IS_POSSIBLE:
        problem = {
            ValidationResult.TOO_SHORT: "has too few digits",
            ValidationResult.TOO_LONG: "has too many digits",
            ValidationResult.INVALID_COUNTRY_CODE: "starts with an unknown country code",
            ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "lacks its area code",
        }.get(reason, "has the wrong number of digits")
        raise InvalidInput(
            f"{shown!r} {problem} for a phone number in region {region}. "
            f"Type the full number, with + and the country code for numbers abroad "
            f"(e.g. {example})."
        )
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return Phone(e164=e164, extension=number.extension or "")


def format_phone(e164: str, extension: str = "", region: str | None = None) -> str:
    """National format for numbers sharing the home country code, international for the rest."""
    return _format(e164, extension, region or phone_region())


@functools.lru_cache(maxsize=8192)
def _format(e164: str, extension: str, region: str) -> str:
    """Cached: lists show the same callers again and again, and parsing is the slow part."""
    number = phonenumbers.parse(e164, None)
    if extension:
        number.extension = extension
    home = number.country_code == phonenumbers.country_code_for_region(region)
    style = PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


@dataclass(frozen=True)
class PhoneQuery:
    """What a phone search looks for: an exact number and/or trailing digits."""

    e164: str | None
    suffixes: tuple[str, ...]


def phone_query(text: str, region: str | None = None) -> PhoneQuery | None:
    """Interpret search text as a phone number, or None when it does not look like one."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < MIN_SUFFIX_DIGITS or len(digits) * 2 < len(text.strip()):
        return None
    region = region or phone_region()
    e164: str | None = None
    suffixes = {digits}
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        number = None
    if number is not None:
        national = phonenumbers.national_significant_number(number)
        if len(national) >= MIN_SUFFIX_DIGITS:
            suffixes.add(national)
        if phonenumbers.is_possible_number_with_reason(number) == ValidationResult.IS_POSSIBLE:
            e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return PhoneQuery(e164=e164, suffixes=tuple(sorted(suffixes)))
