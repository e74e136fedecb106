"""Reply quality (答复意见质量): how well a government reply answers a citizen's message.

:func:`assess_reply` scores one reply on four dimensions, each from 0 to 1, and says why in
sentences a supervisor can read (``ReplyQuality.reasons``, in Chinese). The method was written
from the definitions below before any labelled reply was looked at; ``bench/reply_quality.py``
then measures its agreement with hand labels (thresholds chosen on one half, figures reported on
the other) and lists the weakest replies of a whole set.

相关性 (relevance) — does the reply address what the message is about?
    The message's key terms (:meth:`Tokenizer.key_terms <govai.knowledge.text.Tokenizer.key_terms>`:
    topic words, not filler or bare numbers) are weighed by IDF, so 停车费 counts for more than
    问题. Names jieba does not know (景蓉华苑 comes out as four single characters) are joined
    back into one term. A term counts as found when the reply has it as a term, as a substring
    or through a synonym of the lexicon; a joined name also when the reply has it with one
    character different (a reply writing 景蓉花苑 for 景蓉华苑 still names the place). Two
    shares are taken: of the title's terms (the subject), and of the message's
    :data:`DETAIL_TERMS` points — its heaviest terms, title and text together, by IDF × the
    times the message uses them. relevance = 0.4 × subject share + 0.6 × min(1, points share /
    :data:`DETAIL_FULL`); a message without text is scored on its title alone. IDF comes from
    the caller's corpus (:func:`idf_from`, e.g. all past messages) or, by default, jieba's
    general-language table; a term missing from the table weighs as the table's median (jieba's
    own convention).

完整性 (completeness) — does the reply have the parts a proper reply has?
    Six parts, found by cue phrases, with these weights: 称呼/问候 (0.10); acknowledging
    the message — 已收悉, 您反映的… (0.15); the investigation result — 经调查, 经核实,
    现答复如下 (0.20); the substance — measures taken or the answer itself (0.30); a contact
    or follow-up channel or thanks (0.15); a signature or date at the end (0.10). The
    substance is what remains after the greeting, acknowledgement, thanks, contact and date
    sentences are removed: 40 characters or more with an action or answer word (已, 将, 责令,
    整改, 可以 …) count fully, 15 or more half. A reply with less than 15 characters of
    substance is boilerplate only (网友：您好！留言已收悉) and scores at most 0.3.

可解释性 (interpretability) — does the reply give a basis for what it says?
    0.4 × basis + 0.3 × reasons + 0.3 × facts. Basis: an article of a law or policy cited
    by name (《…》第N条) 1.0; a document number (〔2019〕2号) 0.8; a named law or policy
    document (《…办法》) 0.7; only a mention of 规定/政策/文件 0.3. Reasons: distinct
    reasoning words (因为, 由于, 根据, 依据, 按照, 因此 …), two or more for full marks.
    Facts: distinct concrete facts — numbers with units (180元, 75%, 3个月), dates, and
    named bodies (区住房和城乡建设局, 桂花坪街道) — four or more for full marks; the date
    that signs the reply does not count.

及时性 (timeliness) — how quickly did the reply come?
    Working days from the message to the reply: the days after the message's date up to and
    including the reply's date, Saturdays, Sundays and the ``holidays`` the caller passes left
    out (no holiday calendar is built in; the makeup working days of 调休 are not counted). Full
    marks within :attr:`TimelinessLimits.full_within` working days (5), 0 from
    :attr:`TimelinessLimits.zero_from` on (15), linear between. ``None`` without both times.

overall is the mean of the dimensions that could be scored (timeliness may not be).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources

from govai.knowledge.text import Tokenizer, get_tokenizer, normalize

__all__ = [
    "DIMENSIONS",
    "IdfTable",
    "ReplyQuality",
    "TimelinessLimits",
    "assess_reply",
    "default_idf",
    "idf_from",
    "reply_substance",
    "working_days",
]

DIMENSIONS = {
    "relevance": "相关性",
    "completeness": "完整性",
    "interpretability": "可解释性",
    "timeliness": "及时性",
}
"""The dimensions' attribute names and the names a supervisor reads."""

TITLE_WEIGHT = 0.4
DETAIL_TERMS = 8
"""How many of the message's heaviest key terms (IDF × occurrences) stand for its points."""
DETAIL_FULL = 0.5
"""Share of the points' weight a reply must take up for full marks on that part."""

SUBSTANCE_FULL = 250
"""Characters of substance (the reply less its boilerplate) for full marks on the answer part."""
SUBSTANCE_MIN = 15
"""Below this, a reply is boilerplate only."""
BOILERPLATE_CAP = 0.3
INTERPRETABILITY_WEIGHTS = (0.25, 0.25, 0.5)
"""Weights of basis, reasons and facts."""
REASONS_FULL = 2
FACTS_FULL = 4

# ── reading replies ───────────────────────────────────────────────────────────

_SPACE = re.compile(r"[\s\u3000\xa0]+")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*")

_GREETING = re.compile(r"您好|你好|尊敬的|网友|市民|同志|先生|女士|朋友")
_ACKNOWLEDGE = re.compile(
    r"收悉|获悉|已收到|收到(?:您|你)|(?:反映|投诉|咨询|举报)[^。！？]{0,40}(?:一事|一案)|(?:您|你)(?:所|在[^。！？]{0,30})?(?:反映|咨询|留言|来信|提出|询问|反馈|关心)"
    r"|关于[^。！？]{0,40}(?:问题|留言|来信|诉求)|针对[^。！？]{0,40}(?:问题|留言|来信|诉求)"
)
_INVESTIGATION = re.compile(
    r"经(?:过)?(?:调查|核实|核查|查实|查明|了解|研究|审查|现场|走访|实地|排查|查询|复核)"
    r"|调查(?:核实|处理|了解)|(?:答复|回复|说明|核实)如下|情况如下"
    r"|现场(?:查看|勘查|核实|调查|检查)"
)
_ACTION = re.compile(
    r"已|将|正在|立即|责令|要求|督促|安排|组织|协调|整改|处理|解决|落实|纳入|启动|完成|开展"
    r"|加强|推进|可以|可|应当|需要|须|规定|明确|办理|申请|提供"
)
_DEFERRAL = re.compile(
    r"认真(?:考虑|研究)|(?:论证|综合|深入)研究|将(?:予以)?(?:研究|考虑)|已(?:收集|记录|登记)"
    r"|(?:已|将)?转(?:交|至|办|由)|请您?(?:与|向|到|直接)[^。！？]{0,30}(?:联系|咨询|反映)"
    r"|建议您?(?:向|到|与|咨询|拨打)"
)
_CONTACT = re.compile(
    r"电话|联系|咨询|热线|12345|如有疑问|如有问题|欢迎|感谢|谢谢|理解|支持|关心|监督"
)
_DATE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_SIGNATURE_END = re.compile(
    r"(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|此复|特此答复|特此回复"
    r"|[\u4e00-\u9fff]{2,}(?:局|委员会|委|办公室|政府|中心|办事处|街道|公司|管理处|所|站|队|院))"
    r"[。.！!\s]*$"
)
# Sentences that carry no substance: whole-sentence boilerplate of the other parts.
_BOILERPLATE = re.compile(
    r"^(?:[^。！？]{0,12}(?:您好|你好)[！!，,。：:]?|[^。！？]{0,60}收悉[。！!，,]?"
    r"|[^。！？]{0,30}(?:答复|回复|说明|核实)如下[：:]?|[^。！？]*(?:感谢|谢谢)[^。！？]*"
    r"|[^。！？]*(?:电话|热线)[^。！？]*|此复[。！!]?|[\s\d年月日号：:。.]*"
    # the signature: a body's name, perhaps with the date (示范市商务局 2026年11月9日)
    r"|[\u4e00-\u9fff（）()]{2,40}(?:局|委员会|委|办公室|政府|中心|办事处|街道|公司|管理处|所|站|队|院)"
    r"[\s\d年月日号。.]*)$"
)

_ARTICLE_CITED = re.compile(r"《[^》]{2,60}》[^。；]{0,20}?第[一二三四五六七八九十百零〇两\d]+条")
_DOC_NUMBER = re.compile(r"[〔\[［(（﹝【]\s*(?:19|20)\d{2}\s*[〕\]］)）﹞】]\s*(?:第\s*)?\d+\s*号")
_POLICY_TITLE = re.compile(
    r"《[^》]{2,60}(?:法|条例|规定|办法|细则|意见|通知|标准|规划|方案|决定|规范|纲要|政策|指南|"
    r"规则|章程|公告|通告|批复|函)[^》]{0,6}》"
)
_POLICY_MENTION = re.compile(r"规定|政策|文件|法律|法规|条例|标准")
_REASON = re.compile(r"因为|由于|根据|依据|按照|依照|鉴于|因此|所以|原因|为此|基于|考虑到|以便")
_FACT_NUMBER = re.compile(
    r"\d+(?:\.\d+)?\s*(?:万元|亿元|元|%|％|米|公里|千米|平方米|平米|㎡|亩|户|人|名|个月|个|辆|天"
    r"|日|年|小时|吨|套|所|家|条|项|人次|台次|次|岁|栋|间|盏|台|处|位|场|件|起|宗|份|批)"
)
_FACT_TIME = re.compile(r"\d{1,2}\s*(?:时|点)\s*\d{1,2}\s*分|\d{1,2}:\d{2}")
_FACT_DATE = re.compile(
    r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{1,2}\s*月\s*\d{1,2}\s*日"
)
_FACT_BODY = re.compile(
    r"[\u4e00-\u9fff]{2,14}?(?:局|委员会|管委会|办公室|办事处|街道|社区|中心|公司|人民政府|医院"
    r"|学校|派出所|大队|支队|管理处|党委)"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Single characters that are place-name suffixes, not parts of an unknown name.
_GENERIC_SINGLE = frozenset("省市区县镇乡村路街号栋楼")


@dataclass(frozen=True)
class TimelinessLimits:
    """Working days for full marks and for none; linear between."""

    full_within: int = 5
    zero_from: int = 15

    def __post_init__(self) -> None:
        if not 0 <= self.full_within < self.zero_from:
            raise ValueError("TimelinessLimits needs 0 <= full_within < zero_from")

    def score(self, days: int) -> float:
        if days <= self.full_within:
            return 1.0
        if days >= self.zero_from:
            return 0.0
        return (self.zero_from - days) / (self.zero_from - self.full_within)


@dataclass(frozen=True)
class ReplyQuality:
    relevance: float
    completeness: float
    interpretability: float
    timeliness: float | None
    overall: float
    reasons: dict[str, list[str]] = field(default_factory=dict)
    """Per dimension (``relevance`` …), what was found and what is missing, in Chinese."""
    working_days: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "relevance": round(self.relevance, 3),
            "completeness": round(self.completeness, 3),
            "interpretability": round(self.interpretability, 3),
            "timeliness": None if self.timeliness is None else round(self.timeliness, 3),
            "overall": round(self.overall, 3),
            "working_days": self.working_days,
            "reasons": self.reasons,
        }


# ── IDF ───────────────────────────────────────────────────────────────────────


class IdfTable(dict[str, float]):
    """IDF per term; :attr:`missing` is the weight of a term the table lacks: the median of the
    table (jieba's convention — an unseen word is rare, but may be a typo or a stray piece)."""

    _missing: float | None = None

    @property
    def missing(self) -> float:
        if self._missing is None:
            ordered = sorted(self.values())
            self._missing = ordered[len(ordered) // 2] if ordered else 1.0
        return self._missing


@cache
def default_idf() -> IdfTable:
    """jieba's general-language IDF table (shipped with jieba, ~270k words)."""
    # read as a file: importing jieba.analyse would load the table a second time
    text = resources.files("jieba").joinpath("analyse", "idf.txt").read_text(encoding="utf-8")
    table = IdfTable()
    for line in text.splitlines():
        word, _, value = line.rpartition(" ")
        if word:
            table[normalize(word)] = float(value)
    return table


def idf_from(texts: Iterable[str], tokenizer: Tokenizer | None = None) -> IdfTable:
    """Smoothed IDF of every term of ``texts``: ``ln((1 + N) / (1 + df)) + 1``."""
    tokenizer = tokenizer or get_tokenizer()
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update(set(tokenizer.tokens(text)))
    return IdfTable({term: math.log((1 + n) / (1 + count)) + 1 for term, count in df.items()})


def _missing_weight(idf: Mapping[str, float]) -> float:
    if isinstance(idf, IdfTable):
        return idf.missing
    return IdfTable(idf).missing


# ── timeliness ────────────────────────────────────────────────────────────────


def working_days(
    start: datetime | date, end: datetime | date, holidays: Collection[date] = ()
) -> int:
    """Days after ``start``'s date up to and including ``end``'s date, less Saturdays, Sundays
    and ``holidays``. A reply on the day of the message takes 0; a reply dated before the
    message is reported as a negative count of calendar days (a data error for the caller)."""
    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end
    if last < first:
        return -(first - last).days
    total = (last - first).days
    weeks, rest = divmod(total, 7)
    count = weeks * 5
    day = first + timedelta(days=weeks * 7)
    for _ in range(rest):
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    if holidays:
        count -= sum(1 for h in holidays if first < h <= last and h.weekday() < 5)
    return count


# ── the dimensions ────────────────────────────────────────────────────────────


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def _names(tokens: list[str]) -> list[str]:
    """Runs of single CJK characters jieba does not know, joined (景 蓉 华 苑 → 景蓉华苑)."""
    names, run = [], ""
    for token in [*tokens, ""]:
        if len(token) == 1 and _CJK.match(token) and token not in _GENERIC_SINGLE:
            run += token
            continue
        if len(run) >= 2:
            names.append(run)
        run = ""
    return names


def _near(name: str, text: str) -> bool:
    """``text`` has ``name`` with at most one character different (景蓉花苑 for 景蓉华苑)."""
    size = len(name)
    for start in range(len(text) - size + 1):
        window = text[start : start + size]
        if sum(a != b for a, b in zip(name, window, strict=True)) <= 1:
            return True
    return False


class _Reply:
    """A reply read once: its terms and normalised text."""

    def __init__(self, reply: str, tokenizer: Tokenizer) -> None:
        self.text = normalize(reply)
        self.tokens = set(tokenizer.tokens(reply))
        self.lexicon = tokenizer.lexicon

    def has(self, term: str, *, name: bool = False) -> bool:
        if term in self.tokens or term in self.text:
            return True
        if any(s in self.tokens for s in self.lexicon.expansions(term)):
            return True
        return name and len(term) >= 3 and _near(term, self.text)


@dataclass(frozen=True)
class _Terms:
    """A text's terms with their weights (IDF, times occurrences for the message) and which of
    them are joined unknown names."""

    weights: dict[str, float]
    names: frozenset[str]

    def share(self, reply: _Reply) -> tuple[float, list[str], list[str]]:
        total = sum(self.weights.values())
        found = [t for t in self.weights if reply.has(t, name=t in self.names)]
        missed = [t for t in self.weights if t not in found]
        return (sum(self.weights[t] for t in found) / total if total else 0.0), found, missed


def _terms(
    text: str, tokenizer: Tokenizer, idf: Mapping[str, float], missing: float, *, by_count: bool
) -> _Terms:
    """Key terms (no bare numbers) and unknown names of ``text``, weighed by IDF — times the
    number of occurrences when ``by_count`` — heaviest first."""
    tokens = tokenizer.tokens(text)
    if not tokens:
        return _Terms({}, frozenset())
    names = _names(tokens)
    counts = Counter(tokens) + Counter(names)
    keys = [t for t in dict.fromkeys([*tokenizer.key_terms(text), *names]) if not t.isdigit()]
    weights = {t: idf.get(t, missing) * (counts[t] if by_count else 1) for t in keys}
    ordered = dict(sorted(weights.items(), key=lambda tw: -tw[1]))
    return _Terms(ordered, frozenset(names))


def _relevance(
    title: str, text: str, reply: _Reply, idf: Mapping[str, float], tokenizer: Tokenizer
) -> tuple[float, list[str]]:
    missing = _missing_weight(idf)
    subject = _terms(title, tokenizer, idf, missing, by_count=False)
    message = _terms(f"{title} {text}", tokenizer, idf, missing, by_count=True)
    points = _Terms(dict(list(message.weights.items())[:DETAIL_TERMS]), message.names)
    reasons: list[str] = []
    parts: list[tuple[float, float]] = []
    if subject.weights:
        share, found, missed = subject.share(reply)
        parts.append((TITLE_WEIGHT, share))
        reasons.append(f"留言主题的关键词在答复中出现 {share:.0%}（按 IDF 加权）")
        if missed:
            reasons.append("答复未提及主题中的：" + "、".join(missed[:6]))
    if points.weights and text:
        share, found, missed = points.share(reply)
        parts.append((1 - TITLE_WEIGHT, min(1.0, share / DETAIL_FULL)))
        reasons.append(
            f"留言的 {len(points.weights)} 个要点在答复中出现 {share:.0%}"
            + ("：" + "、".join(found[:6]) if found else "")
        )
        if missed:
            reasons.append("答复未回应的要点：" + "、".join(missed[:6]))
    if not parts:
        return 0.0, ["留言没有可比对的关键词"]
    weight = sum(w for w, _ in parts)
    return sum(w * s for w, s in parts) / weight, reasons


def _substance(reply: str) -> str:
    """The reply without its greeting, acknowledgement, thanks, contact and date sentences."""
    kept = []
    for sentence in _SENTENCE.findall(reply):
        s = sentence.strip()
        if s and not _BOILERPLATE.match(s):
            kept.append(s)
    return "".join(kept)


def reply_substance(reply: str) -> str:
    """What a reply says beyond its greeting, acknowledgement, thanks, contact and date: the
    part the completeness score weighs, and what is worth quoting from a past reply."""
    return _substance(_clean(reply))


def _answer_part(substance: str, size: int) -> tuple[float, str]:
    """The substance part: by length up to :data:`SUBSTANCE_FULL` characters, halved when it
    names no action or answer, and halved when it only promises to consider or pass on."""
    if size < SUBSTANCE_MIN:
        return 0.0, "没有实质答复内容"
    score = min(1.0, size / SUBSTANCE_FULL)
    notes = [f"实质答复内容 {size} 字"]
    if not _ACTION.search(substance):
        score *= 0.5
        notes.append("未说明处理措施或答案")
    if _DEFERRAL.search(substance) and size < SUBSTANCE_FULL:
        score *= 0.5
        notes.append("只表示将研究、考虑或转办，没有结果")
    return score, "，".join(notes)


def _completeness(reply: str) -> tuple[float, list[str]]:
    head = reply[:80]
    substance = _substance(reply)
    size = len(_CJK.findall(substance))
    answer, answer_note = _answer_part(substance, size)
    parts = [
        ("称呼问候", 0.10, 1.0 if _GREETING.search(head) else 0.0),
        ("确认收到留言、复述诉求", 0.15, 1.0 if _ACKNOWLEDGE.search(reply) else 0.0),
        ("调查核实情况", 0.20, 1.0 if _INVESTIGATION.search(reply) else 0.0),
        ("处理措施或答复内容", 0.30, answer),
        ("联系方式或致谢", 0.15, 1.0 if _CONTACT.search(reply[-120:] or reply) else 0.0),
        ("落款或日期", 0.10, 1.0 if _SIGNATURE_END.search(reply) else 0.0),
    ]
    score = sum(w * v for _, w, v in parts)
    have = [name for name, _, v in parts if v >= 1.0]
    lack = [name for name, _, v in parts if v < 1.0 and name != "处理措施或答复内容"]
    reasons = []
    if have:
        reasons.append("具备：" + "、".join(have))
    reasons.append(answer_note)
    if lack:
        reasons.append("缺少：" + "、".join(lack))
    if size < SUBSTANCE_MIN:
        score = min(score, BOILERPLATE_CAP)
        reasons.append("答复只有套话，没有回应留言的具体问题")
    return score, reasons


def _facts(text: str) -> list[str]:
    """Distinct concrete facts in order of appearance; overlapping matches (2017年8月2日 is a
    date, not also 2017年 and 2日) count once, as the longest."""
    spans = sorted(
        (m.start(), -m.end())
        for pattern in (_FACT_DATE, _FACT_TIME, _FACT_NUMBER, _FACT_BODY)
        for m in pattern.finditer(text)
    )
    found: list[str] = []
    reached = -1
    for start, negative_end in spans:
        if start >= reached:
            fact = _SPACE.sub("", text[start:-negative_end])
            if fact not in found:
                found.append(fact)
            reached = -negative_end
    return found


def _interpretability(reply: str) -> tuple[float, list[str]]:
    reasons = []
    if m := _ARTICLE_CITED.search(reply):
        basis = 1.0
        reasons.append(f"引用了具体条款：{m.group()[:40]}")
    elif m := _DOC_NUMBER.search(reply):
        basis = 0.8
        reasons.append(f"引用了文件文号：{m.group()}")
    elif m := _POLICY_TITLE.search(reply):
        basis = 0.7
        reasons.append(f"引用了政策文件：{m.group()[:40]}")
    elif _POLICY_MENTION.search(reply):
        basis = 0.3
        reasons.append("提到规定或政策，但未指明文件和条款")
    else:
        basis = 0.0
        reasons.append("没有引用法律法规或政策依据")
    reason_words = sorted(set(_REASON.findall(reply)))
    reasoning = min(1.0, len(reason_words) / REASONS_FULL)
    if reason_words:
        reasons.append("说明了理由（" + "、".join(reason_words[:5]) + "）")
    else:
        reasons.append("没有说明理由或依据（因为、根据、按照……）")
    facts = _facts(_SIGNATURE_END.sub("", reply))
    concrete = min(1.0, len(facts) / FACTS_FULL)
    if facts:
        shown = facts[:5]
        reasons.append(f"有 {len(facts)} 项具体事实（" + "、".join(shown) + "）")
    else:
        reasons.append("没有具体事实（数字、日期、单位名称）")
    w_basis, w_reasons, w_facts = INTERPRETABILITY_WEIGHTS
    return w_basis * basis + w_reasons * reasoning + w_facts * concrete, reasons


# ── the assessment ────────────────────────────────────────────────────────────


def assess_reply(
    message_title: str,
    message_text: str,
    reply: str,
    message_time: datetime | None = None,
    reply_time: datetime | None = None,
    *,
    idf: Mapping[str, float] | None = None,
    limits: TimelinessLimits = TimelinessLimits(),
    holidays: Collection[date] = (),
    tokenizer: Tokenizer | None = None,
) -> ReplyQuality:
    """Score ``reply`` to the message on the four dimensions (see the module notes)."""
    tokenizer = tokenizer or get_tokenizer()
    idf = default_idf() if idf is None else idf
    title, text, answer = _clean(message_title), _clean(message_text), _clean(reply)
    if not answer:
        reasons = {name: ["没有答复内容"] for name in DIMENSIONS}
        days = _days(message_time, reply_time, holidays)
        late = None if days is None or days < 0 else limits.score(days)
        return ReplyQuality(0.0, 0.0, 0.0, late, 0.0, reasons, days)
    read = _Reply(answer, tokenizer)
    relevance, relevance_why = _relevance(title, text, read, idf, tokenizer)
    completeness, completeness_why = _completeness(answer)
    interpretability, interpretability_why = _interpretability(answer)
    reasons = {
        "relevance": relevance_why,
        "completeness": completeness_why,
        "interpretability": interpretability_why,
    }
    days = _days(message_time, reply_time, holidays)
    timeliness: float | None = None
    if days is None:
        reasons["timeliness"] = ["缺少留言时间或答复时间，无法计算"]
    elif days < 0:
        reasons["timeliness"] = ["答复时间早于留言时间，时间数据有误"]
    else:
        timeliness = limits.score(days)
        reasons["timeliness"] = [
            f"{days} 个工作日内答复（{limits.full_within} 个工作日内满分，"
            f"{limits.zero_from} 个工作日及以上为 0）"
        ]
    scored = [relevance, completeness, interpretability]
    if timeliness is not None:
        scored.append(timeliness)
    overall = sum(scored) / len(scored)
    return ReplyQuality(
        relevance, completeness, interpretability, timeliness, overall, reasons, days
    )


def _days(
    message_time: datetime | None, reply_time: datetime | None, holidays: Collection[date]
) -> int | None:
    if message_time is None or reply_time is None:
        return None
    return working_days(message_time, reply_time, holidays)
