"""One writer at a time for the search index, across threads and processes.

Several Companions may share a data dir (a window, a ``playbook reindex`` in a
terminal, a script searching). Whoosh's own ``WRITELOCK`` lives inside the index
directory, which a rebuild replaces wholesale, so it cannot order two rebuilds or a
rebuild and an edit. This lock lives beside the index (``search-index.lock``) and is
taken by everything that writes the index: rebuilds, edits and compaction. Readers
never take it: they keep searching the index they opened until a rebuild has swapped
the new one in.

The lock is an OS advisory lock on the file (``flock`` on POSIX, ``msvcrt.locking``
on Windows), so it is released when its holder exits, even by a crash: a stale lock
file never blocks anyone. Acquiring polls until a deadline, because neither call can
wait with a timeout.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

POLL_S = 0.05


class LockTimeout(Exception):
    """Another writer held the lock for longer than the caller was willing to wait."""


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class WriterLock:
    """The inter-process lock file, plus a thread lock for writers in this process.

    Holding it is not re-entrant: a thread must not take it twice.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._threads = threading.Lock()

    @contextlib.contextmanager
    def hold(self, timeout: float) -> Iterator[None]:
        """Wait up to ``timeout`` seconds for the lock; raises :class:`LockTimeout`."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=max(0.0, timeout)):
            raise LockTimeout(self.path)
        try:
            fd = _open_lock_file(self.path)
            try:
                while not _try_lock(fd):
                    if time.monotonic() >= deadline:
                        raise LockTimeout(self.path)
                    time.sleep(POLL_S)
                try:
                    yield
                finally:
                    _unlock(fd)
            finally:
                os.close(fd)
        finally:
            self._threads.release()


def _open_lock_file(path: Path) -> int:
    """Open (creating) the lock file, never through a symlink.

    A symlink or a directory where the lock file should be is not ours: it is removed
    (the link itself, never its target) and a plain file made instead.
    """
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        return os.open(path, flags, 0o644)
    except OSError:
        if path.is_symlink():
            path.unlink()
        elif path.is_dir():
            path.rmdir()
        else:
            raise
        return os.open(path, flags, 0o644)
