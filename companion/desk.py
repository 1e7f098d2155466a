"""Which desk this process is: the name people see in "open at desk X by Y".

A site's desks share one store, so a call, a draft or a lock held somewhere else has
to say *where*. The name is what a colleague would recognise: ``COMPANION_DESK_NAME``
when the site sets one (an installer can put it in the desk's environment, "Front
desk 2"), else the ``[desk] name`` of the site's ``site.ini`` (see
:func:`companion.paths.site_setting`; the composition root passes it to
:func:`configure`), else the machine's host name. It is a label, not an identity: two
processes on one desk share it on purpose, so a window restarted after a crash finds
the call it had open.
"""

from __future__ import annotations

import os
import socket

DESK_ENV = "COMPANION_DESK_NAME"
DESK_NAME_MAX = 64
UNKNOWN_DESK = "unnamed desk"

_configured: str | None = None


def configure(name: str | None) -> None:
    """Use ``name`` (from site.ini) when the environment names no desk; None forgets it."""
    global _configured
    _configured = name


def desk_name() -> str:
    """This desk's name for people: ``COMPANION_DESK_NAME``, site.ini, else the host name."""
    name = " ".join(os.environ.get(DESK_ENV, "").split())
    if not name and _configured:
        name = " ".join(_configured.split())
    if not name:
        try:
            name = socket.gethostname().strip()
        except OSError:
            name = ""
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:DESK_NAME_MAX] or UNKNOWN_DESK
