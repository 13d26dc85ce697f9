"""The one place the suites take fresh random bytes from the system (``secrets``, that is
the kernel's generator): sealing's symmetric keys and nonces. Nothing else in ``suites/``
draws randomness of its own; the libraries draw theirs for key generation, SM2 encryption
and SM2 signing nonces."""

from __future__ import annotations

import secrets


def random_bytes(n: int) -> bytes:
    """``n`` bytes from the system's cryptographic generator."""
    return secrets.token_bytes(n)
