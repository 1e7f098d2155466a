"""Shipped data: the default playbook, phrasing rules, icons and the stylesheet.

A package so that :mod:`importlib.resources` finds it wherever Companion is installed.
"""
