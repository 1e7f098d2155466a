"""PySide6.QtPrintSupport for the offline bundle: the library without the CUPS plugin.

Companion uses QPrinter only to write PDF files, which needs no print system. The
CUPS plugin would bring the builder's CUPS, GnuTLS, Kerberos and Avahi libraries.
Overrides PyInstaller's hook of the same name (``--additional-hooks-dir``).
"""

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [
    (source, destination)
    for source, destination in binaries
    if "plugins/printsupport" not in destination.replace("\\", "/")
]
