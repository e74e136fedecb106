from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govai.gateway import ModelGateway, ModelRequest
from govai.gateway.labels import add_explicit_label
from govai.gateway.masking import (
    Masker,
    StreamRestorer,
    find_personal_data,
    is_valid_id_number,
    is_valid_uscc,
    luhn_ok,
)
from govai.testing.fake_openai import FakeOpenAI

from .conftest import OPERATOR, user
from .strategies import (
    FILLER,
    bank_cards,
    credit_codes,
    id_numbers,
    personal_values,
    texts_with,
)

ID = "11010519491231002X"  # GB 11643 example, check character X
CARD = "6222021234567890128"  # Luhn-valid test number
USCC = "91350100M000100Y43"  # Luhn-style GB 32100 check character 3


def kinds(text: str) -> list[str]:
    return [label for _, _, label in find_personal_data(text)]


def test_each_kind_is_found_in_chinese_text() -> None:
    text = f"身份证{ID}，手机13912345678，卡号{CARD}，代码{USCC}，邮箱li.ming@example.cn。"
    assert kinds(text) == ["身份证号", "手机号", "银行卡号", "信用代码", "邮箱"]


def test_numbers_failing_their_check_are_left_alone() -> None:
    assert kinds("身份证110105194912310021号") == []  # wrong check digit
    assert kinds("身份证110105194902300027号") == []  # 30 February
    assert kinds("卡号6222021234567890127") == []  # Luhn fails
    assert kinds("代码91350100M000100Y44") == []  # wrong GB 32100 check character
    assert kinds("编号1391234567890") == []  # a mobile inside a longer digit run
    assert kinds("电话12912345678") == []  # no mobile starts 12


def test_card_written_in_groups_is_masked() -> None:
    assert kinds("卡号 6222 0212 3456 7890 128 已绑定") == ["银行卡号"]


def test_same_value_same_placeholder_and_round_trip() -> None:
    masker = Masker()
    a = masker.mask(f"本人{ID}，电话13912345678")
    b = masker.mask("再说一次电话13912345678，另一个13800000000")
    assert a == "本人〔身份证号1〕，电话〔手机号1〕"
    assert b == "再说一次电话〔手机号1〕，另一个〔手机号2〕"
    assert (
        masker.restore(a + b)
        == f"本人{ID}，电话13912345678" + "再说一次电话13912345678，另一个13800000000"
    )


def test_placeholder_never_collides_with_literal_input_text() -> None:
    masker = Masker()
    masked = masker.mask("模板里写着〔手机号1〕，我的是13912345678")
    assert masked == "模板里写着〔手机号1〕，我的是〔手机号2〕"
    assert masker.restore("〔手机号2〕") == "13912345678"


def test_stream_restorer_handles_a_placeholder_split_at_every_position() -> None:
    masker = Masker()
    masker.mask(f"{ID} 13912345678")
    reply = "您的证件〔身份证号1〕和电话〔手机号1〕已核对。"
    for i in range(1, len(reply)):
        for j in range(i, len(reply)):
            restorer = StreamRestorer(masker)
            out = [restorer.feed(reply[:i]), restorer.feed(reply[i:j]), restorer.feed(reply[j:])]
            out.append(restorer.flush())
            assert "".join(out) == f"您的证件{ID}和电话13912345678已核对。"
            assert all("〔" not in o for o in out)


@settings(max_examples=150, deadline=None)
@given(texts_with(personal_values))
def test_every_valid_value_is_masked_and_restored(case: tuple[str, list[str]]) -> None:
    text, values = case
    masker = Masker()
    masked = masker.mask(text)
    for v in values:
        assert v not in masked
    assert masker.restore(masked) == text


@settings(max_examples=100, deadline=None)
@given(id_numbers(), st.sampled_from("0123456789X"), FILLER)
def test_an_id_with_a_wrong_check_digit_is_not_masked_as_an_id(
    valid: str, check: str, filler: str
) -> None:
    bad = valid[:17] + check
    if is_valid_id_number(bad):
        return
    assert "身份证号" not in kinds(filler + bad + filler)


@settings(max_examples=100, deadline=None)
@given(bank_cards(), FILLER)
def test_a_card_failing_luhn_is_not_masked(valid: str, filler: str) -> None:
    bad = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    assert not luhn_ok(bad)
    found = kinds(filler + bad + filler)
    assert "银行卡号" not in found
    if not (is_valid_id_number(bad) or is_valid_uscc(bad)):  # 18 digits may be one of those
        assert found == []


@settings(max_examples=100, deadline=None)
@given(credit_codes(), FILLER)
def test_a_credit_code_with_a_wrong_check_is_not_masked(valid: str, filler: str) -> None:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    bad = valid[:-1] + alphabet[(alphabet.index(valid[-1]) + 1) % 31]
    assert not is_valid_uscc(bad)
    assert "信用代码" not in kinds(filler + bad + filler)


def _echo(request: dict) -> str:  # type: ignore[type-arg]
    return str(request["messages"][-1]["content"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=texts_with(personal_values), streamed=st.booleans())
def test_no_valid_value_reaches_the_model_and_the_reply_is_restored(
    gateway: ModelGateway,
    remote: str,
    fake_llm: FakeOpenAI,
    case: tuple[str, list[str]],
    streamed: bool,
) -> None:
    text, values = case
    fake_llm.reset()
    fake_llm.queue_reply(_echo, chunks=None)
    request = ModelRequest("qa", user(text), provider=remote)
    if streamed:
        with gateway.stream(request, OPERATOR) as stream:
            reply = "".join(stream)
    else:
        reply = gateway.complete(request, OPERATOR).text
    sent = fake_llm.chat_requests()
    assert len(sent) == 1
    for v in values:
        assert v not in sent[0].body_text
    assert reply == add_explicit_label(text)
