#!/bin/sh
# Qt's wheels bundle Qt itself but rely on a few system libraries (EGL, fontconfig,
# xkbcommon, dbus, glib). Install them with apt-get only when Qt cannot load and
# we are root on a Debian-like system; otherwise say what is missing.
PY=${1:-python3}
if QT_QPA_PLATFORM=offscreen "$PY" -c "from PySide6 import QtWidgets, QtPrintSupport" 2>/dev/null; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Qt cannot load its system libraries; installing them with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0 libfreetype6 >/dev/null
    QT_QPA_PLATFORM=offscreen "$PY" -c "from PySide6 import QtWidgets, QtPrintSupport" && exit 0
fi
echo "Qt cannot load. Install libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0." >&2
QT_QPA_PLATFORM=offscreen "$PY" -c "from PySide6 import QtWidgets" >&2
exit 1
