"""Turning an article into what the index stores.

Analysis happens once per article in two steps because BM25F needs the average field
lengths of the whole playbook before any impact can be computed: :func:`analyse`
counts words, then :func:`to_document` turns counts into impacts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from kb.article import ArticleData
from kb.search.scoring import FieldAverages, impacts
from kb.search.text import STOPS, codes_in, markdown_to_text, normalise, stem_word, words_of

MIN_WORD = 2  # completions and spelling never need one-letter words
# The lexicon document's slug and status; no article can have either (slugs are [a-z0-9-]).
LEXICON_SLUG = "~lexicon"
LEXICON_STATUS = "lexicon"
# A column of "category, title" keys that an empty search box lists articles by.
BROWSE_KEY = "browse_key"


@dataclass(frozen=True)
class AnalysedArticle:
    slug: str
    title: str
    category: str
    status: str
    plain: str
    counts: dict[str, dict[str, int]]  # field -> term -> occurrences
    lengths: dict[str, int]  # field -> words, stop words excluded
    words: frozenset[str]  # distinct unstemmed words, for completions and spelling


def analyse(article: ArticleData) -> AnalysedArticle:
    plain = markdown_to_text(_without_title_heading(article.body, article.title))
    title = normalise(article.title)
    texts = {
        "title": title,
        "aliases": normalise("\n".join(article.aliases)),
        "tags": normalise(" ".join(article.tags)),
        "category": article.category.replace("-", " "),
        "body": plain,
    }
    counts: dict[str, dict[str, int]] = {}
    lengths: dict[str, int] = {}
    words: set[str] = set()
    for name, text in texts.items():
        kept = [w for w in words_of(text) if w not in STOPS]
        words.update(kept)
        # A plain loop: Counter() spends longer on its isinstance(Mapping) check than on
        # counting a short field.
        field_counts: dict[str, int] = {}
        for stem in map(stem_word, kept):
            field_counts[stem] = field_counts.get(stem, 0) + 1
        # Codes such as e-dock-101 are whole terms beside their parts; no stem has "-".
        for code in codes_in(text):
            field_counts[code] = field_counts.get(code, 0) + 1
        counts[name] = field_counts
        lengths[name] = len(kept)
    return AnalysedArticle(
        slug=article.slug,
        title=title,
        category=article.category,
        status=str(article.status),
        plain=plain,
        counts=counts,
        lengths=lengths,
        words=frozenset(w for w in words if len(w) >= MIN_WORD),
    )


def averages_of(articles: list[AnalysedArticle]) -> FieldAverages:
    totals: Counter[str] = Counter()
    for article in articles:
        totals.update(article.lengths)
    return FieldAverages.of(totals, len(articles))


def to_document(
    article: AnalysedArticle, averages: FieldAverages, words: Collection[str] = ()
) -> dict[str, object]:
    """The keyword arguments for whoosh's ``add_document`` / ``update_document``.

    ``words`` are the article's words the lexicon does not hold yet. A rebuild passes
    none and adds every word at once with :func:`lexicon_document`; an edit passes the
    words that are new since (see :class:`kb.search.scoring.WordsField`).
    """
    document: dict[str, object] = {
        "slug": article.slug,
        "text": impacts(article.counts, article.lengths, averages),
        "status": article.status,
        "title": article.title,
        "category_name": article.category,
        "plain": article.plain,
        BROWSE_KEY: f"{article.category}\x00{article.title.casefold()}".encode(),
    }
    if words:
        document["words"] = dict.fromkeys(words, 1)
    return document


def word_counts(articles: list[AnalysedArticle]) -> dict[str, int]:
    """Every word of the playbook with the number of articles using it."""
    counts: Counter[str] = Counter()
    for article in articles:
        counts.update(article.words)
    return dict(counts)


def lexicon_document(counts: dict[str, int]) -> dict[str, object]:
    """One document holding every word of the playbook, weighted by its article count."""
    return {"slug": LEXICON_SLUG, "words": counts, "status": LEXICON_STATUS}


def _without_title_heading(body: str, title: str) -> str:
    """Drop a leading ``# Title`` that repeats the title, so snippets start with content."""
    first, _, rest = body.lstrip().partition("\n")
    if first.startswith("# ") and " ".join(first[2:].split()) == title:
        return rest
    return body
