"""Building a complete index from every article, in a directory of its own.

A rebuild writes into a fresh staging directory (see :mod:`kb.search.storage`), so
that the index in use stays whole and searchable until the new one is swapped in.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from whoosh.fields import COLUMN, ID, STORED, Schema

from kb.article import ArticleData
from kb.search import storage
from kb.search.documents import (
    analyse,
    averages_of,
    lexicon_document,
    to_document,
    word_counts,
)
from kb.search.meta import IndexMeta, write_words
from kb.search.progress import Progress, RebuildProgress
from kb.search.scoring import ImpactField, WordsField
from kb.search.writing import open_writer

# Bump when the schema, the analyzers or the recorded metadata change, so old indexes
# are rebuilt rather than misread.
INDEX_FORMAT = 4


def schema() -> Schema:
    return Schema(
        slug=ID(stored=True, unique=True),
        text=ImpactField(),
        words=WordsField(),
        status=ID(stored=True),
        title=STORED(),
        category_name=STORED(),
        plain=STORED(),
        browse_key=COLUMN(),
    )


def build_into(
    directory: Path, articles: Sequence[ArticleData], progress: Progress | None
) -> RebuildProgress:
    """Write a whole index of ``articles`` into the empty ``directory``.

    Returns the progress report, whose ``finish`` the caller calls once the new index
    is in place: "done" must not show before searches can use it.
    """
    report = RebuildProgress(progress, len(articles))
    analysed = []
    for article in articles:
        analysed.append(analyse(article))
        report.analysed()
    averages = averages_of(analysed)
    index = storage.create_index(directory, schema())
    try:
        writer = open_writer(index, progress=report.committing)
        for document in analysed:
            writer.add_document(**to_document(document, averages))
            report.added()
        counts = word_counts(analysed)
        writer.add_document(**lexicon_document(counts))
        write_words(directory, counts)
        writer.commit()
    finally:
        index.close()
    IndexMeta({a.slug: a.revision for a in articles}, averages).write(directory, INDEX_FORMAT)
    return report
