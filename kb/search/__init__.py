"""Full-text search over the playbook, built on whoosh.

``index`` owns the on-disk index and its lifecycle, ``query`` turns what an agent
types into a whoosh query, ``snippets`` marks the matching words in a short extract.
``text`` cuts and stems words, ``documents`` turns an article into what is indexed,
``scoring`` precomputes BM25F impacts, ``writing`` trims whoosh's writer for speed,
``meta`` and ``progress`` hold what a rebuild records and reports, ``building`` writes
a whole index, ``results`` is what a search answers, and ``storage`` and ``lock`` keep
the index sound on disk and shared between processes. ``bench/`` measures it all
against SQLite FTS5.
"""
