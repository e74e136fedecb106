"""The offline drafts of :func:`govai.documents.doctypes.template_draft`: for each 公文 type, the
paragraphs of its standard structure (:attr:`DocKind.structure
<govai.documents.doctypes.DocKind.structure>`) composed from the facts, and the text helpers
they share — heading numbers in the house form (GB/T 9704-2012 §7.3.3: 一、 （一） 1. （1）),
sentences, a quoted 来文 (``你单位《关于……的请示》（示区政〔2026〕31号）收悉。``).

No prose is invented: what the facts say is placed where the type says it (purpose and cited
grounds before the transition ``现就……通知如下：``, points as numbered items, dates as the
time requirement), and 【请填写：…】 marks what only staff can supply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from govai.documents.gongwen_elements import heading_level, heading_prefix
from govai.knowledge.provenance import chinese_number

if TYPE_CHECKING:
    from govai.documents.doctypes import DocKind, DraftFacts

__all__ = [
    "BUILDERS",
    "Draft",
    "cited_basis",
    "heading_label",
    "letter_mode",
    "normalise_heading",
    "placeholders_in",
    "sentence",
]

_HEADING_NUMERAL = "一二三四五六七八九十百零〇"
_PLACEHOLDER = re.compile(r"【请填写[：:]?[^】]*】")
_DOC_NUMBER = re.compile(r"[（(]?\s*([^\s（()）《》，,、]*〔\d{4}〕\s*\d+\s*号)\s*[）)]?")
# Openings that already make a purpose an adverbial clause ("为做好……，现就……").
_CLAUSE_STARTS = (
    "为",
    "根据",
    "按照",
    "依据",
    "依照",
    "遵照",
    "鉴于",
    "结合",
    "围绕",
    "针对",
    "经",
)
# Verbs with which a goal is stated; "为" in front makes the clause ("为做好……").
_GOAL_VERBS = (
    "做好", "加强", "推进", "推动", "进一步", "确保", "切实", "规范", "促进", "保障", "落实",
    "贯彻", "提高", "提升", "完善", "深入", "加快", "巩固", "健全", "强化", "优化", "防范",
    "解决", "支持", "保护", "维护", "满足", "全面", "扎实", "统筹", "深化", "严格", "营造",
    "改善", "激发", "引导", "鼓励", "减轻", "降低", "缓解", "保证", "实现", "积极", "着力",
    "大力", "持续", "不断", "更好", "有序", "依法",
)  # fmt: skip
_NOT_CLAUSES = ("为民", "为了解", "经济", "经营", "经费", "经验", "经历", "经常")
_END = "。！？"


def _cn(n: int) -> str:
    """1–99 in Chinese numerals, as heading numbers are written (十一, 二十); larger numbers in
    Arabic digits."""
    if n >= 100:
        return str(n)
    digits = "零一二三四五六七八九"
    tens, units = divmod(n, 10)
    if not tens:
        return digits[units]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[units] if units else "")


def _number_of(heading: str) -> int:
    """The number a heading paragraph starts with (``十二、`` → 12, ``（3）`` → 3), 0 if none."""
    match = re.match(rf"^（?([{_HEADING_NUMERAL}]+|\d+)", heading)
    return (chinese_number(match.group(1)) or 0) if match else 0


def heading_label(level: int, n: int) -> str:
    """The ``n``-th structure number of ``level`` 1–4 as §7.3.3 writes it: ``十二、``,
    ``（三）``, ``4.``, ``（5）``."""
    return (f"{_cn(n)}、", f"（{_cn(n)}）", f"{n}.", f"（{n}）")[level - 1]


def normalise_heading(line: str) -> str:
    """A heading number in the house form of §7.3.3: ``一.``/``一，`` → ``一、``, ``(一)`` →
    ``（一）``, ``1、``/``1. `` → ``1.``, ``(1)`` → ``（1）``."""
    n = _HEADING_NUMERAL
    line = re.sub(rf"^([{n}]+)\s*[.．,，、]\s*", r"\1、", line)
    line = re.sub(rf"^[（(]\s*([{n}]+)\s*[)）]\s*[、.．]?\s*", r"（\1）", line)
    line = re.sub(r"^(\d{1,2})\s*(?:[、．]|\.(?!\d))\s*", r"\1.", line)
    return re.sub(r"^[（(]\s*(\d{1,2})\s*[)）]\s*", r"（\1）", line)


def sentence(text: str) -> str:
    """``text`` ending in a full stop (a trailing comma or semicolon becomes one)."""
    text = text.strip().rstrip("，,；;、：:")
    if not text or text[-1] in _END or text.endswith(("】", "]")):
        return text
    if text.endswith("〕") and "〔" in text:  # a cited sentence: its stop goes after the source
        before = text[: text.rindex("〔")]
        if before and before[-1] in _END:
            return text
    return text + "。"


def _item(text: str) -> str:
    """A point as a paragraph ending in a full stop, except a numbered label the staff wrote
    as a heading of its own (``一、总体要求``)."""
    text = normalise_heading(text.strip())
    prefix = heading_prefix(text)
    if prefix and len(text) - len(prefix) <= 15 and not re.search(r"[，。；：,;:]", text):
        return text
    return sentence(text)


def _numbered(
    entries: Sequence[str], level: int, *, single_plain: bool = True, last: str = ""
) -> list[str]:
    """``entries`` numbered from ``level`` (一、 （一） 1. （1））, then ``last`` at ``level``.

    An entry that brings its own number keeps it; once one has, an unnumbered entry is taken
    to belong to the heading before it — a child of a ``level`` heading, else that heading's
    sibling — and counted on from it. One lone unnumbered entry stays unnumbered."""
    items = [_item(e) for e in entries]
    if single_plain and not last and len(items) == 1 and not heading_level(items[0]):
        return items
    out: list[str] = []
    counts = dict.fromkeys(range(1, 5), 0)
    current, explicit = level, False
    for item in items:
        own = heading_level(item)
        if own:
            explicit, current = True, own
            counts[own] = _number_of(item) or counts[own] + 1
        else:
            current = max(current, level + 1) if explicit else level
            counts[current] += 1
            item = heading_label(current, counts[current]) + item
        counts.update(dict.fromkeys(range(current + 1, 5), 0))
        out.append(item)
    if last:
        out.append(heading_label(level, counts[level] + 1) + _item(last))
    return out


def _joined(items: Sequence[str]) -> str:
    return "；".join(i.strip().rstrip("。；;，,") for i in items) + "。"


def _lead(purpose: str) -> tuple[str, bool]:
    """The purpose as written and whether it is an adverbial clause (``为……``, ``根据……``) to
    put before the transition, rather than a sentence of its own."""
    text = purpose.strip().rstrip("。，,；;")
    if not text or re.search(r"[。！？]", text):
        return text, False
    if text.startswith(_CLAUSE_STARTS) and not text.startswith(_NOT_CLAUSES):
        return text, True
    if text.startswith(_GOAL_VERBS):
        return "为" + text, True
    return text, False


def _about(subject: str, suffix: str) -> str:
    """``subject`` followed by ``有关情况``/``有关事项`` unless it already ends in such a word."""
    if subject.endswith(("情况", "事项", "问题")):
        return subject
    return subject + "有关" + suffix


def _quoted(reference: str) -> str:
    """A document referred to as ``《关于……的请示》（示区政〔2026〕31号）``: the title in 《》
    without its issuer (as a 批复 quotes it), the 文号 in （）."""
    reference = reference.strip().rstrip("。")
    if "《" in reference:
        return reference
    number = ""
    match = _DOC_NUMBER.search(reference)
    if match:
        number = re.sub(r"\s+", "", match.group(1))
        reference = (reference[: match.start()] + reference[match.end() :]).strip(" ，,、")
    about = reference.find("关于")
    title = reference[about:] if about > 0 else reference
    quoted = f"《{title}》" if title else ""
    return quoted + (f"（{number}）" if number else "")


@dataclass
class Draft:
    """The facts being drafted from, with the pieces every type's template uses."""

    facts: DraftFacts
    kind: DocKind
    subject: str
    basis: str
    note: str = ""

    def opening(self, transition: str, *, lead: str = "根据有关规定：", missing: str = "") -> str:
        """Background or purpose, the grounds (``basis``), then the transition to the points:
        a purpose clause joins the transition (``为……，现就……如下：``), a purpose sentence
        stands before the grounds."""
        text, clause = _lead(self.facts.purpose)
        parts = []
        if text and not clause:
            parts.append(sentence(text))
        elif not text and missing:
            parts.append(f"【请填写：{missing}】")
        if self.basis:
            # the quoted clauses are a paragraph of their own: glued to the transition they
            # would read as one sentence running from 〔source〕 into 为……
            parts.append(lead + self.basis + "\n")
        parts.append(f"{text}，{transition}" if clause else transition)
        return "".join(parts)

    def points(self, level: int, missing: str, *, time: str = "") -> list[str]:
        """The points (or a placeholder for them) and, as a last item labelled ``time``, the
        dates; numbered at ``level``."""
        entries = list(self.facts.points) or [f"【请填写：{missing}】"]
        last = f"{time}。{_joined(self.facts.dates)}" if time and self.facts.dates else ""
        return _numbered(entries, level, last=last)

    def structured(self) -> bool:
        """The points bring their own first-level headings: they are the structure."""
        return any(heading_level(normalise_heading(p)) == 1 for p in self.facts.points)

    def contact(self, *, required: bool) -> list[str]:
        if self.facts.contact:
            return [f"联系人及电话：{sentence(self.facts.contact)}"]
        return ["联系人及电话：【请填写：联系人姓名和电话】。"] if required else []


def _request(d: Draft) -> list[str]:
    lines = [d.opening("现将有关事项请示如下：", missing="请示缘由（背景、依据和必要性）")]
    if not d.facts.points:  # the one 请示事项 is the subject itself
        ask = re.sub(r"^(申请|请求|恳请|拟)", "", d.subject)
        d.facts = replace(d.facts, points=(f"恳请批准{ask}。【请填写：具体数额、范围和期限】",))
    lines += d.points(1, "", time="时间安排")
    d.note = f"联系人及电话：{d.facts.contact or '【请填写：联系人姓名和电话】'}"
    return [*lines, "妥否，请批示。"]


def _report(d: Draft) -> list[str]:
    lines = [d.opening(f"现将{_about(d.subject, '情况')}报告如下：")]
    if d.facts.points:
        lines += d.points(1, "", time="下一步工作安排")
    else:
        lines += [
            "一、基本情况",
            "【请填写：工作开展情况和取得的成效】",
            "二、存在的问题",
            "【请填写：存在的主要问题及原因】",
            "三、下一步工作打算",
            sentence(_joined(d.facts.dates)) if d.facts.dates else "【请填写：下一步工作安排】",
        ]
    if d.facts.contact:
        d.note = f"联系人及电话：{d.facts.contact}"
    return [*lines, "特此报告。"]


def _notice(d: Draft) -> list[str]:
    match = re.match(r"^(印发|转发|批转)(.+)$", d.subject)
    if match:  # 印发、转发类通知: the document is the attachment; no 特此通知
        verb, what = match.groups()
        what = what if "《" in what else f"《{what}》"
        lines = [d.opening(f"现将{what}{verb}给你们，请结合实际认真贯彻落实。")]
        if d.facts.points:
            lines += d.points(1, "", time="时间要求")
        elif d.facts.dates:
            lines.append(f"时间要求：{_joined(d.facts.dates)}")
        return lines + d.contact(required=False)
    lines = [d.opening(f"现就{_about(d.subject, '事项')}通知如下：", lead="依据有关规定：")]
    lines += d.points(1, "通知事项和工作要求", time="时间要求")
    return [*lines, *d.contact(required=True), "特此通知。"]


_QUESTION = re.compile(r"[？?]|是否|能否|可否|如何|怎样|询问|咨询")
_ASK = re.compile(r"商请|请贵|征求|支持|协助|配合|提供|反馈|回复|复函")


def letter_mode(facts: DraftFacts) -> tuple[str, str, str]:
    """What a 函 does and so how it closes: answers a letter (``reference`` given: 函复, 特此函复),
    asks a question (函询) or for something (函商) — both want an answer, 请予函复 — or only
    informs (函告, 特此函告)."""
    said = " ".join((facts.subject, facts.purpose, *facts.points))
    if facts.reference:
        return "", "函复", "特此函复。"
    if _QUESTION.search(said):
        return "问题", "函询", "请予函复。"
    if _ASK.search(said):
        return "事项", "函商", "请予函复。"
    return "事项", "函告", "特此函告。"


def _letter(d: Draft) -> list[str]:
    facts = d.facts
    noun, verb, closing = letter_mode(facts)
    if facts.reference:
        grounds = f"根据有关规定：{d.basis}" if d.basis else ""
        lines = [f"你单位{_quoted(facts.reference)}收悉。{grounds}经研究，现函复如下："]
    else:
        about = d.subject if d.subject.endswith(("事项", "问题")) else f"{d.subject}有关{noun}"
        lines = [d.opening(f"现就{about}{verb}如下：")]
    lines += d.points(1, "商洽、询问或告知的具体事项", time="时间要求")
    return [*lines, *d.contact(required=True), closing]


def _reply(d: Draft) -> list[str]:
    ref = _quoted(d.facts.reference) if d.facts.reference else "【请填写：来文标题和文号】"
    grounds = f"根据有关规定：{d.basis}" if d.basis else ""
    lines = [f"你单位{ref}收悉。{grounds}经研究，批复如下："]
    decided = d.subject.startswith(("同意", "原则同意", "不同意"))
    if not d.facts.points and decided:
        d.facts = replace(d.facts, points=(d.subject,))
    lines += d.points(1, "批复意见（同意、部分同意或不同意及理由）", time="时间要求")
    return [*lines, "此复。"]


def _opinion(d: Draft) -> list[str]:
    lines = [d.opening(f"现就{d.subject}提出如下意见：")]
    if d.structured():
        lines += d.points(1, "", time="时间安排")
    else:
        tasks = (
            _numbered(d.facts.points, 2, single_plain=False)
            if d.facts.points
            else ["【请填写：主要任务和措施】"]
        )
        safeguards = ["（一）加强组织保障。【请填写：组织领导、资金保障、督促检查等措施】"]
        if d.facts.dates:
            safeguards.append(f"（二）明确时间安排。{_joined(d.facts.dates)}")
        lines += [
            "一、总体要求",
            "【请填写：指导思想、基本原则和主要目标】",
            "二、主要任务",
            *tasks,
            "三、保障措施",
            *safeguards,
        ]
    return lines + d.contact(required=False)


_PRAISE = re.compile(r"表彰|表扬|嘉奖|先进|经验|典型|成效")
_BLAME = re.compile(r"批评|问题|违规|违纪|违法|事故|失职|失责|通报批评|处分|问责")


def _bulletin(d: Draft) -> list[str]:
    facts = d.facts
    lines = [d.opening(f"现将{_about(d.subject, '情况')}通报如下：")]
    if d.structured():
        return [*lines, *d.points(1, "", time="下一步要求"), "特此通报。"]
    said = " ".join((facts.subject, facts.purpose, facts.reference))
    second = "存在的问题" if _BLAME.search(said) else "主要做法和成效"
    if not _BLAME.search(said) and not _PRAISE.search(said):
        second = "主要情况"
    event = sentence(facts.reference) or "【请填写：事件的时间、地点、经过和结果】"
    demands = [f"时间要求：{_joined(facts.dates)}"] if facts.dates else []
    lines += [
        "一、基本情况",
        event,
        f"二、{second}",
        *(_numbered(facts.points, 2, single_plain=False) or [f"【请填写：{second}】"]),
        "三、下一步要求",
        *(demands or ["【请填写：对各单位的工作要求】"]),
    ]
    return [*lines, "特此通报。"]


def _announcement(d: Draft) -> list[str]:
    word = d.kind.type
    lines = [d.opening(f"现将{_about(d.subject, '事项')}{word}如下：")]
    lines += d.points(1, f"{word}事项", time="时间安排")
    return [*lines, *d.contact(required=False), f"特此{word}。"]


def _decision(d: Draft) -> list[str]:
    meeting = d.facts.reference.rstrip("。")
    lines = [d.opening(f"经{meeting}研究，决定如下：" if meeting else "经研究，决定如下：")]
    return lines + d.points(1, "决定事项", time="时间要求")


def _meeting(d: Draft) -> str:
    """Who met: the reference, else the issuer when it is itself a meeting, else 会议."""
    reference = d.facts.reference.rstrip("。")
    if reference:
        return reference
    return d.facts.issuer if d.facts.issuer.endswith("会议") else "会议"


def _resolution(d: Draft) -> list[str]:
    facts = d.facts
    reviewed = re.sub(r"^(批准|通过)", "", d.subject)
    lines = [f"{_meeting(d)}审议了{reviewed}。"]
    view = sentence(facts.purpose) or "【请填写：会议对审议事项的评价】。"
    lines.append(f"会议认为，{view}")
    if d.basis:
        lines.append(f"根据有关规定：{d.basis}")
    if len(facts.points) == 1 and not facts.dates:
        return [*lines, f"会议决定，{_item(facts.points[0])}"]
    return [*lines, "会议决定：", *d.points(1, "决定事项", time="时间要求")]


def _communique(d: Draft) -> list[str]:
    facts = d.facts
    about_meeting = d.subject.endswith(("会议", "全会", "大会"))
    if facts.reference:
        lines = [sentence(facts.reference)]
    else:
        lines = ["【请填写：会议或事项的基本情况（名称、时间、地点）】"] if about_meeting else []
    if about_meeting:
        text = _lead(facts.purpose)[0]
        lines += [sentence(text)] if text else []
        lines += [f"根据有关规定：{d.basis}"] if d.basis else []
        lines += [_item(p) for p in facts.points] or ["【请填写：会议审议的事项和作出的决定】"]
        lines += [f"时间安排：{_joined(facts.dates)}"] if facts.dates else []
        return lines
    lines.append(d.opening(f"现将{_about(d.subject, '情况')}公布如下："))
    return lines + d.points(1, "公布的事项和数据", time="时间安排")


def _motion(d: Draft) -> list[str]:
    facts = d.facts
    quoted = re.search(r"《[^》]+》", d.subject)
    did = f"起草了{quoted.group()}" if quoted else f"拟{d.subject}"
    passed = f"，已经{facts.reference.rstrip('。')}讨论通过" if facts.reference else ""
    lines = [d.opening(f"{facts.issuer}{did}{passed}。")]
    if facts.points or facts.dates:
        lines += ["现将有关情况说明如下：", *d.points(1, "议案的主要内容", time="时间安排")]
    return [*lines, "以上议案，请予审议。"]


def _effective(date: str) -> str:
    """``自2027年1月1日起施行`` from ``2027年1月1日`` or ``2027年1月1日起施行``."""
    date = date.strip().rstrip("。")
    if "施行" in date:
        return date if date.startswith("自") else "自" + date
    return f"自{date.removesuffix('起')}起施行"


def _order(d: Draft) -> list[str]:
    facts = d.facts
    reference = facts.reference.strip().rstrip("。，")
    if not reference:
        lines = [d.opening("现发布命令如下：")]
        return lines + d.points(1, "命令事项和执行要求", time="时间要求")
    if "通过" not in reference and "批准" not in reference:
        name = reference if "《" in reference else f"《{reference}》"
        reference = f"{name}已经【请填写：审议通过的会议名称和日期】通过"
    dates = facts.dates
    when = _effective(dates[0]) if dates else "自【请填写：施行日期】起施行"
    grounds = f"根据有关规定：{d.basis}" if d.basis else ""
    lines = [f"{grounds}{reference}，现予公布，{when}。"]
    if len(dates) > 1:
        lines.append(_joined(dates[1:]))
    return lines + _numbered(facts.points, 1)


def _minutes(d: Draft) -> list[str]:
    facts = d.facts
    lines = [sentence(facts.reference)] if facts.reference else []
    lines += [] if facts.reference else ["【请填写：会议时间、地点、主持人和会议名称】"]
    if d.subject.endswith(("会", "会议")):
        transition = "现将会议议定事项纪要如下："
    else:
        transition = f"会议研究了{re.sub(r'^研究', '', d.subject)}。现将会议议定事项纪要如下："
    lines.append(d.opening(transition))
    return lines + d.points(1, "会议议定事项", time="完成时限")


BUILDERS: dict[str, Callable[[Draft], list[str]]] = {
    "决议": _resolution,
    "决定": _decision,
    "命令": _order,
    "公报": _communique,
    "公告": _announcement,
    "通告": _announcement,
    "意见": _opinion,
    "通知": _notice,
    "通报": _bulletin,
    "报告": _report,
    "请示": _request,
    "批复": _reply,
    "议案": _motion,
    "函": _letter,
    "纪要": _minutes,
}


def cited_basis(basis: Sequence[str]) -> str:
    return "".join(sentence(" ".join(b.split())) for b in basis if b.strip())


def placeholders_in(*texts: str) -> tuple[str, ...]:
    """Every 【请填写：…】 in ``texts``, first occurrence first."""
    found = (m.group() for t in texts for m in _PLACEHOLDER.finditer(t))
    return tuple(dict.fromkeys(found))
