"""Fresh identifiers for certificates, requests, records and delegations.

Base32 (letters and the digits 2-7) rather than hex: admission refuses arguments that
look like ID or phone numbers (long runs of decimal digits), and random hex contains such
runs often enough to fail one transaction in a few thousand.
"""

from __future__ import annotations

import base64
import os


def new_id(prefix: str) -> str:
    """`prefix` + "-" + 24 base32 characters (120 random bits)."""
    return f"{prefix}-{base64.b32encode(os.urandom(15)).decode('ascii').lower()}"
