"""Chinese normalisation, segmentation, the synonym lexicon and batch tokenisation."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

import jieba
import pytest

from govai.errors import ValidationError
from govai.knowledge import text as text_module
from govai.knowledge.text import (
    Lexicon,
    Tokenizer,
    get_tokenizer,
    normalize,
    parse_chinese_numeral,
    tokenize_joined,
    tokenize_many,
)

LAWS = Path("/work/shared/data/cn_laws_regulations/articles_latest.jsonl")


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return get_tokenizer()


# ── normalisation ──────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３，全角", "abc123,全角"),
        ("身份证\u3000号码", "身份证 号码"),
        ("第二十四条", "第24条"),
        ("第一条", "第1条"),
        ("第 一百二十 条", "第120条"),
        ("最长为二十四个月", "最长为24个月"),
        ("二〇一九年十二月", "2019年12月"),
        ("一百零五元", "105元"),
        ("三千万元", "30000000元"),
        ("万一出事", "万一出事"),
        ("千万不要", "千万不要"),
        ("十分重要", "十分重要"),
        ("七八个人", "七八个人"),
        ("一次性告知", "一次性告知"),
        ("十一五规划", "十一五规划"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("十", 10),
        ("十四", 14),
        ("二十", 20),
        ("一百零五", 105),
        ("两千", 2000),
        ("一万二千", 12000),
        ("二〇二五", 2025),
        ("万一", None),
        ("千万", None),
        ("一二三十", None),
    ],
)
def test_parse_chinese_numeral(numeral: str, value: int | None) -> None:
    assert parse_chinese_numeral(numeral) == value


# ── tokens ─────────────────────────────────────────────────────────────────────


def test_statutory_compound_is_one_term_and_keeps_its_parts(tokenizer: Tokenizer) -> None:
    terms = tokenizer.tokens("职工可以提取住房公积金账户内的存储余额")
    assert {"住房公积金", "公积金", "住房", "提取", "职工"} <= set(terms)
    assert "的" not in terms and "可以" not in terms


def test_parts_follow_segmentation_not_ngrams(tokenizer: Tokenizer) -> None:
    # 民政 sits inside 人民政府 as characters but is not one of its words.
    terms = tokenizer.tokens("县级以上地方人民政府")
    assert "人民政府" in terms and "政府" in terms
    assert "民政" not in terms
    long_terms = tokenizer.tokens("城乡居民基本医疗保险")
    assert (
        "医疗保险" in long_terms
    )  # a four-character word inside, which jieba's search mode misses


def test_punctuation_whitespace_and_filler_are_dropped(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("请问，您好！怎么办？？  ……") == []
    assert tokenizer.tokens("") == []


def test_full_width_and_case_give_the_same_terms(tokenizer: Tokenizer) -> None:
    assert tokenizer.tokens("ＰＤＦ格式的Ａ４纸") == tokenizer.tokens("pdf格式的a4纸")


def test_article_references_match_whatever_the_numerals(tokenizer: Tokenizer) -> None:
    assert "第24条" in tokenizer.tokens("第二十四条 职工有下列情形之一的")
    assert "第24条" in tokenizer.tokens("住房公积金管理条例第24条")
    assert "第24条" in tokenizer.tokens("依照本条例第 24 条的规定")


def test_terms_never_contain_whitespace(tokenizer: Tokenizer) -> None:
    terms = tokenizer.tokens("第 二十四 条\t职工\u00a0提取 e-mail 3.5% n+1")
    assert terms and not any(ch.isspace() for term in terms for ch in term)


def test_fast_segmentation_equals_jieba(tokenizer: Tokenizer) -> None:
    samples = [
        "第二十四条 职工有下列情形之一的，可以提取职工住房公积金账户内的存储余额。",
        "王小明在2019年3月到深圳市南山区办理了居住证，联系电话13800138000。",
        "辞职了公积金能取出来吗？老板拖欠工资三个月了怎么办",
        "iPhone和e-mail以及3.5%的N+1补偿，B超、X光检查",
        "龘靐齉爩𪚥，生僻字与标点‘混排’",
    ]
    if LAWS.exists():
        with LAWS.open(encoding="utf-8") as lines:
            samples += [json.loads(line)["text"] for line in islice(lines, 0, 3000, 7)]
    for sample in samples:
        sample = normalize(sample)
        expected = [w for w in tokenizer._jieba.cut(sample, HMM=False) if not w.isspace()]
        assert tokenizer._cut(sample) == expected, sample


def test_words_join_back_into_the_text_as_jieba_cuts_it(tokenizer: Tokenizer) -> None:
    # Not normalised, whitespace kept: other engines read word boundaries at text positions.
    sample = "第二十四条　职工有下列情形之一的，\n可以提取  职工住房公积金账户内的余额。\tABC 12"
    words = tokenizer.words(sample)
    assert "".join(words) == sample
    assert words == list(tokenizer._jieba.cut(sample, HMM=False))
    assert "住房公积金" in words  # the government user dictionary


def test_is_word_knows_the_user_dictionary_and_not_prefixes(tokenizer: Tokenizer) -> None:
    assert tokenizer.is_word("住房公积金") and tokenizer.is_word("了解")
    assert not tokenizer.is_word("住房公积")  # a prefix jieba keeps with frequency 0
    assert not tokenizer.is_word("的的")


def test_the_global_jieba_dictionary_is_untouched(tokenizer: Tokenizer) -> None:
    assert "住房公积金" in tokenizer.tokens("住房公积金")
    assert jieba.lcut("住房公积金", HMM=False) == ["住房", "公积金"]
    assert "住房公积金" not in jieba.dt.FREQ


# ── query expansion ───────────────────────────────────────────────────────────


def test_query_expands_abbreviations_to_statutory_terms(tokenizer: Tokenizer) -> None:
    terms = tokenizer.query_tokens("辞职了公积金能取出来吗")
    assert {"辞职", "公积金", "住房公积金", "解除劳动合同", "提取"} <= set(terms)
    assert "吗" not in terms
    assert len(terms) == len(set(terms))


def test_a_synonym_is_added_whole_unless_the_index_lacks_it(tokenizer: Tokenizer) -> None:
    whole = tokenizer.query_tokens("辞职")
    assert "解除劳动合同" in whole and "劳动合同" not in whole
    # An index built before 解除劳动合同 was a dictionary word only knows its parts.
    older = tokenizer.query_tokens("辞职", known={"辞职", "解除", "劳动合同", "劳动", "合同"})
    assert {"解除", "劳动合同"} <= set(older)


def test_typed_terms_come_before_expansions(tokenizer: Tokenizer) -> None:
    typed = tokenizer.tokens("低保怎么申请")
    terms = tokenizer.query_tokens("低保怎么申请")
    assert terms[: len(typed)] == typed
    assert "最低生活保障" in terms[len(typed) :]


def test_expansion_is_not_transitive(tokenizer: Tokenizer) -> None:
    # 辞职 (the worker leaves) and 开除 (the employer dismisses) share 解除劳动合同 only.
    resign = set(tokenizer.query_tokens("辞职"))
    assert "解除劳动合同" in resign and "离职" in resign
    assert "开除" not in resign and "辞退" not in resign
    assert {"辞职", "开除", "辞退"} <= set(tokenizer.query_tokens("解除劳动合同"))


def test_each_typed_term_is_a_group_of_its_alternatives(tokenizer: Tokenizer) -> None:
    groups = {g[0][0]: g for g in tokenizer.query_groups("辞职了公积金能取出来吗")}
    assert ("解除劳动合同",) in groups["辞职"][1:]
    assert ("住房公积金",) in groups["公积金"][1:]
    assert all(len(g) == len(set(g)) for g in groups.values())
    # a synonym the index does not know whole is an alternative of its parts
    older = tokenizer.query_groups("辞职", known={"辞职", "解除", "劳动合同"})
    assert ("解除", "劳动合同", "劳动", "合同") in older[0]


def test_key_terms_are_the_topic_words(tokenizer: Tokenizer) -> None:
    keys = tokenizer.key_terms("我今年一直想问，辞职了住房公积金到底能不能取出来")
    assert {"辞职", "住房公积金"} <= set(keys)
    assert not {"今年", "一直", "到底", "住房", "公积金"} & set(keys)  # filler; parts
    assert tokenizer.key_terms("今年") == ["今年"]  # nothing else: keep what there is


def test_query_without_known_words_is_empty(tokenizer: Tokenizer) -> None:
    assert tokenizer.query_tokens("请问吗？") == []


# ── lexicon ────────────────────────────────────────────────────────────────────


def test_builtin_lexicon_covers_government_services() -> None:
    lexicon = Lexicon.builtin()
    assert len(lexicon) >= 150
    for short, statutory in [
        ("社保", "社会保险"),
        ("公积金", "住房公积金"),
        ("医保", "医疗保险"),
        ("医保", "医疗保障"),
        ("低保", "最低生活保障"),
        ("身份证", "居民身份证"),
        ("12345", "政务服务便民热线"),
        ("失业金", "失业保险金"),
        ("驾照", "机动车驾驶证"),
        ("老板", "用人单位"),
        ("取出来", "提取"),
    ]:
        assert statutory in lexicon.expansions(short), short
        assert short in lexicon.expansions(statutory), statutory


def test_every_lexicon_term_is_searchable() -> None:
    # A term that is also a stop word would be dropped before it could ever be expanded.
    stop = text_module._stopwords()
    assert not {term for term in Lexicon.builtin().terms() if term in stop}


def test_admin_group_extends_the_builtin_group_with_the_same_canonical_term() -> None:
    lexicon = Lexicon.builtin().with_groups([["住房公积金", "房积金"]])
    assert "房积金" in lexicon.expansions("公积金")
    assert {"住房公积金", "公积金"} <= set(lexicon.expansions("房积金"))
    assert len(lexicon) == len(Lexicon.builtin())


def test_admin_group_with_a_new_canonical_term_is_a_new_group() -> None:
    lexicon = Lexicon.builtin().with_groups([["智慧停车卡", "停车卡"]])
    assert lexicon.expansions("停车卡") == ["智慧停车卡"]
    assert len(lexicon) == len(Lexicon.builtin()) + 1
    assert lexicon.expansions("不存在的词") == []


def test_fingerprint_is_stable_and_follows_content() -> None:
    base = Lexicon.builtin()
    assert Lexicon.builtin().fingerprint == base.fingerprint
    same = Lexicon([list(group) for group in base.groups])
    assert same.fingerprint == base.fingerprint
    assert base.with_groups([]).fingerprint == base.fingerprint
    assert base.with_groups([["社会保险", "社险"]]).fingerprint != base.fingerprint
    assert Lexicon([["甲", "乙"]]).fingerprint != Lexicon([["乙", "甲"]]).fingerprint


def test_lexicon_terms_are_normalised() -> None:
    lexicon = Lexicon([["ＡＢＣ证", "Abc卡"]])
    assert lexicon.expansions("abc卡") == ["abc证"]


@pytest.mark.parametrize("bad", [["社保 卡", "社会保障卡"], "社保 社会保险"])
def test_invalid_groups_are_refused_in_chinese(bad: list[str] | str) -> None:
    with pytest.raises(ValidationError) as caught:
        Lexicon.builtin().with_groups([bad])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)


def test_admin_terms_become_dictionary_words() -> None:
    lexicon = Lexicon.builtin().with_groups([["智慧停车卡", "停车卡"]])
    tokenizer = get_tokenizer(lexicon)
    assert "智慧停车卡" in tokenizer.tokens("如何办理智慧停车卡")
    assert "智慧停车卡" in tokenizer.query_tokens("停车卡丢了")
    assert tokenizer.fingerprint != get_tokenizer().fingerprint


def test_get_tokenizer_caches_per_lexicon(tokenizer: Tokenizer) -> None:
    assert get_tokenizer() is tokenizer
    assert get_tokenizer(Lexicon.builtin().with_groups([])) is tokenizer


# ── batches ────────────────────────────────────────────────────────────────────

TEXTS = [
    "第二十四条 职工有下列情形之一的，可以提取职工住房公积金账户内的存储余额。",
    "用人单位应当按时足额支付劳动报酬。",
    "",
    "办理居住证需要哪些材料？",
]


def test_tokenize_many_in_process(tokenizer: Tokenizer) -> None:
    done: list[tuple[int, int]] = []
    result = tokenize_many(tokenizer, TEXTS, progress=lambda d, t: done.append((d, t)))
    assert result == [tokenizer.tokens(t) for t in TEXTS]
    assert done[-1] == (len(TEXTS), len(TEXTS))


def test_tokenize_many_in_worker_processes(tokenizer: Tokenizer) -> None:
    texts = [f"{TEXTS[i % 4]}第{i}号" for i in range(text_module.PARALLEL_MIN_TEXTS + 150)]
    done: list[int] = []
    result = tokenize_many(tokenizer, texts, workers=2, progress=lambda d, t: done.append(d))
    assert result == [tokenizer.tokens(t) for t in texts]
    assert done == sorted(done) and done[-1] == len(texts)
    assert len(done) > 1  # reported as chunks finish, not once at the end


def test_tokenize_joined_tokenises_each_distinct_text_once(
    tokenizer: Tokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [TEXTS[i % 4] for i in range(40)]
    seen: list[str] = []
    real = tokenizer.tokens

    def counting(text: str) -> list[str]:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(tokenizer, "tokens", counting)
    done: list[tuple[int, int]] = []
    result = tokenize_joined(tokenizer, texts, progress=lambda d, t: done.append((d, t)))
    assert result == [" ".join(real(t)) for t in texts]
    assert sorted(seen) == sorted(TEXTS)
    assert done[-1] == (4, 4)
