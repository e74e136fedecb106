"""Reading what a service portal publishes as free text: time limits, legal basis, materials.

Portal exports (:func:`govai.approval.catalog.read_gd_portal`) hold these as text written by
many hands. Each reader here is conservative: what it cannot read with confidence it leaves
as text or ``None`` rather than guess, because a wrong time limit or a material wrongly marked
optional misleads an applicant where a blank only sends them to a person.

Time limits
-----------
``20(工作日)``, ``20（工作日）``, ``20个工作日``, ``二十个工作日`` are working days; 即办 (and
当场办结 …) is 0. ``90(自然日)``, ``30天``, ``3个月`` keep their number and unit but give no
working days: converting calendar days needs a start date, which the deadline calculator has and
the catalogue does not. "无", empty or anything else is no limit.

Legal basis
-----------
Titles in 《》 whose ending names a law or normative document (…法, 条例, 规定, 办法, 细则,
决定, 通知, 意见, 规则, 标准, 目录 …; not …申请表, …许可证, …决定书), with the article when one
follows the title, past a document number in brackets: ``《中华人民共和国义务教育法》（主席令
第五十二号）第三十九条`` → ``《中华人民共和国义务教育法》第三十九条``. 《条例》 alone names
nothing and is dropped; a bare title is dropped when an article of it is named.

Materials
---------
``material_intro`` is a list of names (or, in other exports, one string with numbered lines);
each entry may hold several materials separated by ``；`` and may carry its condition in its own
words. A material is ``required`` unless its wording says:

* *optional*: a marker such as （如有）, （可选）, （选填）, （非必需）;
* *conditional*, keeping the condition as text for the applicant and the reviewer:
  a trailing bracket that states a case — ``授权委托书（委托办理的）``,
  ``农药登记申请表（适用于农药制剂）``, ``湿地占补平衡方案（如果项目占用湿地）``,
  ``…（省级以上水产良种场才需提供）``; a leading clause — ``台站技术参数变更的，需提供…``,
  ``如涉刑律者，须附…``, ``委托他人办理：个人委托书``, ``…转制的提供相应的转制文件``;
  or, by its name alone, a generic power of attorney (授权委托书, 个人委托书, 代办委托书,
  委托手续 …) or the agent's own papers (代办人身份证 …), needed only when someone applies for
  another person — inferred, and said so in the material's description. A 委托书 named for a
  particular party or business (村民代表授权委托书) stays required.

An entry that says no material is needed (``非依申请事项，无需提供申请材料``) is not a material:
:func:`parse_materials` returns its text apart (the portal reader keeps it in
``extra["material_note"]``). A format named in the entry (（txt格式）) becomes the
material's ``file_types``. When stripping a condition would give two materials of one item the
same name, both keep their full published wording, so each stays addressable by name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from govai.approval.items import MaterialNeed, MaterialSpec
from govai.knowledge.text import parse_chinese_numeral

__all__ = [
    "TimeLimit",
    "clean_value",
    "extract_legal_basis",
    "parse_materials",
    "parse_time_limit",
]

#: Values a portal uses for "nothing here".
EMPTY_VALUES = frozenset({"", "无", "暂无", "无。"})


def clean_value(value: object) -> str:
    """``value`` stripped when it is text, else ``""``; "无" and the like become ``""``."""
    text = value.strip() if isinstance(value, str) else ""
    return "" if text in EMPTY_VALUES else text


# ── time limits ───────────────────────────────────────────────────────────────

_NUMBER = r"([0-9]+|[零〇一二两三四五六七八九十百千]+)"
_WORKING_DAYS_RE = re.compile(rf"^{_NUMBER}\s*(?:[(（]\s*工作日\s*[)）]|个?工作日)$")
_UNIT = r"(个?(?:自然日|日|天|月|年))"
_OTHER_UNIT_RE = re.compile(rf"^{_NUMBER}\s*(?:[(（]\s*{_UNIT}\s*[)）]|{_UNIT})$")
_IMMEDIATE = frozenset(
    {"即办", "即办件", "即时办结", "当场办结", "即时办理", "立即办理", "当场办理"}
)


@dataclass(frozen=True)
class TimeLimit:
    """A published time limit: ``working_days`` when it is one (0 for 即办), else ``None``;
    ``value`` and ``unit`` as published (``90`` and ``自然日``) when there is a number."""

    working_days: int | None
    value: int | None = None
    unit: str = ""

    @property
    def numeric(self) -> bool:
        return self.value is not None


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else parse_chinese_numeral(text)


def parse_time_limit(text: str) -> TimeLimit:
    """Read a portal's time limit: ``"20(工作日)"``, ``"20（工作日）"``, ``"20个工作日"``,
    ``"二十个工作日"`` and 即办 are working days; ``"90(自然日)"``, ``"30天"``, ``"3个月"`` keep
    their number and unit but no working days; "无", empty or anything else is no limit."""
    value = clean_value(text).translate(_FULL_DIGITS).replace(" ", "")
    if not value:
        return TimeLimit(None)
    if value in _IMMEDIATE:
        return TimeLimit(0, 0, "即办")
    match = _WORKING_DAYS_RE.match(value)
    if match:
        days = _number(match.group(1))
        return TimeLimit(days, days, "工作日") if days is not None else TimeLimit(None)
    match = _OTHER_UNIT_RE.match(value)
    if match:
        number = _number(match.group(1))
        unit = match.group(2) or match.group(3)
        return TimeLimit(None, number, unit) if number is not None else TimeLimit(None)
    return TimeLimit(None)


_FULL_DIGITS = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}

# ── legal basis ───────────────────────────────────────────────────────────────

_CN_NUM = "0-9零〇一二三四五六七八九十百千"
_BOOK_RE = re.compile(
    r"《([^《》]{2,80})》"
    r"\s*(?:[（(][^（）()《》]{0,40}[）)])?"  # a document number or year: （国发〔2001〕21号）
    rf"\s*(第[{_CN_NUM}]+条(?:之[一二三四五六七八九十]+)?"
    rf"(?:第[{_CN_NUM}]+款)?(?:第[{_CN_NUM}]+项)?)?"
)
# What the title of a law or normative document ends with; forms and certificates (申请表,
# 许可证, 决定书) end otherwise and are not a legal basis.
_LAW_SUFFIXES = (
    "法",
    "条例",
    "规定",
    "办法",
    "细则",
    "决定",
    "通知",
    "意见",
    "规则",
    "解释",
    "规范",
    "标准",
    "目录",
    "要求",
    "纲要",
    "准则",
    "公告",
)
_TRAILING_NOTE_RE = re.compile(r"[（(][^（）()]*[）)]$")


def _law_title(raw: str) -> str | None:
    title = re.sub(r"\s+", "", raw).replace("<", "〈").replace(">", "〉")
    core = title
    while _TRAILING_NOTE_RE.search(core):  # （试行）, （2016年修订）
        core = _TRAILING_NOTE_RE.sub("", core)
    if len(core) < 3 or core in _LAW_SUFFIXES or not core.endswith(_LAW_SUFFIXES):
        return None  # 《条例》 alone names nothing; 《…申请表》 is a form
    return title


def extract_legal_basis(texts: Iterable[str]) -> tuple[str, ...]:
    """The laws and normative documents named in ``texts`` as 《title》 or 《title》第N条, each
    once, in order of first mention; a bare title is dropped when an article of it is named."""
    found: list[str] = []
    for text in texts:
        for match in _BOOK_RE.finditer(text or ""):
            title = _law_title(match.group(1))
            if title is None:
                continue
            basis = f"《{title}》{match.group(2) or ''}"
            if basis not in found:
                found.append(basis)
    with_article = {b.split("》", 1)[0] for b in found if not b.endswith("》")}
    return tuple(b for b in found if not (b.endswith("》") and b[:-1] in with_article))


# ── materials ─────────────────────────────────────────────────────────────────

_OPTIONAL_RE = re.compile(
    r"[（(]\s*(?:如有|若有|有则提供|可选|选填|选交|非必[需须要填]|可不提供)\s*[）)]"
)
_TRAILING_BRACKET_RE = re.compile(r"^(?P<name>.+?)\s*[（(](?P<inner>[^（）()]+)[）)]$")
_CONDITION_BRACKET_RE = re.compile(
    r"(?:的|时|者)$|^(?:适用于?|仅限|如果|如|若|凡|因|属于?|涉及)|(?:才需|需要?|须|应)(?:提供|提交)$"
)
_LEAD_CONDITION_RE = re.compile(r"^(?:如果|如|若|凡|因|属于|涉及|对于|申请)")
_SUBMIT = r"(?:提供|提交|交验|报送|附有|附上|附|出具)"
_SUBMIT_RE = re.compile(rf"^(?:还应当?|还须|还需|应当|应|须|需要?|均需|另需)?{_SUBMIT}")
_INLINE_CONDITION_RE = re.compile(
    rf"^(?P<cond>.{{2,}}?的)(?:还应当?|还须|应当|应|须|需要?)?{_SUBMIT}(?P<name>.{{2,}})$"
)
_COLON_RE = re.compile(r"^(?P<cond>[^：:]{2,20})[：:](?P<name>.{2,})$")
_COLON_CONDITION_RE = re.compile(r"(?:的|时|者|办理)$|^(?:如果|如|若|凡|因|属于|涉及|委托)")
# A generic power of attorney, or the agent's own papers; a 委托书 named for a particular party
# or business (村民代表授权委托书) is left required.
_PROXY_RE = re.compile(
    r"^(?:(?:个人|本人|代办|代理|代人|代理人|单位)?(?:授权)?委托书|委托手续|委托代理书|代理委托书)"
    r"(?:复印件|原件)?$|^(?:代办人|代理人|受托人|被委托人)"
)
_PROXY_CONDITION = "委托他人代为办理的"
_FORMAT_RE = re.compile(
    r"[（(]\s*(txt|pdf|ofd|jpe?g|png|docx?|xlsx?|zip|rar|dwg)\s*(?:格式|文件|版)?\s*[）)]",
    re.IGNORECASE,
)
_NO_MATERIAL_RE = re.compile(r"无需(?:提供|提交)|不需(?:要)?(?:提供|提交)|无需材料|免于提交")
_NUMBERING_RE = re.compile(
    r"^\s*(?:[0-9]+\s*[.、．)）]|[（(][0-9一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)\s*"
)
_SEPARATORS_RE = re.compile(r"[\n\r；;]+")
_NUMBERED_BREAK_RE = re.compile(r"\s+(?=(?:[0-9]+\s*[.、．](?![0-9])|[（(][0-9]+[)）]))")
_PUNCT_STRIP = " \t\u3000。；;，,、"


def _material_entries(raw: str | Sequence[str]) -> Iterator[str]:
    """The entries of ``material_intro``: list items, or the lines/numbered parts of a string,
    each split at ``；``, numbering removed."""
    chunks: list[str]
    if isinstance(raw, str):
        chunks = [p for line in _SEPARATORS_RE.split(raw) for p in _NUMBERED_BREAK_RE.split(line)]
    else:
        chunks = [p for entry in raw for p in _SEPARATORS_RE.split(entry)]
    for chunk in chunks:
        text = _NUMBERING_RE.sub("", chunk).strip(_PUNCT_STRIP)
        if text and text not in EMPTY_VALUES:
            yield text


_Parsed = tuple[MaterialSpec, str]  # a material and the published wording it came from


def _spec(name: str, original: str, need: MaterialNeed, condition: str = "") -> _Parsed:
    formats = tuple(
        dict.fromkeys(m.lower().replace("jpeg", "jpg") for m in _FORMAT_RE.findall(original))
    )
    name = name.strip(_PUNCT_STRIP) or original
    description = original if name != original else ""
    spec = MaterialSpec(
        name=name, need=need, condition=condition, file_types=formats, description=description
    )
    return spec, original


def _classify(text: str) -> list[_Parsed]:
    """One entry as materials: usually one, two when a required part precedes a conditional
    one (``参保人档案材料原件，有工作调动经历的，提供调动材料``)."""
    if _OPTIONAL_RE.search(text):
        return [_spec(_OPTIONAL_RE.sub("", text), text, "optional")]
    bracket = _TRAILING_BRACKET_RE.match(text)
    if bracket and _CONDITION_BRACKET_RE.search(bracket.group("inner").strip()):
        return [_spec(bracket.group("name"), text, "conditional", bracket.group("inner").strip())]
    segments = [s.strip() for s in re.split(r"[，,]", text) if s.strip()]
    for i, segment in enumerate(segments[:-1]):
        rest = segments[i + 1]
        if (
            segment.endswith(("的", "者", "时"))
            or _LEAD_CONDITION_RE.match(segment)
            or (_SUBMIT_RE.match(rest) and not rest.startswith("或"))
        ):
            name = _SUBMIT_RE.sub("", "，".join(segments[i + 1 :]))
            before = "，".join(segments[:i])
            found = [_spec(before, before, "required")] if before else []
            return [*found, _spec(name, text, "conditional", segment)]
    inline = _INLINE_CONDITION_RE.match(text)
    if inline:
        return [_spec(inline.group("name"), text, "conditional", inline.group("cond"))]
    colon = _COLON_RE.match(text)
    if colon and _COLON_CONDITION_RE.search(colon.group("cond")):
        return [_spec(colon.group("name"), text, "conditional", colon.group("cond"))]
    core = text
    while _TRAILING_NOTE_RE.search(core):
        core = _TRAILING_NOTE_RE.sub("", core).strip()
    if _PROXY_RE.search(core):
        spec, _ = _spec(text, text, "conditional", _PROXY_CONDITION)
        return [(replace(spec, description="委托他人办理时才需要（据材料名称推断）"), text)]
    return [_spec(text, text, "required")]


def parse_materials(raw: str | Sequence[str]) -> tuple[tuple[MaterialSpec, ...], str]:
    """The materials of one item from its published list (see the module notes), and the text
    of any entry that says no material is needed (empty when none)."""
    specs: list[_Parsed] = []
    notes: list[str] = []
    for entry in _material_entries(raw):
        if _NO_MATERIAL_RE.search(entry):
            notes.append(entry)
            continue
        specs.extend(_classify(entry))
    # Two materials whose names became equal once their conditions were cut off keep their
    # full wording; exact repeats are dropped.
    names = Counter(spec.name for spec, _ in specs)
    result: list[MaterialSpec] = []
    seen: set[str] = set()
    for spec, original in specs:
        if names[spec.name] > 1 and spec.name != original:
            spec = replace(spec, name=original, description="")
        if spec.name not in seen:
            seen.add(spec.name)
            result.append(spec)
    return tuple(result), "；".join(notes)
