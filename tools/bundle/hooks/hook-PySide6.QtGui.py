"""PySide6.QtGui for the offline bundle: PyInstaller's own collection, minus unused plugins.

PyInstaller ships every QtGui plugin the wheel has, and each drags in the system
libraries it links to from the build machine. Companion is a widgets app that opens
on an X11 or Wayland desktop, or offscreen for checks; these are left out:

- the GTK 3 platform theme (bundling the builder's GTK makes the app clash with the
  site's GTK themes, and costs 30 MB of libraries); the desktop-portal theme stays;
- framebuffer, EGLFS, VNC and Vulkan-display platforms and their evdev/tuio input
  plugins (kiosk hardware, not desks);
- the virtual keyboard input context (Qt Quick, not in PySide6-Essentials anyway).

This file overrides PyInstaller's hook of the same name because it sits in a folder
given to ``--additional-hooks-dir``.
"""

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

LEFT_OUT = {
    "platformthemes": {"libqgtk3.so"},
    "platforms": {
        "libqeglfs.so",
        "libqlinuxfb.so",
        "libqminimalegl.so",
        "libqvkkhrdisplay.so",
        "libqvnc.so",
    },
    "platforminputcontexts": {"libqtvirtualkeyboardplugin.so"},
    "generic": None,
    "egldeviceintegrations": None,
}


def _wanted(source: str, destination: str) -> bool:
    """False for a plugin in LEFT_OUT (None there: the whole plugin type)."""
    plugin_type = destination.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    if "/plugins/" not in destination.replace("\\", "/") + "/" or plugin_type not in LEFT_OUT:
        return True
    names = LEFT_OUT[plugin_type]
    return names is not None and source.replace("\\", "/").rsplit("/", 1)[-1] not in names


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [
    (source, destination) for source, destination in binaries if _wanted(source, destination)
]
