"""Formats every party agrees on: keys, transactions, headers, proofs, wire messages.

Pure; imported by the validator and by the SDK alike."""
