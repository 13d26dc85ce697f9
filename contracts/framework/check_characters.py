"""Check characters of China's national codes and of the certificate identifier.

One module for all of them because three callers need the same answers: the personal-data
screen (is this token somebody's ID number?), the certificate identifier of GB/T 36904
(``contracts.framework.identifiers``) and the wallet's input checks. Each function takes
the code as written (ASCII, upper case): callers that accept other spellings normalise
first, so a lower-case letter is simply not valid here.

- GB 11643 (公民身份号码): ISO 7064 MOD 11-2 over 17 digits; the check is ``0``-``9`` or ``X``.
- GB 32100 (统一社会信用代码): weights 3^i mod 31 over 17 characters of a 31-character alphabet
  (no I, O, S, V, Z); the check makes the weighted sum a multiple of 31.
- ISO 7064 MOD 37,36: the hybrid system over ``0``-``9A``-``Z`` that provincial platforms use
  for the certificate identifier's last character. The standard's examples
  (``A12425GABC1234002M``) are in the tests.
- Luhn (mod 10) for bank card numbers.
"""

from __future__ import annotations

from typing import Final

GB11643_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
"""2^(17-i) mod 11 for i = 0..16: the weight of each of the 17 digits."""
GB11643_CHECK: Final = "10X98765432"
"""The check character for a weighted sum of 0, 1, ... 10 modulo 11."""

GB32100_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""3^i mod 31 for i = 0..16."""

MOD37_36_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Character values 0-35, for the text and for its check character."""


def get_gb11643_check(first17: str) -> str:
    """The check character of a resident ID number's first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("a resident ID number has 17 digits before its check character")
    total = sum(int(d) * w for d, w in zip(first17, GB11643_WEIGHTS, strict=True))
    return GB11643_CHECK[total % 11]


def is_gb11643_valid(number: str) -> bool:
    """Whether an 18-character resident ID number has the right check character."""
    if len(number) != 18 or not (number[:17].isascii() and number[:17].isdigit()):
        return False
    return number[17] == get_gb11643_check(number[:17])


def get_gb32100_check(first17: str) -> str:
    """The check character of a unified social credit code's first 17 characters."""
    if len(first17) != 17 or any(c not in GB32100_ALPHABET for c in first17):
        raise ValueError("a unified social credit code has 17 characters before its check")
    total = sum(
        GB32100_ALPHABET.index(c) * w for c, w in zip(first17, GB32100_WEIGHTS, strict=True)
    )
    return GB32100_ALPHABET[-total % 31]


def is_gb32100_valid(code: str) -> bool:
    """Whether an 18-character unified social credit code has the right check character."""
    if len(code) != 18 or any(c not in GB32100_ALPHABET for c in code):
        return False
    return code[17] == get_gb32100_check(code[:17])


def _mod37_36_state(text: str) -> int:
    """The hybrid system's running value P after ``text`` (ISO 7064, clause on M+1, M)."""
    product = 36
    for char in text:
        value = MOD37_36_ALPHABET.find(char)
        if value < 0:
            raise ValueError(f"{char!r} is not in the MOD 37,36 alphabet (0-9, A-Z)")
        total = (product + value) % 36 or 36
        product = total * 2 % 37
    return product


def get_mod37_36_check(text: str) -> str:
    """The check character that makes ``text`` + it valid under ISO 7064 MOD 37,36."""
    if not text:
        raise ValueError("a MOD 37,36 check needs at least one character")
    return MOD37_36_ALPHABET[(37 - _mod37_36_state(text)) % 36]


def is_mod37_36_valid(text: str) -> bool:
    """Whether ``text`` ends with its right ISO 7064 MOD 37,36 check character."""
    if len(text) < 2 or any(c not in MOD37_36_ALPHABET for c in text):
        return False
    return (_mod37_36_state(text[:-1]) + MOD37_36_ALPHABET.index(text[-1])) % 36 == 1


def is_luhn_valid(digits: str) -> bool:
    """Whether a card number's digits pass the Luhn (mod 10) check."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
