"""Deterministic contract runtime and the system contracts of TrustLedger.

Pure code: no I/O, no clock, no randomness, only the standard library. The node calls
:mod:`contracts.runtime`; see DESIGN.md section 5.
"""
