"""Applying a release at a site: history kept, identity across stores, order, idempotence.

Each test uses two real stores (see conftest): head office makes a file, the site
applies it, and the test looks at what the site's people would see.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from companion.errors import InvalidInput, PermissionDenied
from companion.users import Role, User
from kb import store
from kb.article import ArticleDraft, Status
from kb.models import Article, ArticleRevision
from kb.releases import (
    apply_release,
    installed_release,
    make_release,
    read_release,
    release_conflicts,
)
from kb.workspace import Workspace
from tests.kb.releases.conftest import Stores

SLUG = "staying-in-your-lane"


def edit(workspace: Workspace, slug: str, addition: str, user: User | None = None) -> None:
    """Publish a changed body, as a supervisor saving in the editor would."""
    article = store.get_article(slug)
    draft = replace(article.as_draft(), body=f"{article.body}\n\n{addition}")
    workspace.playbook.save(draft, user or workspace.user)


def new_article(workspace: Workspace, slug: str, title: str) -> None:
    workspace.playbook.save(
        ArticleDraft(slug=slug, title=title, body=f"# {title}\n\nSay hello.", tags=("hq",)),
        workspace.user,
    )


def snapshot() -> dict[str, object]:
    """Everything a release could change, to show a refused one changed nothing."""
    return {
        "articles": sorted((a.slug, a.content_hash, a.revision) for a in Article.select()),
        "revisions": ArticleRevision.select().count(),
        "users": User.select().count(),
        "installed": installed_release(),
    }


def _revision_ids(slug: str) -> list[str]:
    query = (
        ArticleRevision.select(ArticleRevision.id)
        .join(Article, on=(ArticleRevision.article == Article.id))
        .where(Article.slug == slug)
        .order_by(ArticleRevision.number)
    )
    return [row.id for row in query]


def make(stores: Stores, name: str, out: Path) -> Path:
    workspace = stores.open(name)
    make_release(workspace.user, out)
    return out


def test_first_release_on_a_default_site_changes_nothing_agents_see(
    stores: Stores, tmp_path: Path
) -> None:
    path = make(stores, "hq", tmp_path / "r1.cpb")
    site = stores.open("site")
    before = {a.slug: a.body for a in store.list_articles()}
    applied = apply_release(site.user, path)
    assert applied.release.label == "R1"
    assert (applied.added, applied.updated, applied.conflicts) == (0, 0, 0)
    assert applied.unchanged == len(before)
    assert {a.slug: a.body for a in store.list_articles()} == before
    assert installed_release() == read_release(path)


def test_changes_and_new_articles_arrive_with_their_history(stores: Stores, tmp_path: Path) -> None:
    hq = stores.open("hq")
    supervisor = stores.user("Hanna Hq", Role.SUPERVISOR)
    edit(hq, SLUG, "Head office wording.", supervisor)
    new_article(hq, "new-greeting", "New greeting")
    hq_revisions = _revision_ids(SLUG)
    hq_times = [r.saved_at for r in store.list_revisions(SLUG)]
    path = make(stores, "hq", tmp_path / "r1.cpb")

    site = stores.open("site")
    applied = apply_release(site.user, path)
    assert (applied.added, applied.updated, applied.conflicts) == (1, 1, 0)
    assert {(c.slug, c.change) for c in applied.changed} == {
        ("new-greeting", "added"),
        (SLUG, "updated"),
    }
    assert "Head office wording." in store.visible_article(SLUG).body
    history = store.list_revisions(SLUG)
    # The site's own first revision, then head office's: same ids, times and authors.
    assert _revision_ids(SLUG)[1:] == hq_revisions
    assert [r.saved_at for r in history[1:]] == hq_times
    assert [r.saved_by for r in history[1:]] == ["Local desk (head office)", "Hanna Hq"]
    assert store.get_article(SLUG).revision == history[-1].number
    added = store.visible_article("new-greeting")
    assert added.tags == ("hq",) and added.status is Status.PUBLISHED
    author = User.get(User.display_name == "Hanna Hq")
    assert author.disabled and author.password_hash is None and author.role == "agent"


def test_head_office_author_with_a_local_name_gets_a_distinct_name(
    stores: Stores, tmp_path: Path
) -> None:
    hq = stores.open("hq")
    edit(hq, SLUG, "HQ text.", stores.user("Sam", Role.SUPERVISOR))
    path = make(stores, "hq", tmp_path / "r1.cpb")
    site = stores.open("site")
    local_sam = stores.user("Sam", Role.AGENT)
    apply_release(site.user, path)
    assert store.list_revisions(SLUG)[-1].saved_by == "Sam (head office)"
    assert User.get_by_id(local_sam.id).display_name == "Sam"


def test_applying_twice_is_applying_once(stores: Stores, tmp_path: Path) -> None:
    hq = stores.open("hq")
    edit(hq, SLUG, "HQ text.")
    path = make(stores, "hq", tmp_path / "r1.cpb")
    site = stores.open("site")
    apply_release(site.user, path)
    before = snapshot()
    again = apply_release(site.user, path)
    assert again.already_installed
    assert again.changed == ()
    assert snapshot() == before


def test_applying_at_head_office_its_own_release_is_a_no_op(stores: Stores, tmp_path: Path) -> None:
    path = make(stores, "hq", tmp_path / "r1.cpb")
    hq = stores.open("hq")
    before = snapshot()
    assert apply_release(hq.user, path).already_installed
    assert snapshot() == before


def test_second_release_matches_by_head_office_id_and_updates(
    stores: Stores, tmp_path: Path
) -> None:
    make(stores, "hq", tmp_path / "r1.cpb")
    site = stores.open("site")
    apply_release(site.user, tmp_path / "r1.cpb")
    hq = stores.open("hq")
    edit(hq, SLUG, "Second wording.")
    make(stores, "hq", tmp_path / "r2.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r2.cpb")
    assert applied.release.label == "R2"
    assert applied.release.parent_id == read_release(tmp_path / "r1.cpb").release_id
    assert [(c.slug, c.change) for c in applied.changed] == [(SLUG, "updated")]
    assert "Second wording." in store.visible_article(SLUG).body
    assert Article.select().where(Article.slug == SLUG).count() == 1


def test_older_release_is_refused_unless_forced(stores: Stores, tmp_path: Path) -> None:
    make(stores, "hq", tmp_path / "r1.cpb")
    hq = stores.open("hq")
    edit(hq, SLUG, "Newer.")
    make(stores, "hq", tmp_path / "r2.cpb")
    site = stores.open("site")
    apply_release(site.user, tmp_path / "r2.cpb")
    before = snapshot()
    with pytest.raises(InvalidInput) as refused:
        apply_release(site.user, tmp_path / "r1.cpb")
    message = str(refused.value)
    assert "R1" in message and "R2" in message and "--force" in message
    assert snapshot() == before
    forced = apply_release(site.user, tmp_path / "r1.cpb", force=True)
    assert not forced.already_installed
    installed = installed_release()
    assert installed is not None and installed.label == "R1"


def test_release_of_another_head_office_is_refused_unless_forced(
    stores: Stores, tmp_path: Path
) -> None:
    make(stores, "hq", tmp_path / "r1.cpb")
    make(stores, "other-hq", tmp_path / "other.cpb")
    site = stores.open("site")
    apply_release(site.user, tmp_path / "r1.cpb")
    before = snapshot()
    with pytest.raises(InvalidInput, match=r"different head office.*--force"):
        apply_release(site.user, tmp_path / "other.cpb")
    assert snapshot() == before
    apply_release(site.user, tmp_path / "other.cpb", force=True)
    assert Article.select().where(Article.slug == SLUG).count() == 1


def test_agents_may_not_make_or_apply_releases(stores: Stores, tmp_path: Path) -> None:
    hq = stores.open("hq")
    agent = stores.user("Ann Agent", Role.AGENT)
    with pytest.raises(PermissionDenied):
        make_release(agent, tmp_path / "x.cpb")
    assert not (tmp_path / "x.cpb").exists()
    path = make(stores, "hq", tmp_path / "r1.cpb")
    del hq
    stores.open("site")
    agent = stores.user("Ann Agent", Role.AGENT)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        apply_release(agent, path)
    assert snapshot() == before


def test_article_head_office_stopped_publishing_is_unpublished_here(
    stores: Stores, tmp_path: Path
) -> None:
    make(stores, "hq", tmp_path / "r1.cpb")
    site = stores.open("site")
    apply_release(site.user, tmp_path / "r1.cpb")
    stores.open("hq")
    Article.update(published_revision=None).where(Article.slug == SLUG).execute()
    make(stores, "hq", tmp_path / "r2.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r2.cpb")
    assert [(c.slug, c.change) for c in applied.changed] == [(SLUG, "unpublished")]
    assert applied.unpublished == 1
    assert SLUG not in {a.slug for a in store.list_articles(Status.PUBLISHED)}
    assert store.get_article(SLUG).status is Status.DRAFT  # editors still have it


def test_article_head_office_stopped_publishing_stays_if_edited_here(
    stores: Stores, tmp_path: Path
) -> None:
    make(stores, "hq", tmp_path / "r1.cpb")
    site = stores.open("site")
    apply_release(site.user, tmp_path / "r1.cpb")
    edit(site, SLUG, "Our own note.")
    stores.open("hq")
    Article.update(published_revision=None).where(Article.slug == SLUG).execute()
    make(stores, "hq", tmp_path / "r2.cpb")
    site = stores.open("site")
    applied = apply_release(site.user, tmp_path / "r2.cpb")
    assert applied.changed == ()
    assert "Our own note." in store.visible_article(SLUG).body
    assert store.visible_article(SLUG).status is Status.PUBLISHED


def test_damaged_file_changes_nothing(stores: Stores, tmp_path: Path) -> None:
    hq = stores.open("hq")
    edit(hq, SLUG, "HQ text.")
    path = make(stores, "hq", tmp_path / "r1.cpb")
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x20
    path.write_bytes(bytes(data))
    site = stores.open("site")
    before = snapshot()
    with pytest.raises(InvalidInput, match=r"r1\.cpb"):
        apply_release(site.user, path)
    assert snapshot() == before


def test_failure_midway_leaves_the_playbook_as_it_was(
    stores: Stores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq = stores.open("hq")
    edit(hq, SLUG, "HQ text.")
    new_article(hq, "new-greeting", "New greeting")
    path = make(stores, "hq", tmp_path / "r1.cpb")
    site = stores.open("site")
    before = snapshot()

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kb.releases.applying.unpublish_missing", broken)
    with pytest.raises(OSError):
        apply_release(site.user, path)
    assert snapshot() == before
    monkeypatch.undo()
    assert apply_release(site.user, path).added == 1


def test_progress_counts_every_article(stores: Stores, tmp_path: Path) -> None:
    path = make(stores, "hq", tmp_path / "r1.cpb")
    site = stores.open("site")
    seen: list[tuple[int, int]] = []
    apply_release(site.user, path, progress=lambda done, total: seen.append((done, total)))
    total = read_release(path).article_count
    assert seen[-1] == (total, total)
    assert [done for done, _ in seen] == list(range(1, total + 1))


def test_no_conflicts_on_a_fresh_site(stores: Stores, tmp_path: Path) -> None:
    path = make(stores, "hq", tmp_path / "r1.cpb")
    site = stores.open("site")
    apply_release(site.user, path)
    assert release_conflicts() == []


def test_release_from_a_newer_companion_is_refused(stores: Stores, tmp_path: Path) -> None:
    from companion.sealed_archive import PLAYBOOK_RELEASE, write_archive
    from kb.releases.bundle import FORMAT

    path = tmp_path / "future.cpb"
    write_archive(path, PLAYBOOK_RELEASE, FORMAT + 1, [("articles.jsonl", b"")], {})
    site = stores.open("site")
    before = snapshot()
    with pytest.raises(InvalidInput, match="made by a newer Companion"):
        apply_release(site.user, path)
    with pytest.raises(InvalidInput, match="made by a newer Companion"):
        read_release(path)
    assert snapshot() == before


def test_valid_checksums_around_bad_content_are_still_refused(
    stores: Stores, tmp_path: Path
) -> None:
    """A hand-made file whose checksums are right but whose article cannot be stored."""
    import json

    from companion.sealed_archive import PLAYBOOK_RELEASE, write_archive
    from kb.releases.bundle import FORMAT

    revision = {
        "id": "r-1", "slug": "Not A Slug!", "title": "x", "category": "general", "tags": [],
        "aliases": [], "body": "x", "status": "published", "review_by": None,
        "saved_at": "2026-01-01T00:00:00", "saved_by": {"id": "u-1", "name": "Someone"},
    }  # fmt: skip
    article = {"id": "a-1", "slug": "Not A Slug!", "published": "r-1", "revisions": [revision]}
    meta = {
        "release_id": "rel-1", "number": 1, "label": "R1", "parent_id": None,
        "series": "s-1", "author": "Someone", "made_at": "2026-01-01T00:00:00",
        "article_count": 1, "articles": {"a-1": ["r-1"]},
    }  # fmt: skip
    path = tmp_path / "hand-made.cpb"
    parts = [("articles.jsonl", json.dumps(article).encode() + b"\n"), ("rules.jsonl", b"")]
    write_archive(path, PLAYBOOK_RELEASE, FORMAT, parts, meta)
    site = stores.open("site")
    before = snapshot()
    with pytest.raises(InvalidInput, match="cannot be used as a playbook release: article 1"):
        apply_release(site.user, path)
    assert snapshot() == before


def test_migration_3_creates_the_release_tables(stores: Stores) -> None:
    workspace = stores.open("site")
    tables = set(workspace.database.get_tables())
    assert {
        "playbook_releases",
        "release_articles",
        "release_rules",
        "release_conflicts",
        "release_notices_seen",
    } <= tables
