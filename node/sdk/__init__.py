"""What agencies, the wallet and the CLI import to talk to a chain and check its answers.

Imports no server code (tests/unit/test_import_rules.py)."""
