"""Tests that close gaps `make mutate` found in consensus/normal.py (issue 19)."""
