#!/bin/sh
# Make sure Qt can start on the platform it will really use, before `make` starts it.
#
# Qt's wheels bundle Qt itself but rely on system libraries, and which ones depends on
# the platform plugin Qt picks: the offscreen plugin (tests) needs EGL, fontconfig and
# xkbcommon; the X11 plugin (a desktop) needs a dozen xcb libraries more. Checking only
# the offscreen case let `make run` fail on a fresh desktop, so this script decides the
# platform the way Qt does, asks ldd what the plugin and Qt's libraries cannot find,
# maps those files to Debian packages, installs them with apt-get when we are root,
# and otherwise prints the exact apt-get line. On a desktop it then starts Qt once
# in a subprocess, because only a real start proves the display can be used.
#
# Usage: sh tools/ensure-qt-libs.sh [--check] [PYTHON]
#   --check   only report (platform, missing files, packages); install nothing, start
#             nothing; exit 1 when something is missing.
# The platform comes from QT_QPA_PLATFORM when set, else wayland in a Wayland session,
# else xcb (Qt's default on Linux), which needs DISPLAY.

CHECK_ONLY=0
if [ "$1" = "--check" ]; then
    CHECK_ONLY=1
    shift
fi
PY=${1:-python3}

say() { echo "$*" >&2; }

# The platform Qt will load: the first name in QT_QPA_PLATFORM (it may carry options,
# "xcb:option", or a fallback list, "wayland;xcb"), else what the session offers.
choose_platform() {
    if [ -n "$QT_QPA_PLATFORM" ]; then
        echo "$QT_QPA_PLATFORM" | sed 's/[;:].*//'
    elif [ -n "$WAYLAND_DISPLAY" ] && { [ "$XDG_SESSION_TYPE" = "wayland" ] || [ -z "$DISPLAY" ]; }; then
        echo wayland
    else
        echo xcb
    fi
}

# Debian package for a shared library file name, or nothing when we do not know it.
package_for() {
    case "$1" in
        libxcb.so.1) echo libxcb1 ;;
        libxcb-icccm.so.4) echo libxcb-icccm4 ;;
        libxcb-keysyms.so.1) echo libxcb-keysyms1 ;;
        libxcb-image.so.0) echo libxcb-image0 ;;
        libxcb-render-util.so.0) echo libxcb-render-util0 ;;
        libxcb-render.so.0) echo libxcb-render0 ;;
        libxcb-xinerama.so.0) echo libxcb-xinerama0 ;;
        libxcb-xkb.so.1) echo libxcb-xkb1 ;;
        libxcb-cursor.so.0) echo libxcb-cursor0 ;;
        libxcb-shape.so.0) echo libxcb-shape0 ;;
        libxcb-randr.so.0) echo libxcb-randr0 ;;
        libxcb-shm.so.0) echo libxcb-shm0 ;;
        libxcb-sync.so.1) echo libxcb-sync1 ;;
        libxcb-xfixes.so.0) echo libxcb-xfixes0 ;;
        libxcb-xinput.so.0) echo libxcb-xinput0 ;;
        libxcb-glx.so.0) echo libxcb-glx0 ;;
        libxcb-util.so.1) echo libxcb-util1 ;;
        libxkbcommon-x11.so.0) echo libxkbcommon-x11-0 ;;
        libxkbcommon.so.0) echo libxkbcommon0 ;;
        libX11-xcb.so.1) echo libx11-xcb1 ;;
        libX11.so.6) echo libx11-6 ;;
        libXau.so.6) echo libxau6 ;;
        libXdmcp.so.6) echo libxdmcp6 ;;
        libSM.so.6) echo libsm6 ;;
        libICE.so.6) echo libice6 ;;
        libEGL.so.1) echo libegl1 ;;
        libGL.so.1) echo libgl1 ;;
        libGLX.so.0) echo libglx0 ;;
        libOpenGL.so.0) echo libopengl0 ;;
        libGLdispatch.so.0) echo libglvnd0 ;;
        libfontconfig.so.1) echo libfontconfig1 ;;
        libfreetype.so.6) echo libfreetype6 ;;
        libdbus-1.so.3) echo libdbus-1-3 ;;
        libglib-2.0.so.0 | libgthread-2.0.so.0) echo libglib2.0-0 ;;
        libwayland-client.so.0) echo libwayland-client0 ;;
        libwayland-cursor.so.0) echo libwayland-cursor0 ;;
        libwayland-egl.so.1) echo libwayland-egl1 ;;
        libcups.so.2) echo libcups2 ;;
        libgssapi_krb5.so.2) echo libgssapi-krb5-2 ;;
    esac
}

# Where PySide6 lives, found without importing it (importing needs the very libraries
# that may be missing).
pyside_dir() {
    "$PY" -c 'import importlib.util, os, sys
spec = importlib.util.find_spec("PySide6")
if spec is None or not spec.submodule_search_locations:
    sys.exit(1)
print(list(spec.submodule_search_locations)[0])' 2>/dev/null
}

# The files ldd cannot find for the platform plugin and the Qt libraries it pulls in.
missing_files() {
    qt="$1/Qt"
    files="$qt/lib/libQt6Core.so.6 $qt/lib/libQt6Gui.so.6 $qt/lib/libQt6Widgets.so.6"
    files="$files $qt/lib/libQt6PrintSupport.so.6 $qt/plugins/platforms/libq$2.so"
    case "$2" in
        xcb) files="$files $qt/lib/libQt6XcbQpa.so.6" ;;
        wayland) files="$files $qt/lib/libQt6WaylandClient.so.6" ;;
    esac
    for file in $files; do
        [ -e "$file" ] || continue
        ldd "$file" 2>/dev/null | sed -n 's/^[[:space:]]*\([^[:space:]]*\) => not found.*/\1/p'
    done | sort -u
}

PYSIDE=$(pyside_dir)
if [ -z "$PYSIDE" ]; then
    say "PySide6 is not installed for $PY: run \`make run\` (it creates .venv with the pinned dependencies)."
    exit 1
fi
PLATFORM=$(choose_platform)
if [ ! -e "$PYSIDE/Qt/plugins/platforms/libq$PLATFORM.so" ]; then
    say "Qt has no '$PLATFORM' platform plugin (QT_QPA_PLATFORM=$QT_QPA_PLATFORM)."
    say "Unset QT_QPA_PLATFORM, or choose one of: $(ls "$PYSIDE/Qt/plugins/platforms" | sed 's/^libq//; s/\.so$//' | tr '\n' ' ')"
    exit 1
fi

MISSING=$(missing_files "$PYSIDE" "$PLATFORM" | tr '\n' ' ')
PACKAGES=""
UNKNOWN=""
for file in $MISSING; do
    package=$(package_for "$file")
    if [ -n "$package" ]; then
        case " $PACKAGES " in *" $package "*) ;; *) PACKAGES="$PACKAGES $package" ;; esac
    else
        UNKNOWN="$UNKNOWN $file"
    fi
done
PACKAGES=${PACKAGES# }
UNKNOWN=${UNKNOWN# }

if [ "$CHECK_ONLY" = "1" ]; then
    echo "platform: $PLATFORM"
    echo "missing: ${MISSING% }"
    echo "packages: $PACKAGES"
    echo "unknown: $UNKNOWN"
    [ -z "$MISSING" ] && exit 0
    exit 1
fi

if [ -n "$MISSING" ]; then
    if [ -n "$PACKAGES" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        say "Qt's $PLATFORM platform is missing ${MISSING% }; installing $PACKAGES with apt-get"
        # shellcheck disable=SC2086  # one word per package
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends $PACKAGES >/dev/null; }; then
            say "apt-get could not install $PACKAGES; install them by hand and try again."
            exit 1
        fi
        MISSING=$(missing_files "$PYSIDE" "$PLATFORM" | tr '\n' ' ')
    fi
fi
if [ -n "$MISSING" ]; then
    say "Qt cannot start on the '$PLATFORM' platform: these system libraries are missing: ${MISSING% }."
    if [ -n "$PACKAGES" ]; then
        say "Install them with:  sudo apt-get install $PACKAGES"
    fi
    if [ -n "$UNKNOWN" ]; then
        say "No package is known here for: $UNKNOWN (on Debian, \`apt-file search FILE\` finds it)."
    fi
    exit 1
fi

# Every library is there. For a desktop platform, start Qt once: that proves the
# display is reachable, and shows Qt's own reason when it is not.
case "$PLATFORM" in
    xcb | wayland | offscreen)
        if [ "$PLATFORM" = xcb ] && [ -z "$DISPLAY" ]; then
            say "No desktop display: DISPLAY is not set, so the window cannot open here."
            say "Run it from a desktop session, or over SSH with X forwarding (ssh -X)."
            exit 1
        fi
        if ! output=$(QT_QPA_PLATFORM=$PLATFORM timeout 60 "$PY" -c \
            'from PySide6.QtWidgets import QApplication; QApplication([])' 2>&1); then
            say "Qt could not start on the '$PLATFORM' platform:"
            echo "$output" | tail -n 5 >&2
            exit 1
        fi
        ;;
    *)
        if ! output=$(QT_QPA_PLATFORM=$PLATFORM "$PY" -c \
            'from PySide6 import QtWidgets, QtPrintSupport' 2>&1); then
            say "Qt could not load:"
            echo "$output" | tail -n 5 >&2
            exit 1
        fi
        ;;
esac
exit 0
