"""Argon2id password hashing (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from govai.errors import ValidationError

_HASHER = PasswordHasher()
# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = _HASHER.hash("govai-dummy-password")


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Swap the Argon2 parameters (the test suite uses cheap ones); returns the previous hasher."""
    global _HASHER, _DUMMY_HASH
    previous, _HASHER = _HASHER, hasher
    _DUMMY_HASH = hasher.hash("govai-dummy-password")
    return previous


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def check_strength(password: str, min_length: int) -> None:
    if len(password) < min_length:
        raise ValidationError(f"密码至少需要 {min_length} 个字符。")
    kinds = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < 3:
        raise ValidationError("密码须包含大写字母、小写字母、数字、符号中的至少三类。")
