"""Full-text search over the playbook, built on whoosh.

``index`` owns the on-disk index and its lifecycle, ``query`` turns what an agent
types into a whoosh query, ``snippets`` marks the matching words in a short extract.
"""
