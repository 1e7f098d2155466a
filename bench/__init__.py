"""Benchmarks. Run with `make bench`; results go in the README, never into test assertions."""
