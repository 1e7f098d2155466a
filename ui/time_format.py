"""Stored times are naive UTC; agents read local time."""

from __future__ import annotations

from datetime import UTC, datetime


def local_datetime(stored: datetime) -> datetime:
    return stored.replace(tzinfo=UTC).astimezone()


def clock(stored: datetime) -> str:
    return f"{local_datetime(stored):%H:%M}"
