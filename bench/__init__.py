"""Benchmarks: each ``bench/<name>/run.py`` prints a ratio against the baseline a user would otherwise run."""
