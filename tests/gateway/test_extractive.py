from govai.gateway.providers import ExtractiveProvider, ProviderCall, ProviderEvidence
from govai.gateway.providers.extractive import NO_BASIS
from govai.gateway.service import BUILTIN

EVIDENCE = [
    ProviderEvidence(
        "hpf-24",
        "职工有下列情形之一的，可以提取职工住房公积金账户内的存储余额：购买、建造、翻建、"
        "大修自住住房的；离休、退休的。依照前款规定，提取职工住房公积金的，其所在单位应当予以核实。",
        "《住房公积金管理条例》第二十四条",
    ),
    ProviderEvidence("ss-1", "社会保险费实行统一征收。", "《社会保险法》第五十九条"),
]


def ask(question: str, evidence: list[ProviderEvidence] = EVIDENCE) -> str:
    provider = ExtractiveProvider(BUILTIN)
    return provider.complete(ProviderCall([{"role": "user", "content": question}], evidence)).text


def test_answers_with_the_relevant_sentence_and_its_citation() -> None:
    answer = ask("退休了可以提取住房公积金吗？")
    assert "离休、退休的。〔《住房公积金管理条例》第二十四条〕" in answer
    assert "社会保险费" not in answer


def test_never_invents_text() -> None:
    answer = ask("购买自住住房能提取公积金吗")
    sentences = [s for s in answer.replace("〕", "〕\n").splitlines() if s]
    for s in sentences:
        body, _, _ = s.partition("〔")
        assert any(body.rstrip("。") in ev.text for ev in EVIDENCE), body


def test_without_evidence_it_says_it_has_no_basis() -> None:
    assert ask("退休了可以提取住房公积金吗？", []) == NO_BASIS == "未找到可依据的资料，无法回答。"


def test_unrelated_evidence_is_no_basis_either() -> None:
    assert ask("今天天气怎么样") == NO_BASIS


def test_stream_says_the_same_as_complete() -> None:
    provider = ExtractiveProvider(BUILTIN)
    call = ProviderCall([{"role": "user", "content": "退休提取公积金"}], EVIDENCE)
    streamed = "".join(c.text for c in provider.stream(call))
    assert streamed == provider.complete(call).text
