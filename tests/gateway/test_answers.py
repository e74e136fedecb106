"""Reading a model's answer: [n] citation numbers and the extractive provider's quoted
sentences."""

from __future__ import annotations

from govai.gateway.answers import cite_numbers, quoted_sentences

SOURCES = ["《住房公积金管理条例》第二十四条（现行有效）", "《示范市办法》第三条（已修改）"]


def test_numbers_become_sources_and_unknown_numbers_stay_visible() -> None:
    text, cited = cite_numbers("可以提取。[2]应当办理。[1, 2]另有补贴。[9]", SOURCES)
    assert text == (
        f"可以提取。〔{SOURCES[1]}〕应当办理。〔{SOURCES[0]}〕〔{SOURCES[1]}〕"
        "另有补贴。【所引资料编号 9 不存在，请核实】"
    )
    assert cited == [1, 2]
    assert cite_numbers("没有引用。", SOURCES) == ("没有引用。", [])
    assert cite_numbers("[1]", []) == ("【所引资料编号 1 不存在，请核实】", [])


def test_quoted_sentences_pair_each_sentence_with_its_source() -> None:
    quoted = f"职工退休的可以提取。〔{SOURCES[0]}〕三日内到账。〔{SOURCES[1]}〕〔未知〕尾巴"
    assert quoted_sentences(quoted, SOURCES) == [
        ("职工退休的可以提取。", 0),
        ("三日内到账。", 1),
    ]
    assert quoted_sentences(quoted, []) == []
