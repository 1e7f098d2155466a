"""Which Companion this is: the version written once, in pyproject.toml.

A checkout reads it from the file beside the packages; the offline installer's app
carries a copy of the file in the same place relative to its modules, so
``--version`` and the archive's name always agree.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def app_version() -> str:
    """``[project] version`` from pyproject.toml, or "unknown" when it cannot be read."""
    try:
        with PYPROJECT.open("rb") as handle:
            version = tomllib.load(handle).get("project", {}).get("version")
    except (OSError, tomllib.TOMLDecodeError):
        return "unknown"
    return version if isinstance(version, str) and version else "unknown"
