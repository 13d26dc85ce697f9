"""Fuzzing of every decoder and entry point that takes outside input (issue 16, "the proof
that keeps looking"): `make fuzz` runs each target coverage-guided with atheris (one process
per target), `tests/unit/test_fuzz_short.py` runs each for a small fixed budget with the
seeded mutator of `fuzz.mutate`. See docs/fuzzing.md."""
