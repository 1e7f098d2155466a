"""The offline installer, as a remote site meets it.

The archive is built once for this module by the same entry point as ``make bundle``
(``python -m tools.bundle.build``), unpacked with the system's ``tar`` into an empty
folder whose path has a space in it, and made read-only. Every run of the app then
happens the way it would on a machine with nothing installed: an environment holding
only ``PATH=/usr/bin:/bin``, ``HOME`` and ``QT_QPA_PLATFORM=offscreen`` (as ``env -i``
gives), a working folder outside the checkout, no ``.venv`` and no source tree on any
path, without root's power to write through permissions (``setpriv``), and, where
this machine allows it, in a network namespace with no network at all
(``unshare --net``).

Marked ``sqlite_only`` as well as ``slow``: the frozen app uses its own SQLite files,
so a PostgreSQL run of the whole suite has nothing to add but a second build.
"""

from __future__ import annotations

import functools
import json
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.unprivileged import unprivileged
from tools.bundle import build

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 1200
RUN_TIMEOUT = 180


@dataclass(frozen=True)
class Built:
    """The archive and its checksum file, in a dist folder of the test's own."""

    archive: Path
    checksum: Path
    version: str


@dataclass(frozen=True)
class Site:
    """An unpacked, read-only copy of the archive and a writable home beside it."""

    top: Path
    home: Path
    # Every path under ``top`` right after unpacking, to show that running added nothing.
    unpacked: frozenset[str] = frozenset()

    @property
    def app(self) -> Path:
        return self.top / "companion"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    completed = subprocess.run(
        [sys.executable, "-m", "tools.bundle.build", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    version = build.project_version()
    archive = out / build.archive_name(version)
    return Built(archive, archive.with_name(archive.name + ".sha256"), version)


@pytest.fixture(scope="module")
def site(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("remote site")
    unpack = base / "unpacked here"
    unpack.mkdir()
    subprocess.run(["tar", "xzf", str(built.archive)], cwd=unpack, check=True, timeout=300)
    (top,) = unpack.iterdir()
    home = base / "home dir"
    home.mkdir()
    _set_writable(unpack, writable=False)
    yield Site(top, home, _listing(top))
    _set_writable(unpack, writable=True)


def _listing(top: Path) -> frozenset[str]:
    return frozenset(path.relative_to(top).as_posix() for path in top.rglob("*"))


def _set_writable(folder: Path, *, writable: bool) -> None:
    """Take write permission from (or give it back to) everything under ``folder``."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        bits = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
        path.chmod((mode | stat.S_IWUSR) if writable else (mode & ~bits))


@functools.cache
def _no_network_prefix() -> tuple[str, ...]:
    """``unshare --net --`` where this machine lets us drop the network, else nothing."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    probe = subprocess.run([unshare, "--net", "--", "true"], capture_output=True, timeout=30)
    return (unshare, "--net", "--") if probe.returncode == 0 else ()


def run_on_site(
    site: Site, *argv: str, stdin: str | None = None, network: bool = False
) -> subprocess.CompletedProcess[str]:
    """``argv`` as on a bare machine: env -i's environment, no root powers, no network
    (unless ``network``: a site's own PostgreSQL server is reached over it)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(site.home), "QT_QPA_PLATFORM": "offscreen"}
    offline = () if network else _no_network_prefix()
    return subprocess.run(
        [*offline, *unprivileged(list(argv))],
        cwd=site.home,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def companion(site: Site, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The unpacked app itself, run in place."""
    return run_on_site(site, str(site.app), *argv, stdin=stdin)


def succeeded(completed: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert completed.returncode == 0, (completed.args, completed.stdout, completed.stderr)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def test_the_archive_is_named_for_the_version_and_its_checksum_verifies(built: Built) -> None:
    assert built.archive.name == f"companion-{built.version}-linux-x86_64.tar.gz"
    check = subprocess.run(
        ["sha256sum", "-c", built.checksum.name],
        cwd=built.archive.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{built.archive.name}: OK" in check.stdout


def test_the_archive_holds_the_app_readme_and_installer_but_no_source_tree(site: Site) -> None:
    names = {path.name for path in site.top.iterdir()}
    assert {"companion", "_internal", "README.md", "install.sh", "MANIFEST.sha256"} <= names
    assert "main.py" not in names and ".venv" not in names
    shipped = (site.top / "README.md").read_text(encoding="utf-8")
    assert shipped == (ROOT / "README.md").read_text(encoding="utf-8")
    playbook = site.top / "_internal" / "resources" / "playbook"
    assert len(list(playbook.rglob("*.md"))) >= 10
    assert not list(site.top.rglob("*.py")), "Python sources were shipped as plain files"


def test_the_cli_searches_the_default_playbook(site: Site) -> None:
    data = site.home / "search data"
    found = succeeded(
        companion(site, "--data-dir", str(data), "playbook", "search", "angry caller", "--json")
    )
    results = json.loads(found.stdout)
    assert results, "the default playbook was not loaded on first run"
    assert results[0]["slug"] == "conflicts"
    assert (data / "companion.db").is_file()


def test_demo_data_loads_and_can_be_read_back(site: Site) -> None:
    data = site.home / "demo data"
    demo = succeeded(companion(site, "--data-dir", str(data), "demo"))
    assert "customers" in demo.stdout
    due = succeeded(companion(site, "--data-dir", str(data), "promises", "due", "--json"))
    assert json.loads(due.stdout), "the demo promises are not listed"


def test_customer_lookup_uses_phone_metadata_and_fuzzy_names(site: Site) -> None:
    """phonenumbers loads each country's metadata lazily and rapidfuzz picks its build at
    import time; both must have been collected."""
    data = str(site.home / "lookup data")
    succeeded(
        companion(
            site,
            "--data-dir",
            data,
            "customer",
            "add",
            "Ana María López",
            "--phone",
            "+44 20 7946 0018",
        )
    )

    def matches(query: str) -> list[tuple[str, int]]:
        found = succeeded(companion(site, "--data-dir", data, "customer", "find", query, "--json"))
        return [(m["customer"]["display_name"], m["matched_on"]) for m in json.loads(found.stdout)]

    assert matches("+442079460018") == [("Ana María López", 0)]  # the phone number
    assert matches("Anna Maria Lopes") == [("Ana María López", 5)]  # a similar name


def test_version_and_help_name_the_installed_app(site: Site, built: Built) -> None:
    version = succeeded(companion(site, "--version"))
    assert version.stdout.strip() == f"companion {built.version}"
    usage = succeeded(companion(site, "--help"))
    assert usage.stdout.startswith("usage: companion ")
    assert "--quit-when-shown" in usage.stdout


def test_the_window_opens_offscreen_and_closes_by_itself(site: Site) -> None:
    shown = succeeded(
        companion(site, "--data-dir", str(site.home / "window data"), "--quit-when-shown")
    )
    assert "The window opened: Companion" in shown.stdout
    # No locale is set (as under env -i); the app picks C.UTF-8 as `python main.py` would.
    assert "locale" not in shown.stderr, shown.stderr


def test_the_frozen_app_reaches_a_shared_postgresql_store(
    site: Site, postgres_test_db: str
) -> None:
    """The PostgreSQL driver (psycopg with its own libpq) made it into the app."""
    found = succeeded(
        run_on_site(
            site,
            str(site.app),
            "--data-dir",
            str(site.home / "desk on postgres"),
            "--db",
            postgres_test_db,
            "playbook",
            "search",
            "angry caller",
            "--json",
            network=True,
        )
    )
    assert json.loads(found.stdout)[0]["slug"] == "conflicts"


def test_hints_give_the_installed_command_not_main_py(site: Site) -> None:
    refused = companion(
        site,
        "--data-dir",
        str(site.home / "accounts data"),
        "user",
        "add",
        "Grace Okafor",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin="a long enough password 123\n",
    )
    assert refused.returncode == 1
    assert str(site.app) in refused.stderr
    assert "main.py" not in refused.stderr


def test_install_sh_installs_upgrades_and_uninstalls_from_a_read_only_unpack(
    site: Site, tmp_path: Path
) -> None:
    home = Site(site.top, tmp_path / "installer home")
    home.home.mkdir()
    prefix = tmp_path / "my apps" / "companion"
    bin_dir = tmp_path / "my bin"
    install = [str(site.top / "install.sh"), "--prefix", str(prefix), "--bin-dir", str(bin_dir)]

    first = succeeded(run_on_site(home, *install))
    assert f"Installed companion {build.project_version()} in {prefix}" in first.stdout
    launcher = bin_dir / "companion"
    assert launcher.is_symlink() and launcher.resolve() == (prefix / "companion").resolve()
    entry = home.home / ".local" / "share" / "applications" / "companion.desktop"
    assert f'Exec="{prefix}/companion"' in entry.read_text(encoding="utf-8")

    # The installed launcher reads a site.ini placed beside the installed app.
    site_db = tmp_path / "site-store" / "site.db"
    site_db.parent.mkdir()
    (prefix / "site.ini").write_text(f"[database]\nurl = sqlite:///{site_db}\n", encoding="utf-8")
    data = home.home / "installed data"
    found = succeeded(
        run_on_site(home, str(launcher), "--data-dir", str(data), "playbook", "search", "refund")
    )
    assert "refund" in found.stdout.lower()
    assert site_db.is_file(), "site.ini beside the installed app was not read"
    succeeded(run_on_site(home, str(launcher), "--data-dir", str(data), "--quit-when-shown"))
    check = succeeded(run_on_site(home, "sh", str(prefix / "install.sh"), "--check"))
    assert "'offscreen' platform has every system library it needs" in check.stdout

    # An upgrade replaces the app and keeps site.ini; data is never touched.
    succeeded(run_on_site(home, *install))
    assert (prefix / "site.ini").is_file()
    assert (prefix / "_internal").is_dir()
    assert not list(prefix.parent.glob("companion.*")), "leftovers of the upgrade remain"

    # The installed copy uninstalls itself without being told where it put things.
    gone = succeeded(run_on_site(home, str(prefix / "install.sh"), "--uninstall"))
    assert not prefix.exists() and not launcher.exists() and not entry.exists()
    assert "data was kept" in gone.stdout
    assert site_db.is_file() and (data / "search-index").is_dir()


def test_install_sh_will_not_overwrite_a_folder_that_is_not_companion(
    site: Site, tmp_path: Path
) -> None:
    prefix = tmp_path / "documents"
    prefix.mkdir()
    (prefix / "letter.txt").write_text("keep me", encoding="utf-8")
    refused = run_on_site(site, "sh", str(site.top / "install.sh"), "--prefix", str(prefix))
    assert refused.returncode == 1
    assert "does not hold Companion; nothing was changed" in refused.stderr
    assert [p.name for p in prefix.iterdir()] == ["letter.txt"]


def test_a_damaged_archive_is_refused_by_tar_checksum_and_installer(
    built: Built, tmp_path: Path
) -> None:
    damaged = tmp_path / built.archive.name
    with built.archive.open("rb") as whole, damaged.open("wb") as cut:
        cut.write(whole.read(built.archive.stat().st_size // 2))
    shutil.copy(built.checksum, tmp_path / built.checksum.name)

    check = subprocess.run(
        ["sha256sum", "-c", built.checksum.name], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode != 0 and "FAILED" in check.stdout

    unpack = tmp_path / "unpacked anyway"
    unpack.mkdir()
    untar = subprocess.run(["tar", "xzf", str(damaged)], cwd=unpack, capture_output=True)
    assert untar.returncode != 0

    (top,) = unpack.iterdir()
    assert (top / "install.sh").is_file(), "the installer should come first in the archive"
    prefix = tmp_path / "prefix"
    refused = run_on_site(
        Site(top, tmp_path), "sh", str(top / "install.sh"), "--prefix", str(prefix)
    )
    assert refused.returncode == 1
    assert "incomplete or damaged; nothing was changed" in refused.stderr
    assert not prefix.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("prefix.")]


def test_the_unpacked_app_never_wrote_into_its_own_folder(site: Site) -> None:
    """Every run above used the read-only unpack in place; nothing appeared in it."""
    assert _listing(site.top) == site.unpacked
