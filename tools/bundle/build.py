"""Build the offline installer: ``dist/companion-VERSION-linux-x86_64.tar.gz`` and its ``.sha256``.

Usage: ``python -m tools.bundle.build [--out DIR] [--work DIR]`` (``make bundle`` runs it
with the defaults, the test with folders of its own).

Why a frozen app: a remote site has no network and perhaps no Python 3.11, so the
archive carries its own interpreter. PyInstaller's one-folder mode puts the launcher
beside ``_internal/`` (Python, the packages, Qt and the resources), which starts fast
and lets Qt find its plugins as plain files; a one-file build would unpack 200 MB to
/tmp on every start. The app in the archive behaves exactly like ``main.py``: no
arguments open the window, a sub-command runs the command line.

Steps: make sure the pinned PyInstaller (``requirements-bundle.lock``) is in this
interpreter's environment; freeze ``main.py``; lay out ``companion-VERSION/`` with the
app, the README and ``install.sh``; pack it with gzip level 6 under a temporary name,
rename it into place, and write ``sha256sum -c``'s line beside it. A failed build
leaves any earlier archive as it was. As root on Debian it first installs the X11
libraries Qt's window plugin lacks here, so that the archive carries them.

PyInstaller always warns about three things that do not matter here: the hidden
import ``psycopg_binary._uuid`` (absent from this psycopg version) and the Windows
libraries ``ole32`` and ``shell32`` that a dependency names for ``ctypes``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LOCK_FILE = ROOT / "requirements-bundle.lock"
APP_NAME = "companion"
PLATFORM_TAG = "linux-x86_64"
GZIP_LEVEL = 6
MANIFEST_NAME = "MANIFEST.sha256"

# Python modules the app never imports that PyInstaller would otherwise follow from the
# standard library or from optional imports of the dependencies. Which Qt plugins go in
# is decided by the hooks in tools/bundle/hooks/.
EXCLUDED_MODULES = (
    "tkinter",
    "pydoc_data",
    "lib2to3",
    "ensurepip",
    "idlelib",
    "PySide6.QtNetwork",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtConcurrent",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
)


class BuildError(Exception):
    """The build cannot go on; the message says why, in one line."""


@dataclass(frozen=True)
class Bundle:
    """What a build produced, for the summary line and the test."""

    archive: Path
    checksum_file: Path
    version: str
    seconds: float
    freeze_seconds: float
    unpacked_bytes: int


def project_version() -> str:
    """The version in pyproject.toml's [project] table: the one place it is written."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle).get("project", {}).get("version")
    if not isinstance(version, str) or not version.strip():
        raise BuildError("pyproject.toml has no [project] version to name the archive after.")
    return version.strip()


def archive_name(version: str) -> str:
    return f"{APP_NAME}-{version}-{PLATFORM_TAG}.tar.gz"


def check_platform() -> None:
    """The archive says linux-x86_64, and a frozen app only runs where it was built."""
    machine = platform.machine().lower()
    if sys.platform != "linux" or machine not in ("x86_64", "amd64"):
        raise BuildError(
            f"The offline installer is built on Linux x86-64 for Linux x86-64; "
            f"this is {sys.platform} {machine}."
        )


def pinned_versions() -> dict[str, str]:
    """``name -> version`` from requirements-bundle.lock (names lower-cased)."""
    pins: dict[str, str] = {}
    for line in LOCK_FILE.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if "==" in requirement:
            name, version = requirement.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def ensure_pyinstaller() -> None:
    """Install requirements-bundle.lock into this interpreter's environment when needed.

    The test runs on fresh clones where ``make bundle`` never ran, so the build
    entry point takes care of its own tools; only PyInstaller comes from the index.
    """
    wanted = pinned_versions().get("pyinstaller")
    try:
        present = importlib.metadata.version("pyinstaller")
    except importlib.metadata.PackageNotFoundError:
        present = None
    if present is not None and present == wanted:
        return
    print(f"Installing the bundle tools from {LOCK_FILE.name} (PyInstaller {wanted})", flush=True)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(LOCK_FILE),
        ],
        check=False,
    )
    if completed.returncode != 0:
        raise BuildError(f"pip could not install {LOCK_FILE.name}; see its message above.")
    importlib.invalidate_caches()
    if importlib.util.find_spec("PyInstaller") is None:
        raise BuildError("PyInstaller is still missing after installing the bundle tools.")


def missing_window_packages() -> list[str]:
    """Debian packages of the X11 window's libraries that this build machine lacks.

    PyInstaller copies the libraries Qt's plugins link to from the build machine, so
    whatever is missing here is missing from the archive, and the site (no network)
    would have to find it. ``tools/ensure-qt-libs.sh --check`` knows the mapping.
    """
    completed = subprocess.run(
        ["sh", str(ROOT / "tools" / "ensure-qt-libs.sh"), "--check", sys.executable],
        env={**os.environ, "QT_QPA_PLATFORM": "xcb"},
        capture_output=True,
        text=True,
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("packages:"):
            return line.removeprefix("packages:").split()
    return []


def ship_window_libraries() -> None:
    """Install the X11 window's libraries here (as root, with apt-get) so they are bundled.

    Without root or apt-get the build goes on and says which packages the site's
    machines will need for the X11 window; offscreen and Wayland are not affected.
    """
    packages = missing_window_packages()
    if not packages:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"Installing {' '.join(packages)} so the archive carries them", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        apt = ["apt-get", "-qq", "-o", "Dpkg::Use-Pty=0"]
        installed = (
            subprocess.run([*apt, "update"], env=env, check=False).returncode == 0
            and subprocess.run(
                [*apt, "install", "-y", "--no-install-recommends", *packages],
                env=env,
                stdout=subprocess.DEVNULL,
                check=False,
            ).returncode
            == 0
        )
        if installed:
            return
    print(
        f"warning: the archive will not carry {' '.join(packages)}: the X11 window needs "
        "them on the site's machines (install them here and build again to ship them)",
        file=sys.stderr,
        flush=True,
    )


def pyinstaller_command(dist: Path, work: Path) -> list[str]:
    """PyInstaller's command line for the one-folder app."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(ROOT / "main.py"),
        "--name",
        APP_NAME,
        "--onedir",
        "--noconfirm",
        "--noupx",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work / "build"),
        "--specpath",
        str(work),
        "--paths",
        str(ROOT),
        "--additional-hooks-dir",
        str(HERE / "hooks"),
        # The default playbook, phrasing rules and stylesheet, read through
        # importlib.resources, and pyproject.toml for `--version`.
        "--collect-data",
        "resources",
        "--add-data",
        f"{ROOT / 'pyproject.toml'}{os.pathsep}.",
    ]
    for module in EXCLUDED_MODULES:
        command += ["--exclude-module", module]
    return command


def freeze(work: Path) -> Path:
    """Run PyInstaller; the one-folder app it made (``companion`` and ``_internal/``)."""
    dist = work / "dist"
    completed = subprocess.run(pyinstaller_command(dist, work), cwd=ROOT, check=False)
    app = dist / APP_NAME
    if completed.returncode != 0 or not (app / APP_NAME).is_file():
        raise BuildError("PyInstaller did not build the app; see its messages above.")
    return app


def lay_out(app: Path, stage: Path, version: str) -> Path:
    """``companion-VERSION/``: the app's launcher and ``_internal/``, README.md, install.sh.

    The app folder is moved, not copied (PyInstaller's output is not reused), and
    ``MANIFEST.sha256`` lists every file so install.sh can refuse a half-unpacked copy.
    """
    stage.mkdir(parents=True, exist_ok=True)
    top = stage / f"{APP_NAME}-{version}"
    shutil.move(app, top)
    shutil.copy2(ROOT / "README.md", top / "README.md")
    installer = top / "install.sh"
    shutil.copy2(HERE / "install.sh", installer)
    installer.chmod(0o755)
    write_manifest(top)
    return top


def write_manifest(top: Path) -> Path:
    """``MANIFEST.sha256``: ``sha256sum -c``'s line for every file under ``top``."""
    manifest = top / MANIFEST_NAME
    lines = [
        f"{sha256_of(path)}  {path.relative_to(top).as_posix()}\n"
        for path in sorted(top.rglob("*"))
        if path.is_file() and not path.is_symlink() and path != manifest
    ]
    manifest.write_text("".join(lines), encoding="utf-8")
    return manifest


def _normalised(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """Entries owned by nobody in particular, readable by all: the builder's uid means nothing on site."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = (info.mode | 0o444 | (0o111 if info.mode & 0o111 else 0)) & 0o755
    return info


def pack(top: Path, out: Path) -> Path:
    """Write the archive under a temporary name and rename it into place.

    The small files come first and ``_internal/`` last, so an archive cut short still
    unpacks ``install.sh`` and the manifest, and install.sh can say what is wrong.
    """
    archive = out / archive_name(top.name.removeprefix(f"{APP_NAME}-"))
    partial = archive.with_name(archive.name + ".part")
    try:
        with tarfile.open(partial, "w:gz", compresslevel=GZIP_LEVEL) as tar:
            tar.add(top, arcname=top.name, recursive=False, filter=_normalised)
            for entry in sorted(top.iterdir(), key=lambda path: (path.is_dir(), path.name)):
                tar.add(entry, arcname=f"{top.name}/{entry.name}", filter=_normalised)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BuildError(f"Writing {archive} failed: {exc.strerror or exc}") from exc
    os.replace(partial, archive)
    return archive


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksum(archive: Path) -> Path:
    """``HEX  NAME`` beside the archive, as ``sha256sum -c`` reads it in that folder."""
    checksum_file = archive.with_name(archive.name + ".sha256")
    checksum_file.write_text(f"{sha256_of(archive)}  {archive.name}\n", encoding="utf-8")
    return checksum_file


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build(out: Path, work: Path | None = None) -> Bundle:
    """Build the archive into ``out``; ``work`` keeps PyInstaller's files (default: a temp dir)."""
    started = time.monotonic()
    check_platform()
    version = project_version()
    ensure_pyinstaller()
    ship_window_libraries()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="companion-bundle-") as scratch:
        work_dir = work or Path(scratch) / "work"
        work_dir.mkdir(parents=True, exist_ok=True)
        freeze_started = time.monotonic()
        app = freeze(work_dir)
        freeze_seconds = time.monotonic() - freeze_started
        top = lay_out(app, Path(scratch) / "stage", version)
        unpacked = folder_bytes(top)
        archive = pack(top, out)
    checksum_file = write_checksum(archive)
    seconds = time.monotonic() - started
    return Bundle(archive, checksum_file, version, seconds, freeze_seconds, unpacked)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bundle.build",
        description="Build Companion's offline installer archive for Linux x86-64.",
    )
    parser.add_argument("--out", default=str(ROOT / "dist"), help="where the archive goes")
    parser.add_argument(
        "--work", default=None, help="PyInstaller's working folder (default: a temporary one)"
    )
    args = parser.parse_args(argv)
    try:
        bundle = build(Path(args.out).resolve(), Path(args.work).resolve() if args.work else None)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    size_mb = bundle.archive.stat().st_size / 1e6
    print(
        f"{bundle.archive} ({size_mb:.0f} MB; {bundle.unpacked_bytes / 1e6:.0f} MB unpacked) "
        f"built in {bundle.seconds:.0f} s (PyInstaller {bundle.freeze_seconds:.0f} s)"
    )
    print(f"{bundle.checksum_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
