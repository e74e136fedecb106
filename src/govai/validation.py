"""Checks on free text that people type into forms, the API and the CLI.

The service layer calls these, so the console, the JSON API and the CLI refuse the same input
with the same Chinese message instead of letting the database fail on it.
"""

from __future__ import annotations

import unicodedata

from govai.errors import ValidationError

# control and format characters, line/paragraph separators (the ideographic space is allowed)
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp"})


def clean_text(value: str, label: str, max_len: int, *, required: bool = True) -> str:
    """``value`` stripped; refuses control characters, over-long and (if required) empty text."""
    value = value.strip()
    if required and not value:
        raise ValidationError(f"{label}不能为空。")
    if len(value) > max_len:
        raise ValidationError(f"{label}不能超过 {max_len} 个字符（现为 {len(value)} 个）。")
    if any(unicodedata.category(c) in _INVISIBLE for c in value):
        raise ValidationError(f"{label}不能含控制字符、换行等不可见字符，请删除后重试。")
    return value
