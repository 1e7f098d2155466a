"""Companion's domain core: database, users, call records and the rules around them.

Nothing in this package imports Qt, so the command line starts fast and every rule
can be tested without a window.
"""
