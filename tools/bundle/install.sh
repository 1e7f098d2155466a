#!/bin/sh
# Install Companion from its offline archive: no network, no Python, no root.
#
# Usage (from the unpacked folder companion-VERSION/):
#   ./install.sh [--prefix DIR] [--bin-dir DIR] [--no-desktop-entry]
#   ./install.sh --check                       which system libraries the window lacks
#   ./install.sh --uninstall [--prefix DIR] [--bin-dir DIR]
#   (the installed copy's own install.sh --uninstall needs no options)
#
# Checks the unpacked files against MANIFEST.sha256, copies the app (the `companion`
# executable, `_internal/`, README.md and this script) to PREFIX (default
# ~/.local/opt/companion), links BIN_DIR/companion (default ~/.local/bin) to it, and
# adds a menu entry when the user's applications folder can be written. The copy is
# made beside PREFIX and checked (`companion --version`) before it replaces anything,
# so a failed install leaves the previous one working. An upgrade keeps
# PREFIX/site.ini. Companion's data (~/.local/share/Companion unless --data-dir or
# COMPANION_DATA_DIR say otherwise) is never touched, not even by --uninstall.
set -eu

say() { printf '%s\n' "$*"; }
fail() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

HERE=$(cd "$(dirname "$0")" && pwd -P)
MODE=install
PREFIX=""
BIN_DIR=""
DESKTOP_ENTRY=1
while [ "$#" -gt 0 ]; do
    case "$1" in
        --prefix) [ "$#" -ge 2 ] || fail "--prefix needs a folder"; PREFIX=$2; shift 2 ;;
        --prefix=*) PREFIX=${1#--prefix=}; shift ;;
        --bin-dir) [ "$#" -ge 2 ] || fail "--bin-dir needs a folder"; BIN_DIR=$2; shift 2 ;;
        --bin-dir=*) BIN_DIR=${1#--bin-dir=}; shift ;;
        --no-desktop-entry) DESKTOP_ENTRY=0; shift ;;
        --check) MODE=check; shift ;;
        --uninstall) MODE=uninstall; shift ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) fail "unknown option '$1' (see ./install.sh --help)" ;;
    esac
done

# An installed copy remembers where its launcher and menu entry went, so that its own
# install.sh --uninstall needs no options.
RECORD_NAME=.install-record
recorded() { sed -n "s/^$2=//p" "$1/$RECORD_NAME" 2>/dev/null | head -n 1; }
if [ "$MODE" = uninstall ] && [ -z "$PREFIX" ] && [ -f "$HERE/$RECORD_NAME" ]; then
    PREFIX=$HERE
fi
if [ "$MODE" = uninstall ] && [ -n "$PREFIX" ] && [ -z "$BIN_DIR" ]; then
    BIN_DIR=$(recorded "$PREFIX" bin_dir)
fi

if [ -z "$PREFIX" ] || [ -z "$BIN_DIR" ]; then
    [ -n "${HOME:-}" ] || fail "HOME is not set: give both --prefix and --bin-dir"
fi
PREFIX=${PREFIX:-$HOME/.local/opt/companion}
BIN_DIR=${BIN_DIR:-$HOME/.local/bin}
case "$PREFIX" in /*) ;; *) PREFIX="$(pwd -P)/$PREFIX" ;; esac
case "$BIN_DIR" in /*) ;; *) BIN_DIR="$(pwd -P)/$BIN_DIR" ;; esac
PREFIX=${PREFIX%/}
DESKTOP_DIR="${XDG_DATA_HOME:-${HOME:-/nonexistent}/.local/share}/applications"
DESKTOP_FILE="$DESKTOP_DIR/companion.desktop"

# A folder holding a Companion app: the executable and its _internal/ beside it.
is_app() { [ -f "$1/companion" ] && [ -d "$1/_internal" ]; }

# Debian package for a shared library the window may need from the system. The app
# carries most of Qt's libraries itself; the graphics stack (EGL, GL, libxcb,
# Wayland) must come from the machine, so that it matches the machine's drivers.
package_for() {
    case "$1" in
        libxcb.so.1) echo libxcb1 ;;
        libxcb-*.so.*) echo "$1" | sed 's/^lib\(xcb-[a-z-]*\)\.so\.\([0-9]*\).*/lib\1\2/' ;;
        libX11-xcb.so.1) echo libx11-xcb1 ;;
        libX11.so.6) echo libx11-6 ;;
        libxkbcommon-x11.so.0) echo libxkbcommon-x11-0 ;;
        libxkbcommon.so.0) echo libxkbcommon0 ;;
        libEGL.so.1) echo libegl1 ;;
        libGL.so.1) echo libgl1 ;;
        libGLX.so.0) echo libglx0 ;;
        libOpenGL.so.0) echo libopengl0 ;;
        libGLdispatch.so.0) echo libglvnd0 ;;
        libdrm.so.2) echo libdrm2 ;;
        libfontconfig.so.1) echo libfontconfig1 ;;
        libfreetype.so.6) echo libfreetype6 ;;
        libdbus-1.so.3) echo libdbus-1-3 ;;
        libwayland-client.so.0) echo libwayland-client0 ;;
        libwayland-cursor.so.0) echo libwayland-cursor0 ;;
        libwayland-egl.so.1) echo libwayland-egl1 ;;
    esac
}

# The platform Qt will use: QT_QPA_PLATFORM, else Wayland in a Wayland session, else X11.
choose_platform() {
    if [ -n "${QT_QPA_PLATFORM:-}" ]; then
        echo "$QT_QPA_PLATFORM" | sed 's/[;:].*//'
    elif [ -n "${WAYLAND_DISPLAY:-}" ] && { [ "${XDG_SESSION_TYPE:-}" = wayland ] || [ -z "${DISPLAY:-}" ]; }; then
        echo wayland
    else
        echo xcb
    fi
}

# Report what the window lacks on this machine for the platform it will use; exit
# status 1 when something is missing. Never installs anything (the site has no network).
check_libraries() {
    app=$1
    command -v ldd >/dev/null 2>&1 || { say "ldd is not available; cannot check the system libraries."; return 0; }
    platform=$(choose_platform)
    qt="$app/_internal/PySide6/Qt"
    plugin="$qt/plugins/platforms/libq$platform.so"
    if [ ! -f "$plugin" ]; then
        say "The app has no '$platform' window platform; it has: $(ls "$qt/plugins/platforms" | sed 's/^libq//; s/\.so$//' | tr '\n' ' ')"
        return 1
    fi
    files="$plugin $qt/lib/libQt6Gui.so.6 $qt/lib/libQt6Widgets.so.6"
    case "$platform" in
        xcb) files="$files $qt/lib/libQt6XcbQpa.so.6" ;;
        wayland) files="$files $qt/lib/libQt6WaylandClient.so.6" ;;
    esac
    missing=$(
        for file in $files; do
            [ -f "$file" ] || continue
            LD_LIBRARY_PATH="$app/_internal:$qt/lib" ldd "$file" 2>/dev/null |
                sed -n 's/^[[:space:]]*\([^[:space:]]*\) => not found.*/\1/p'
        done | sort -u | tr '\n' ' '
    )
    if [ -z "$missing" ]; then
        say "The window's '$platform' platform has every system library it needs."
        return 0
    fi
    packages=""
    for file in $missing; do
        package=$(package_for "$file")
        [ -n "$package" ] && case " $packages " in *" $package "*) ;; *) packages="$packages $package" ;; esac
    done
    say "The window cannot open on the '$platform' platform yet: missing system libraries: $missing"
    [ -n "$packages" ] && say "Install them from the site's package mirror or media:  sudo apt-get install$packages"
    say "The command line (companion playbook search ..., companion --help) works without them."
    return 1
}

# Exec= value of a desktop entry for one path: quoted, with the characters the
# Desktop Entry spec reserves escaped (string escapes first, then quoting).
desktop_exec() {
    printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g' -e 's/%/%%/g')"
}

# Every file the build listed in MANIFEST.sha256 is here and unchanged: an archive
# whose unpacking failed half-way (a damaged download, a full disk) is not installed.
check_manifest() {
    [ -f "$HERE/MANIFEST.sha256" ] || fail "$HERE/MANIFEST.sha256 is missing: unpack the whole archive again"
    if ! command -v sha256sum >/dev/null 2>&1; then
        say "sha256sum is not available; the unpacked files were not checked."
        return 0
    fi
    if ! (cd "$HERE" && sha256sum --quiet --strict -c MANIFEST.sha256) >/dev/null 2>&1; then
        fail "the unpacked app in $HERE is incomplete or damaged; nothing was changed. Check the archive (sha256sum -c companion-*.tar.gz.sha256), delete $HERE and unpack it again."
    fi
}

install_app() {
    is_app "$HERE" || fail "$HERE does not hold the app (companion and _internal/): unpack the whole archive and run its install.sh"
    check_manifest
    [ "$HERE" != "$PREFIX" ] || fail "Companion is already installed in $PREFIX: run install.sh from a newly unpacked archive"
    if [ -e "$PREFIX" ] && ! is_app "$PREFIX" && [ -n "$(ls -A "$PREFIX" 2>/dev/null)" ]; then
        fail "$PREFIX exists and does not hold Companion; nothing was changed. Choose another --prefix."
    fi
    parent=$(dirname "$PREFIX")
    mkdir -p "$parent" || fail "cannot create $parent"
    staging="$PREFIX.installing.$$"
    trap 'rm -rf "$staging"' EXIT INT TERM
    rm -rf "$staging"
    mkdir "$staging" || fail "cannot write in $parent"
    cp -R "$HERE/companion" "$HERE/_internal" "$HERE/README.md" "$HERE/install.sh" \
        "$HERE/MANIFEST.sha256" "$staging/" ||
        fail "copying the app to $parent failed (is the disk full?); nothing was changed"
    # A read-only unpack location gives read-only copies; the installed app must stay
    # removable by the next upgrade.
    chmod -R u+w "$staging"
    if [ -f "$PREFIX/site.ini" ]; then
        cp "$PREFIX/site.ini" "$staging/site.ini" || fail "cannot keep $PREFIX/site.ini; nothing was changed"
    fi
    if ! version=$("$staging/companion" --version 2>&1); then
        case "$version" in
            *GLIBC_*) fail "this Linux is older than the one the archive was built on ($version); nothing was changed. Build the archive on a machine no newer than this one." ;;
            *) fail "the copied app does not start here ($version); nothing was changed" ;;
        esac
    fi
    if [ -e "$PREFIX" ]; then
        old="$PREFIX.replaced.$$"
        mv "$PREFIX" "$old" || fail "cannot move the previous install aside; nothing was changed"
        if ! mv "$staging" "$PREFIX"; then
            mv "$old" "$PREFIX"
            fail "cannot put the new app in place; the previous install is back"
        fi
        rm -rf "$old"
    else
        mv "$staging" "$PREFIX" || fail "cannot create $PREFIX"
    fi
    trap - EXIT INT TERM
    say "Installed $version in $PREFIX"

    if mkdir -p "$BIN_DIR" 2>/dev/null && { [ ! -e "$BIN_DIR/companion" ] || [ -L "$BIN_DIR/companion" ]; }; then
        ln -sfn "$PREFIX/companion" "$BIN_DIR/companion"
        say "Launcher: $BIN_DIR/companion"
        case ":${PATH:-}:" in
            *":$BIN_DIR:"*) ;;
            *) say "  $BIN_DIR is not on your PATH: add it (e.g. in ~/.profile), or run $PREFIX/companion" ;;
        esac
    else
        say "No launcher made: $BIN_DIR/companion cannot be written or is not a link; run $PREFIX/companion"
    fi

    printf 'bin_dir=%s\ndesktop_file=%s\n' "$BIN_DIR" "$DESKTOP_FILE" >"$PREFIX/$RECORD_NAME" || true

    if [ "$DESKTOP_ENTRY" = 1 ] && mkdir -p "$DESKTOP_DIR" 2>/dev/null; then
        {
            echo "[Desktop Entry]"
            echo "Type=Application"
            echo "Name=Companion"
            echo "Comment=Call notes beside a searchable playbook, offline"
            echo "Exec=$(desktop_exec "$PREFIX/companion")"
            echo "Terminal=false"
            echo "Categories=Office;"
            echo "X-Companion-Prefix=$PREFIX"
        } >"$DESKTOP_FILE.tmp" && mv "$DESKTOP_FILE.tmp" "$DESKTOP_FILE" &&
            say "Menu entry: $DESKTOP_FILE"
    fi

    check_libraries "$PREFIX" || true
    say "Start it with: companion (the window) or companion --help (the command line)."
    say "Data lives in ~/.local/share/Companion (or --data-dir DIR); upgrades and --uninstall keep it."
}

uninstall_app() {
    desktop_file=$(recorded "$PREFIX" desktop_file)
    [ -n "$desktop_file" ] && DESKTOP_FILE=$desktop_file
    if is_app "$PREFIX"; then
        rm -rf "$PREFIX"
        say "Removed $PREFIX"
    else
        say "No Companion in $PREFIX"
    fi
    if [ -L "$BIN_DIR/companion" ] && [ "$(readlink "$BIN_DIR/companion")" = "$PREFIX/companion" ]; then
        rm -f "$BIN_DIR/companion"
        say "Removed $BIN_DIR/companion"
    fi
    if [ -f "$DESKTOP_FILE" ] && grep -qxF "X-Companion-Prefix=$PREFIX" "$DESKTOP_FILE"; then
        rm -f "$DESKTOP_FILE"
        say "Removed $DESKTOP_FILE"
    fi
    say "Companion's data was kept (default ~/.local/share/Companion); delete it by hand if it is no longer needed."
}

case "$MODE" in
    check) is_app "$HERE" || fail "$HERE does not hold the app"; check_libraries "$HERE" ;;
    uninstall) uninstall_app ;;
    install) install_app ;;
esac
