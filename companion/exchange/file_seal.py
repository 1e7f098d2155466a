"""A checksum over every byte of a call-record file, kept in the zip comment.

:mod:`companion.sealed_archive` checks every part's content, the manifest and the
member names, and so refuses any change that matters to what is read. A zip also holds
bytes that never reach a reader (the local copies of each member's header, timestamps,
attribute fields); a change there leaves the content intact and would pass. The issue
asks that an altered file be refused, so the exchange seals the whole file as well:
the zip comment holds the SHA-256 of every byte before it. It is checked only after
the archive's own checks pass, so a foreign or damaged file still gets their message.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import IO

from companion.errors import InvalidInput

DIGEST_LENGTH = 64  # hex SHA-256
_CHUNK = 1024 * 1024


def seal(path: Path) -> None:
    """Write the whole-file checksum into the (complete) zip at ``path``."""
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = b"0" * DIGEST_LENGTH
    size = path.stat().st_size
    with path.open("r+b") as handle:
        digest = _digest(handle, size - DIGEST_LENGTH)
        handle.seek(size - DIGEST_LENGTH)
        handle.write(digest.encode("ascii"))
        handle.flush()
        os.fsync(handle.fileno())


def check(path: Path) -> None:
    """Refuse ``path`` unless its last bytes are the checksum of all the bytes before them."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            expected = _digest(handle, max(0, size - DIGEST_LENGTH)) if size > DIGEST_LENGTH else ""
            found = handle.read(DIGEST_LENGTH).decode("ascii", errors="replace")
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read: {exc.strerror or exc}.") from exc
    if not expected or found != expected:
        raise InvalidInput(
            f"{path} cannot be used as a call-record file: it was changed after it was made "
            "(its whole-file checksum does not match). Nothing was changed; ask for the file "
            "again."
        )


def _digest(handle: IO[bytes], length: int) -> str:
    """SHA-256 of the first ``length`` bytes; leaves the handle just after them."""
    hasher = hashlib.sha256()
    handle.seek(0)
    left = length
    while left > 0:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            break
        hasher.update(chunk)
        left -= len(chunk)
    return hasher.hexdigest()
