"""Hypothesis strategies for valid and invalid personal data embedded in Chinese text."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from govai.gateway.masking import USCC_ALPHABET, id_check_char, luhn_ok, uscc_check_char

DIGIT = "0123456789"
FILLER = st.text(
    alphabet="请问我的住房公积金办理社保申请人联系电话号码是，。：（）", min_size=1, max_size=12
)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.integers(110000, 829999))
    born = draw(st.dates(date(1930, 1, 1), date(2020, 12, 31)))
    seq = draw(st.integers(0, 999))
    first17 = f"{region:06d}{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    return "1" + draw(st.sampled_from("3456789")) + draw(st.text(DIGIT, min_size=9, max_size=9))


def _luhn_complete(body: str) -> str:
    return next(body + d for d in DIGIT if luhn_ok(body + d))


@st.composite
def bank_cards(draw: st.DrawFn) -> str:
    length = draw(st.integers(16, 19))
    body = "62" + draw(st.text(DIGIT, min_size=length - 3, max_size=length - 3))
    return _luhn_complete(body)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from("159Y")) + draw(st.sampled_from("123"))
    region = draw(st.text(DIGIT, min_size=6, max_size=6))
    org = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    first17 = head + region + org
    return first17 + uscc_check_char(first17)


@st.composite
def emails(draw: st.DrawFn) -> str:
    local = draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789._", min_size=1, max_size=10))
    domain = draw(st.sampled_from(["example.cn", "mail.gov.cn", "qq.com"]))
    return f"{local.strip('.') or 'a'}@{domain}"


personal_values = st.one_of(id_numbers(), mobiles(), bank_cards(), credit_codes(), emails())


@st.composite
def texts_with(draw: st.DrawFn, values: st.SearchStrategy[str]) -> tuple[str, list[str]]:
    """Chinese text with 1–4 values embedded, each surrounded by Chinese filler."""
    embedded = draw(st.lists(values, min_size=1, max_size=4))
    parts = [draw(FILLER)]
    for v in embedded:
        parts += [v, draw(FILLER)]
    return "".join(parts), embedded
