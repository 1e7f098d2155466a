"""Playbook releases in the window: apply and make from the Supervisor menu, resolve
conflicts, the conflict flag above an article and the once-per-person notice."""

from ui.releases.release_desk import ReleaseDesk

__all__ = ["ReleaseDesk"]
