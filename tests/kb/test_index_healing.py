"""The search index heals from any damage, and several processes can share it.

Every case damages the index the way a crash, a disk, a backup tool or a curious user
might, then searches as an agent would: the known article must be found, with no
traceback, and the index left behind must be sound.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import parse_args, run_command
from companion.paths import DB_FILENAME
from kb import store
from kb.article import ArticleDraft
from kb.search import storage
from kb.search.index import SearchIndex, SearchIndexUnavailable
from kb.search.meta import REVISIONS_FILE, WORDS_FILE
from kb.workspace import Workspace, open_workspace

ROOT = Path(__file__).resolve().parents[2]
QUERY = "refund"
KNOWN = "understand-the-goal"  # in the default playbook, found by QUERY
AIRLOCK = ArticleDraft(
    slug="airlock-fault",
    title="Airlock will not cycle",
    body="If the panel shows E-DOCK-101 the outer door sensor is not reporting.",
    category="faults",
)

DAMAGES = ["deleted", "emptied", "garbage", "directory", "dangling-symlink"]
# Which file of an index that has seen one edit: its table of contents, the segment a
# rebuild wrote, the segment the edit wrote, and Companion's two records.
KINDS = ["toc", "rebuilt-segment", "edited-segment", REVISIONS_FILE, WORDS_FILE]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the default playbook, made once: loading it is most of a test."""
    directory = tmp_path_factory.mktemp("template")
    open_workspace(directory).close()
    return directory / DB_FILENAME


@pytest.fixture
def workspace(data_dir: Path, template: Path) -> Iterator[Workspace]:
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, data_dir / DB_FILENAME)
    opened = open_workspace(data_dir)
    yield opened
    opened.close()


def _slugs(workspace: Workspace, text: str = QUERY) -> list[str]:
    return [hit.slug for hit in workspace.index.search(text).hits]


def _edited_index(workspace: Workspace) -> Path:
    """A fresh index plus one edit, so it has two segments."""
    workspace.ensure_index()
    workspace.playbook.save(AIRLOCK, workspace.user)
    return workspace.index.directory


def _pick(directory: Path, kind: str) -> Path:
    if kind in (REVISIONS_FILE, WORDS_FILE):
        return directory / kind
    if kind == "toc":
        (toc,) = directory.glob("_MAIN_*.toc")
        return toc
    segments = sorted(directory.glob("MAIN_*.seg"), key=lambda p: p.stat().st_size)
    assert len(segments) == 2, "an edit adds a segment of its own"
    return segments[-1] if kind == "rebuilt-segment" else segments[0]


def _damage(path: Path, how: str) -> None:
    if how == "deleted":
        path.unlink()
    elif how == "emptied":
        path.write_bytes(b"")
    elif how == "garbage":
        # As many bytes as before, so only the content is wrong.
        size = path.stat().st_size
        path.write_bytes(random.Random(size).randbytes(size))
    elif how == "directory":
        path.unlink()
        path.mkdir()
        (path / "inside").write_text("not an index file")
    elif how == "dangling-symlink":
        path.unlink()
        path.symlink_to(path.parent / "nowhere")
    else:
        raise AssertionError(how)


def _assert_sound(workspace: Workspace) -> None:
    """A fresh look at the index on disk: it needs no rebuild and finds both articles."""
    workspace.index.close()
    assert not workspace.index.needs_rebuild(store.revision_fingerprint())
    assert KNOWN in _slugs(workspace)
    assert _slugs(workspace, "E-DOCK-101") == ["airlock-fault"]
    assert not storage.leftovers(workspace.index.directory)


@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_file_is_rebuilt_when_the_index_is_opened(
    workspace: Workspace, kind: str, how: str
) -> None:
    directory = _edited_index(workspace)
    workspace.index.close()
    _damage(_pick(directory, kind), how)

    assert workspace.ensure_index(), "the damage was noticed before any search"
    assert KNOWN in _slugs(workspace)
    _assert_sound(workspace)


# whoosh leaks the file handle of a file it fails to parse; the leak is whoosh's,
# reported when the garbage collector closes it, and harmless here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_file_damaged_under_a_running_process_does_not_break_search(
    workspace: Workspace, kind: str, how: str
) -> None:
    directory = _edited_index(workspace)
    assert KNOWN in _slugs(workspace)  # a searcher is open on the files
    _damage(_pick(directory, kind), how)

    assert KNOWN in _slugs(workspace)
    assert _slugs(workspace, "E-DOCK-101") == ["airlock-fault"]
    workspace.ensure_index()  # what the next start does
    _assert_sound(workspace)


def test_the_index_deleted_under_a_running_process_is_rebuilt_by_the_next_search(
    workspace: Workspace,
) -> None:
    directory = _edited_index(workspace)
    assert KNOWN in _slugs(workspace)
    shutil.rmtree(directory)

    assert KNOWN in _slugs(workspace)
    assert [h.slug for h in workspace.index.browse().hits if h.slug == KNOWN] == [KNOWN]
    notes = "The caller wants a refund for the repair and a replacement date."
    assert workspace.index.related(notes)
    _assert_sound(workspace)


def test_a_search_before_any_index_exists_builds_it(workspace: Workspace) -> None:
    shutil.rmtree(workspace.index.directory, ignore_errors=True)
    assert KNOWN in _slugs(workspace)
    assert workspace.index.directory.is_dir()


@pytest.mark.parametrize("leftover", [".new", ".old", ".new-4242-deadbeef", ".old-1-cafe"])
def test_leftovers_of_a_crashed_rebuild_are_cleared(workspace: Workspace, leftover: str) -> None:
    directory = _edited_index(workspace)
    workspace.index.close()
    stray = directory.with_name(directory.name + leftover)
    shutil.copytree(directory, stray)
    (stray / "_MAIN_1.toc").write_bytes(b"half written")
    crashed_file = directory.with_name(directory.name + leftover + "x")
    crashed_file.write_text("a file, not a directory")

    assert not workspace.ensure_index(), "the index itself is sound"
    assert not stray.exists()
    assert not crashed_file.exists()
    _assert_sound(workspace)


def test_a_crash_between_the_two_renames_leaves_no_index_and_is_rebuilt(
    workspace: Workspace,
) -> None:
    directory = _edited_index(workspace)
    workspace.index.close()
    directory.rename(directory.with_name(directory.name + ".old-77-abcd"))
    assert workspace.ensure_index()
    _assert_sound(workspace)


def test_a_file_where_the_index_should_be_is_replaced(workspace: Workspace) -> None:
    directory = _edited_index(workspace)
    workspace.index.close()
    shutil.rmtree(directory)
    directory.write_text("not a directory")

    assert workspace.ensure_index()
    assert directory.is_dir()
    _assert_sound(workspace)


def test_a_dangling_symlink_where_the_index_should_be_is_replaced(
    workspace: Workspace, tmp_path: Path
) -> None:
    directory = _edited_index(workspace)
    workspace.index.close()
    shutil.rmtree(directory)
    target = tmp_path / "elsewhere" / "gone"
    directory.symlink_to(target)

    assert workspace.ensure_index()
    assert directory.is_dir() and not directory.is_symlink()
    assert not target.exists() and not target.parent.exists(), "nothing made outside"
    _assert_sound(workspace)


def test_a_symlinked_index_that_is_damaged_is_replaced_without_touching_its_target(
    workspace: Workspace, tmp_path: Path
) -> None:
    directory = _edited_index(workspace)
    workspace.index.close()
    outside = tmp_path / "outside"
    shutil.move(directory, outside)
    (outside / "keep-me.txt").write_text("someone else's file")
    directory.symlink_to(outside)
    (toc,) = outside.glob("_MAIN_*.toc")
    toc.write_bytes(b"garbage")

    assert workspace.ensure_index()
    assert not directory.is_symlink()
    assert (outside / "keep-me.txt").read_text() == "someone else's file"
    _assert_sound(workspace)


@pytest.mark.parametrize("how", ["directory", "dangling-symlink"])
def test_a_broken_lock_file_does_not_stop_a_rebuild(
    workspace: Workspace, tmp_path: Path, how: str
) -> None:
    directory = _edited_index(workspace)
    lock = storage.lock_path(directory)
    lock.unlink(missing_ok=True)
    if how == "directory":
        lock.mkdir()
    else:
        lock.symlink_to(tmp_path / "nowhere")

    assert workspace.rebuild_index() == len(store.list_articles())
    assert lock.is_file() and not lock.is_symlink()
    assert not (tmp_path / "nowhere").exists()
    _assert_sound(workspace)


def test_an_index_that_cannot_be_rebuilt_says_so_in_one_line(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _edited_index(workspace)
    workspace.close()
    (toc,) = directory.glob("_MAIN_*.toc")
    toc.write_bytes(b"garbage")

    def disk_full(_directory: Path) -> Path:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage, "make_staging", disk_full)
    code = run_command(
        parse_args(["--data-dir", str(workspace.data_dir), "playbook", "search", QUERY])
    )

    err = capsys.readouterr().err
    assert code != 0
    assert f"The search index in {directory} cannot be rebuilt: No space left on device" in err
    assert "Traceback" not in err
    assert toc.read_bytes() == b"garbage", "nothing half-done was swapped in"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_search_that_cannot_rebuild_raises_one_clear_error(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _edited_index(workspace)
    workspace.index.close()
    for segment in directory.glob("*.seg"):
        segment.write_bytes(b"")

    def read_only(_directory: Path) -> Path:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(storage, "make_staging", read_only)
    with pytest.raises(SearchIndexUnavailable, match="cannot be rebuilt: Permission denied"):
        workspace.index.search(QUERY)


def test_a_rebuild_that_waited_for_another_keeps_its_index(workspace: Workspace) -> None:
    """Three `playbook reindex` at once build once, not three times in a row."""
    directory = _edited_index(workspace)
    articles = store.list_articles()
    first = SearchIndex(directory, source=lambda: articles)
    second = SearchIndex(directory, source=lambda: articles)
    seen: list[tuple[int, int]] = []
    waiting = threading.Thread(target=lambda: second.rebuild(progress=lambda *p: seen.append(p)))
    with first._writer.hold(5):
        waiting.start()
        waiting.join(timeout=0.3)
        assert waiting.is_alive(), "the second rebuild waits for the lock"
        first._build_and_swap(articles, None)
        built = first._build_id()
    waiting.join()

    assert second._build_id() == built, "the index built first was kept"
    assert seen == [(len(articles), len(articles))]
    first.close()
    second.close()
    _assert_sound(workspace)


def _cli(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data_dir), *args]


@pytest.mark.slow
def test_cli_search_after_damage_prints_results(workspace: Workspace) -> None:
    directory = _edited_index(workspace)
    workspace.close()
    for segment in directory.glob("*.seg"):
        _damage(segment, "garbage")

    done = subprocess.run(
        _cli(workspace.data_dir, "playbook", "search", QUERY),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert KNOWN in done.stdout
    assert "Traceback" not in done.stderr


SEARCH_LOOP = """
import sys
from kb.workspace import open_workspace
workspace = open_workspace(sys.argv[1])
workspace.ensure_index()
for line in sys.stdin:
    hits = workspace.index.search(line.strip()).hits
    print(" ".join(hit.slug for hit in hits), flush=True)
workspace.close()
"""


@pytest.mark.slow
def test_a_long_running_process_recovers_when_its_index_is_deleted_or_damaged(
    workspace: Workspace,
) -> None:
    directory = _edited_index(workspace)
    workspace.close()
    process = subprocess.Popen(
        [sys.executable, "-c", SEARCH_LOOP, str(workspace.data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdin is not None and process.stdout is not None

    def ask() -> str:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(QUERY + "\n")
        process.stdin.flush()
        return process.stdout.readline()

    try:
        assert KNOWN in ask()
        shutil.rmtree(directory)
        assert KNOWN in ask(), "deleted: the next search rebuilt it"
        for segment in directory.glob("*.seg"):
            _damage(segment, "emptied")
        (toc,) = directory.glob("_MAIN_*.toc")
        _damage(toc, "garbage")
        assert KNOWN in ask(), "damaged: the next search rebuilt it"
    finally:
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_reindexing_and_searching_from_several_processes_at_once(data_dir: Path) -> None:
    first = subprocess.run(
        _cli(data_dir, "playbook", "search", QUERY),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert first.returncode == 0, first.stderr

    commands = [_cli(data_dir, "playbook", "reindex")] * 3 + [
        _cli(data_dir, "playbook", "search", QUERY)
    ] * 3
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for c in commands
    ]
    outputs = [process.communicate(timeout=300) for process in processes]

    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err
    for out, _err in outputs[:3]:
        assert out.startswith("Indexed ")
    for out, _err in outputs[3:]:
        assert KNOWN in out
    workspace = open_workspace(data_dir)
    try:
        assert not workspace.ensure_index(), "the index left behind is sound and fresh"
        assert KNOWN in _slugs(workspace)
        assert not storage.leftovers(workspace.index.directory)
    finally:
        workspace.close()
