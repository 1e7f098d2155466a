"""The playbook: articles with history, their search index, rendering and import/export.

Depends on :mod:`companion` for the database and users; never imports Qt.
"""
