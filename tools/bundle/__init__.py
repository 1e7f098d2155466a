"""The offline installer: ``make bundle`` (``python -m tools.bundle.build``) and its parts.

A remote site has no network, so it cannot run ``make run``; this builds one archive
holding a frozen Companion (PyInstaller, one folder, its own Python inside), the
README and ``install.sh``, which installs it with nothing but ``cp`` and ``ln``.
"""
