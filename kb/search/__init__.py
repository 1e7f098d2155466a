"""Full-text search over the playbook, built on whoosh.

``index`` owns the on-disk index and its lifecycle, ``query`` turns what an agent
types into a whoosh query, ``snippets`` marks the matching words in a short extract.
``text`` cuts and stems words, ``documents`` turns an article into what is indexed,
``scoring`` precomputes BM25F impacts, ``writing`` trims whoosh's writer for speed,
``meta`` and ``progress`` hold what a rebuild records and reports. ``bench/`` measures
it all against SQLite FTS5.
"""
