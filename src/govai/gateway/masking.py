"""Personal data masking: nothing personal leaves the gateway (《生成式人工智能服务管理暂行办法》
第十一条: collect no unnecessary personal data; 《个人信息保护法》).

Detected, in this order (an earlier kind wins where matches overlap):

======================  =====================================================================
身份证号 (ID number)     18 characters, GB 11643 ISO 7064 MOD 11-2 check digit, a real birth date
统一社会信用代码         18 characters over 0-9ABCDEFGHJKLMNPQRTUWXY, GB 32100 check character
银行卡号 (bank card)     16–19 digits (optionally in groups of four separated by a space or
                        hyphen), Luhn check
手机号 (mobile)          1[3-9] and 9 more digits, not inside a longer run of digits
邮箱 (e-mail)            local@domain.tld
======================  =====================================================================

Each distinct value is replaced by a numbered placeholder ``〔<kind><n>〕``, e.g. ``〔身份证号1〕``,
``〔手机号2〕``; the same value always gets the same placeholder within one request, and the reply
is restored by replacing the placeholders back (also across streamed chunks, see
:class:`StreamRestorer`).

Numbers that fail their check (a wrong check digit, an impossible birth date, a failing Luhn sum)
are deliberately NOT masked: they are not valid identifiers, and masking every long digit run would
also hide file numbers, amounts and dates the model needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from govai.checkcodes import CREDIT_CODE_ALPHABET as USCC_ALPHABET
from govai.checkcodes import credit_code_check_char as uscc_check_char
from govai.checkcodes import id_check_char, luhn_ok


def is_valid_id_number(value: str) -> bool:
    value = value.upper()
    if len(value) != 18 or not value[:17].isdigit() or value[0] == "0":
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date.today():
        return False
    return id_check_char(value[:17]) == value[17]


def is_valid_uscc(value: str) -> bool:
    if len(value) != 18 or any(c not in USCC_ALPHABET for c in value):
        return False
    if not value[2:8].isdigit():  # the administrative division code
        return False
    return uscc_check_char(value[:17]) == value[17]


def _is_card(value: str) -> bool:
    digits = re.sub(r"[ -]", "", value)
    return 16 <= len(digits) <= 19 and luhn_ok(digits)


@dataclass(frozen=True)
class _Kind:
    label: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool]


KINDS: tuple[_Kind, ...] = (
    _Kind(
        "身份证号",
        re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"),
        is_valid_id_number,
    ),
    _Kind(
        "信用代码",
        re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]{18}(?![0-9A-Za-z])"),
        is_valid_uscc,
    ),
    _Kind(
        "银行卡号",
        re.compile(r"(?<![\d])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![ -]?\d)"),
        _is_card,
    ),
    _Kind("手机号", re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), lambda _v: True),
    _Kind(
        "邮箱",
        re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
        lambda _v: True,
    ),
)


def find_personal_data(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind label) spans of valid personal data, in text order."""
    taken: list[tuple[int, int, str]] = []
    for kind in KINDS:
        for m in kind.pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e, _ in taken):
                continue
            if kind.valid(m.group()):
                taken.append((start, end, kind.label))
    return sorted(taken)


class Masker:
    """Masks the texts of one request and restores the reply."""

    def __init__(self) -> None:
        self._by_value: dict[str, str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._seen = ""

    @property
    def placeholders(self) -> dict[str, str]:
        """placeholder -> original value."""
        return dict(self._by_placeholder)

    def _placeholder(self, value: str, label: str) -> str:
        if value in self._by_value:
            return self._by_value[value]
        while True:
            self._counts[label] = self._counts.get(label, 0) + 1
            placeholder = f"〔{label}{self._counts[label]}〕"
            if placeholder not in self._seen:  # never collide with literal text in the input
                break
        self._by_value[value] = placeholder
        self._by_placeholder[placeholder] = value
        return placeholder

    def mask(self, text: str) -> str:
        self._seen += "\x00" + text
        out, pos = [], 0
        for start, end, label in find_personal_data(text):
            out.append(text[pos:start])
            out.append(self._placeholder(text[start:end], label))
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def restore(self, text: str) -> str:
        if not self._by_placeholder:
            return text
        pattern = "|".join(re.escape(p) for p in self._by_placeholder)
        return re.sub(pattern, lambda m: self._by_placeholder[m.group()], text)

    def pending_prefix_start(self, text: str) -> int:
        """Index where a trailing, possibly incomplete placeholder begins (len(text) if none)."""
        for i in range(max(0, len(text) - self.max_placeholder_len() + 1), len(text)):
            tail = text[i:]
            if any(len(tail) < len(p) and p.startswith(tail) for p in self._by_placeholder):
                return i
        return len(text)

    def max_placeholder_len(self) -> int:
        return max((len(p) for p in self._by_placeholder), default=0)


class StreamRestorer:
    """Restores placeholders in a streamed reply where one may be split across chunks."""

    def __init__(self, masker: Masker) -> None:
        self.masker = masker
        self._held = ""

    def feed(self, chunk: str) -> str:
        text = self._held + chunk
        cut = self.masker.pending_prefix_start(text)
        self._held = text[cut:]
        return self.masker.restore(text[:cut])

    def flush(self) -> str:
        text, self._held = self._held, ""
        return self.masker.restore(text)


def _partial(value: str, keep_head: int, keep_tail: int) -> str:
    hidden = max(len(value) - keep_head - keep_tail, 1)
    return value[:keep_head] + "*" * hidden + (value[-keep_tail:] if keep_tail else "")


_SHOWN = {"身份证号": (6, 4), "手机号": (3, 4), "银行卡号": (4, 4), "信用代码": (8, 2)}


def redact(text: str) -> str:
    """``text`` for a person without the right to see its personal data: ID, mobile, card and
    credit-code numbers partly starred (``138****5678``, the way 12345 centres print them),
    e-mail user names hidden. Unlike :class:`Masker` nothing can be restored."""
    out, pos = [], 0
    for start, end, label in find_personal_data(text):
        value = text[start:end]
        out.append(text[pos:start])
        if label == "邮箱":
            user, _, domain = value.partition("@")
            out.append(user[:1] + "***@" + domain)
        else:
            head, tail = _SHOWN.get(label, (2, 2))
            digits = value.replace(" ", "").replace("-", "")
            out.append(_partial(digits, head, tail))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_name(name: str) -> str:
    """A person's name or account shown as 张* / 欧阳** / A00****948."""
    name = name.strip()
    if not name:
        return ""
    if name.isascii():
        return _partial(name, 3, 3) if len(name) > 6 else name[:1] + "*" * (len(name) - 1)
    return name[:1] + "*" * max(len(name) - 1, 1)
