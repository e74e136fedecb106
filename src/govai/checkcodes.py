"""Check characters of Chinese identity codes, in one light module (no imports beyond the
standard library) for both the gateway's masking and the approval engine's material checks.

- Resident ID numbers, GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits; the weight of
  position i (1-based from the left) is 2^(18-i) mod 11, the check is ``10X98765432``[sum mod 11].
- Unified social credit codes, GB 32100-2015: 31 characters (no I, O, S, V, Z); the weight of
  position i (0-based) is 3^i mod 31, the check is the character of (31 − sum mod 31) mod 31.
- Bank card numbers: the Luhn algorithm (ISO/IEC 7812-1).
"""

from __future__ import annotations

__all__ = ["CREDIT_CODE_ALPHABET", "credit_code_check_char", "id_check_char", "luhn_ok"]

_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 …


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def luhn_ok(digits: str) -> bool:
    """True when the digit string passes the Luhn check."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
