"""Front matter of every shape: each field takes only its own kind of value.

Supervisors write front matter by hand and receive playbooks from other sites, so a
field may hold a list, a mapping, a number thousands of digits long, a YAML alias bomb
or brackets nested ten thousand deep. Each such file is refused with a reason that
names the field and what was found; nothing is ever turned into text such as
"['a', 'b']", and nothing ends in a traceback.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.errors import InvalidInput
from kb.article import Status
from kb.frontmatter import KNOWN_KEYS, FrontMatter, parse_document
from kb.importer import import_playbook
from kb.workspace import Workspace

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True)


def read(front: str) -> FrontMatter:
    meta, body = parse_document(f"---\n{front}\n---\nThe body.\n")
    assert body == "The body.\n"
    return meta


def refusal(front: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        read(front)
    return str(caught.value)


BILLION_LAUGHS = "\n".join(
    [
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        *(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]"
            for i in range(8)
        ),
        "title: *i",
    ]
)

REFUSED: list[tuple[str, str, str]] = [
    ("title-list", "title: [a, b]", "the front-matter field 'title' must be text, not a list"),
    ("title-mapping", "title: {x: 1}", "'title' must be text, not a mapping"),
    ("slug-mapping", "slug: {x: 1}", "'slug' must be text, not a mapping"),
    ("category-list", "category:\n  - a\n  - b", "'category' must be text, not a list"),
    ("huge-number-slug", "slug: " + "1" * 5_000, "'slug' is longer than 120 characters"),
    ("long-title", "title: " + "x" * 1_000, "'title' is longer than 200 characters"),
    ("long-category", "category: " + "c" * 500, "'category' is longer than 120 characters"),
    ("tags-nested", "tags: [[1, 2]]", "each entry of 'tags' must be a single word or phrase"),
    ("tags-mapping", "tags: {a: b}", "'tags' must be a list, e.g. [one, two], not a mapping"),
    ("aliases-nested", "aliases: [{a: b}]", "each entry of 'aliases' must be a single word"),
    ("too-many-tags", "tags: [" + ", ".join(f"t{i}" for i in range(101)) + "]", "101 entries"),
    ("too-many-in-text", "tags: " + ",".join("t" * 3 for _ in range(150)), "150 entries"),
    ("long-tag", "tags: [ok, " + "t" * 61 + "]", "each entry of 'tags' must be at most 60"),
    ("long-alias", "aliases: " + "a " * 150, "each entry of 'aliases' must be at most 200"),
    ("status-list", "status: [draft]", "'status' must be 'draft' or 'published', not a list"),
    ("status-yes", "status: yes", "the status 'yes' is not known"),
    ("review-by-mapping", "review_by: {y: 2027}", "'review_by' must be a date such as"),
    ("review-by-impossible", "review_by: 2027-13-45", "'2027-13-45' is not a real date"),
    ("alias-bomb", BILLION_LAUGHS, "may not use YAML anchors (&name) or aliases (*name)"),
    ("lone-anchor", "title: &t Greeting", "may not use YAML anchors"),
    ("merge-alias", "base: &b {title: x}\n<<: *b", "may not use YAML anchors"),
    ("nested-flow", "title: " + "[" * 10_000 + "]" * 10_000, "nests lists or mappings more"),
    ("nested-block", "t:\n" + "".join(" " * i + "- \n" for i in range(40)), "nests lists"),
    ("python-object", "title: !!python/object:os.system ls", "the YAML tag '!!python/object"),
    ("python-name", "title: !!python/name:os.system ''", "the YAML tag '!!python/name"),
    ("binary-tag", "title: !!binary aGk=", "the YAML tag '!!binary'"),
    ("set-tag", "tags: !!set {a, b}", "the YAML tag '!!set'"),
    ("local-tag", "title: !shout hello", "the YAML tag '!shout'"),
    ("huge-front-matter", "title: " + "x" * 70_000, "over the 65,536 allowed"),
    ("control-character", "title: a\x07b", "U+0007, which YAML does not allow"),
]


@pytest.mark.parametrize(
    ("front", "expected"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_a_field_of_the_wrong_shape_is_refused_with_its_name(front: str, expected: str) -> None:
    message = refusal(front)

    assert expected in message
    assert "[" not in message.replace("[one, two]", "")  # no list was echoed as text


def test_numbers_and_yes_no_words_stay_as_written() -> None:
    meta = read("slug: 404\ntitle: 1.10\ncategory: 0x1F\ntags: [yes, no, 3.0]\naliases: on")

    assert meta.slug == "404"
    assert meta.title == "1.10"  # not the float 1.1
    assert meta.category == "0x1F"  # not 31
    assert meta.tags == ("yes", "no", "3.0")  # not True, False, 3.0
    assert meta.aliases == ("on",)
    assert all(type(value) is str for value in (meta.slug, meta.title, *meta.tags))


def test_dates_and_nulls_keep_their_meaning() -> None:
    meta = read("title:\nslug: ~\nreview_by: 2027-06-30\nstatus: Draft\ntags:")

    assert meta == FrontMatter(review_by=date(2027, 6, 30), status=Status.DRAFT)
    assert read("review_by: 2027-06-30 10:00:00").review_by == date(2027, 6, 30)
    assert read("title: 2027-06-30").title == "2027-06-30"


def test_explicit_plain_data_tags_are_allowed() -> None:
    meta = read("title: !!str 12\nslug: ! abc\ntags: !!seq [a]\nreview_by: !!timestamp 2027-01-02")

    assert (meta.title, meta.slug, meta.tags) == ("12", "abc", ("a",))
    assert meta.review_by == date(2027, 1, 2)


def test_a_refusal_names_the_line_in_the_file() -> None:
    message = refusal("title: Fine\ntags: [a]\nslug: *nowhere")

    assert "on line 4" in message  # line 1 is the opening '---'


# --- Properties -----------------------------------------------------------------------

# Text that safe_dump writes and reads back unchanged (line separators, lone surrogates
# and the byte-order mark are escaped by the exporter's own dumper, not by safe_dump).
TEXT = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters="\ufeff"),
    max_size=250,
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**320)
    | st.floats()
    | TEXT
    | st.dates()
    | st.datetimes()
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=10,
)
TEXT_FIELDS = ("slug", "title", "category")
CONTAINERS = (list, dict)


def _must_be_refused(fields: dict[str, object]) -> bool:
    """A value whose shape no reading of the field can accept."""
    for name, value in fields.items():
        if name in (*TEXT_FIELDS, "review_by") and isinstance(value, CONTAINERS):
            return True
        if name in ("tags", "aliases") and (
            isinstance(value, dict)
            or (isinstance(value, list) and any(isinstance(v, CONTAINERS) for v in value))
        ):
            return True
        if name == "status" and value is not None and value not in ("draft", "published"):
            return True
    return False


@PROPERTY
@given(fields=st.dictionaries(st.sampled_from(KNOWN_KEYS), VALUES, max_size=7))
def test_any_value_in_any_field_is_read_as_its_type_or_refused(fields: dict[str, object]) -> None:
    text = "---\n" + yaml.safe_dump(fields, allow_unicode=True, width=10_000) + "---\nbody"

    try:
        meta, _ = parse_document(text)
    except InvalidInput as exc:
        assert str(exc)
        return

    assert not _must_be_refused(fields), f"{fields!r} was accepted as {meta!r}"
    for name in TEXT_FIELDS:
        given_value, read_value = fields.get(name), getattr(meta, name)
        assert read_value is None or type(read_value) is str
        if isinstance(given_value, str) and given_value:
            assert read_value == given_value
        if isinstance(given_value, int) and not isinstance(given_value, bool):
            assert read_value == str(given_value)  # all its digits, however many
    for word in (*meta.tags, *meta.aliases):
        assert type(word) is str and word == word.strip() and word
    assert meta.review_by is None or type(meta.review_by) is date
    if isinstance(fields.get("review_by"), datetime | date):
        assert meta.review_by is not None


YAML_PIECES = [
    *"[]{},:-?|>'\"#%@`!&*~ \n\t\\",
    "title: ",
    "slug: ",
    "tags: ",
    "aliases: ",
    "status: ",
    "review_by: ",
    "\n  - ",
    "&a ",
    "*a ",
    "<<: ",
    "!!python/object:os.system ",
    "!!binary ",
    "!!int ",
    "!!timestamp ",
    "!local ",
    "yes",
    "null",
    "2027-13-45",
    "2027-06-30",
    "1e999",
    "9" * 60,
    "0x1F",
    "abc",
    "é😀",
    "[" * 50,
]


@PROPERTY
@given(front=st.lists(st.sampled_from(YAML_PIECES), max_size=60).map("".join))
def test_hand_written_yaml_of_any_shape_is_read_or_refused(front: str) -> None:
    try:
        meta, _ = parse_document(f"---\n{front}\n---\nThe body.\n")
    except InvalidInput as exc:
        assert str(exc)
        return

    for value in (meta.slug, meta.title, meta.category):
        assert value is None or type(value) is str
    assert all(type(word) is str for word in (*meta.tags, *meta.aliases))
    assert isinstance(meta.status, Status)


def test_many_unknown_keys_make_one_short_note_without_control_characters(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    keys = "".join(f'"key{i}\\e[31m{"x" * 100}": 1\n' for i in range(500))
    (tmp_path / "keys.md").write_text(f"---\n{keys}title: Keys\n---\nbody\n", encoding="utf-8")

    report = import_playbook(tmp_path, empty_workspace.playbook, empty_workspace.user)

    (result,) = report.files
    (note,) = result.notes
    assert note.endswith(" and 490 more")
    assert len(note) < 600
    printed = report.format()
    assert "\x1b" not in printed and "key0?[31m" in printed
