"""Settings a site may change, each declared once with its default.

A setting is read from its environment variable when one is set, so a site can
configure Companion without editing files and tests can change one setting for
one test. Adding a setting means adding one :class:`Setting` here, nowhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import phonenumbers

from companion.errors import InvalidInput


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str

    def raw(self) -> str:
        return os.environ.get(self.env, "").strip() or self.default


PHONE_REGION = Setting(
    name="phone_region",
    env="COMPANION_PHONE_REGION",
    default="US",
    help="Two-letter country code assumed for phone numbers typed without a + prefix.",
)


def phone_region() -> str:
    """The default region for phone numbers; a bad value is refused, never guessed at."""
    region = PHONE_REGION.raw().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            f"{PHONE_REGION.env}={region!r} is not a country code phonenumbers knows. "
            "Set it to a two-letter code such as US, GB or DE."
        )
    return region
