"""`python -m mutation.run --selftest`: proof that each mutant sees fresh caches."""
