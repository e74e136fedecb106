"""Where a citizen message is about, and whom: regions, named places and groups of people.

Hot problems are "the same issue at the same place or for the same group of people", so the
grouping in :mod:`govai.analytics.grouping` needs the places each message names. No gazetteer
of residential estates exists (developers name them: 丽发新城, 伊景园滨河苑, 长房半岛蓝湾), so
places are found by their form:

* **Regions** — the administrative units the message board anonymises: ``A市``, ``A5区``,
  ``K8县`` (a letter for the city, a number for its districts and counties; 西地省 is the
  province of every message). Real unit names (长沙市, 岳麓区) are not read as regions.
* **Named places** — a name followed by a word that says what kind of place it is: an estate
  (小区, 花园, 家园, 新城, 苑, 园, 府, 郡 …), a road (路, 大道, 街, 桥), an area (街道, 社区,
  镇, 村, 组, 片区) or an institution (学校, 学院, 医院, 公司, 集团 …). The name is the run of
  name characters before the suffix, cut at punctuation, at a region and at words that never
  belong to a name, then walked back word by word (jieba's dictionary, no HMM) until a verb,
  adverb, preposition, pronoun, numeral or the like by jieba's word classes — single
  characters are kept whatever their class, as names are made of them (丽发) — with a leading
  verb such as 投诉/反映/关于 removed. A suffix inside an ordinary word is skipped (城市,
  政府, 村民, 组织, 修路), and so are names that are ordinary words (安置小区, 物业公司) or
  start with a demonstrative (该小区, 我们小区); the word lists are in
  ``data/hotspot_words.txt``. The parts of one name are joined (丽发新城 + 小区, 伊景园 +
  滨河苑).
* **Groups of people** — 学生家长, 业主, 职工, 出租车司机, 受害人 … (:data:`PEOPLE`).

Each named place has a :attr:`PlaceMention.core`: the name without a kind word that is not part
of it (丽发新城小区 and 丽发新城社区 are both 丽发新城; 展星投资有限公司 is 展星投资), which is
what messages are compared by (:func:`core_similarity`): one contains the other (万科魅力之城,
魅力之城) or they share most of their character pairs (a typo: 李丽发新城).

The first call loads jieba's dictionary into a private tokenizer (1–2 s); then a title or the
start of a body takes about 0.1–0.2 ms, names already seen are remembered.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

import jieba

__all__ = [
    "LEADING_WORDS",
    "PEOPLE",
    "REGION",
    "PlaceKind",
    "PlaceMention",
    "character_pairs",
    "clean_text",
    "core_similarity",
    "extract_people",
    "extract_places",
    "extract_regions",
    "is_common_word",
    "region_letter",
    "segment",
    "word_list",
]

PlaceKind = Literal["estate", "road", "area", "institution"]

# ── normalisation ─────────────────────────────────────────────────────────────

# Full-width letters and digits become half-width (Ａ市, ５８); Chinese punctuation stays as
# written, and invisible characters go.
_WIDTH = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B))}
_WIDTH |= {code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)}
_WIDTH |= dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")
_SPLIT_REGION = re.compile(r"(?<![A-Za-z])([A-Z]\d{0,2}) ([市区县])")


def clean_text(text: str) -> str:
    """One line of text: full-width letters and digits made half-width (punctuation kept
    as written), invisible characters removed, every run of whitespace — the ``\\n\\t\\t``
    that frames exported message bodies included — reduced to one space, a region split by a
    space joined again (``J10 县`` → ``J10县``), and 巿 (a common typo) read as 市."""
    text = text.translate(_WIDTH).replace("巿", "市")
    return _SPLIT_REGION.sub(r"\1\2", _SPACES.sub(" ", text).strip())


@cache
def _word_lists() -> dict[str, frozenset[str]]:
    text = resources.files("govai.analytics").joinpath("data", "hotspot_words.txt")
    lists: dict[str, set[str]] = {}
    current: set[str] | None = None
    for raw in text.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = lists.setdefault(line[1:-1], set())
        elif line and current is not None:
            current.update(line.split())
    return {name: frozenset(words) for name, words in lists.items()}


def word_list(name: str) -> frozenset[str]:
    """One list of ``data/hotspot_words.txt``: ordinary, generic_names, people, boilerplate."""
    return _word_lists()[name]


# ── regions ───────────────────────────────────────────────────────────────────

# 西地省 / A市 / A5区 / K8县 (the board's anonymised units), or a real unit such as 长沙市.
_ANON_REGION = r"[A-Z]\d{0,2}[市区县]"
REGION = re.compile(rf"西地省|{_ANON_REGION}")
_NAME_BREAKING_REGION = re.compile(rf"{_ANON_REGION}|西地省|[省市县区]")


def extract_regions(text: str) -> list[str]:
    """The anonymised administrative units in ``text`` in order of first mention, each once:
    ``["A市", "A2区"]``. The province (西地省) is left out: it is everywhere."""
    seen: dict[str, None] = {}
    for match in REGION.finditer(text):
        if match.group() != "西地省":
            seen.setdefault(match.group(), None)
    return list(seen)


def region_letter(region: str) -> str:
    """The city a region belongs to: ``"A"`` for A市, A5区 and A7县."""
    return region[0] if region and "A" <= region[0] <= "Z" else ""


# ── named places ──────────────────────────────────────────────────────────────

_KIND_OF_SUFFIX: dict[str, PlaceKind] = {}
for _kind, _words in {
    "estate": (
        "小区 花园 家园 公寓 山庄 新城 新村 公馆 华府 大院 宿舍 别墅 广场 大厦 商城 市场 "
        "公园 苑 园 城 府 郡 湾 墅 阁 轩 庄园 国际 名都 一期 二期 三期 四期 五期 六期 七期"
    ),
    "road": "大道 路 街 巷 桥 隧道 立交",
    "area": "街道 社区 片区 新区 开发区 工业园 园区 镇 乡 村 组 湖",
    "institution": (
        "学校 学院 大学 中学 小学 一中 二中 幼儿园 医院 卫生院 派出所 法院 银行 集团 公司 "
        "有限公司 股份有限公司 有限责任公司 集团有限公司 分公司 校区 培训学校 培训中心 "
        "酒店 超市 地铁站 火车站 汽车站 高铁站 公交站 车站 机场 码头 项目 楼盘"
    ),
}.items():
    for _word in _words.split():
        _KIND_OF_SUFFIX[_word] = _kind  # type: ignore[assignment]

_SUFFIX = re.compile("|".join(sorted(map(re.escape, _KIND_OF_SUFFIX), key=len, reverse=True)))
# Suffix words that, followed by this character, are part of an ordinary word instead:
# 城市 城管 城区 城乡 城镇 城建 城际 城投 城中村, 园林 园艺, 村民 村委 村级 村干部 村务 村里,
# 组织 组成 组建 组长, 街头 街边 街面 街坊, 路灯 路面 路段 路况 路费 路线 路边 路过 路网, 桥梁,
# 镇政府 stays a place (镇 followed by 政 is fine), 湖南 湖北.
_NOT_A_SUFFIX_BEFORE = {
    "城": "市管区乡镇建际投中墙门",
    "园": "林艺丁长区",
    "村": "民委级干务里规镇庄",
    "组": "织成建长合团件",
    "街": "头边面坊道",
    "路": "灯面段况费线边过网径由上",
    "桥": "梁",
    "湖": "南北",
    "乡": "村镇亲下",
    "镇": "村",
    "府": "",
    "湾": "区",
    "苑": "",
    "郡": "",
    "阁": "楼",
    "轩": "然",
}
# Words in which a suffix character is no place name (修路, 城市, 政府), names that are ordinary
# words however suffixed (安置小区, 物业公司), and groups of people: data/hotspot_words.txt.
_ORDINARY_WORDS = word_list("ordinary")
# A name never starts with these (demonstratives, pronouns, quantifiers, "new/old/nearby").
_GENERIC_NAME_START = re.compile(
    r"^(?:该|本|这|那|此|其|我|你|他|她|贵|各|每|某|全|整个|所在|所属|附近|周边|周围|旁边|对面|"
    r"隔壁|同一|一个|几个|多个|多家|一家|一所|这些|那些|哪个|任何|所有|其他|其它|新建|在建|"
    r"部分|多数|少数|个别|有些|一些|有限|股份|"
    r"老旧|大型|小型|高档|普通|门前|楼下|屋后|自家)"
)
_GENERIC_NAMES = word_list("generic_names")
# Words that end a name when they come before it, whatever jieba makes of them.
_NAME_BREAK = re.compile(
    r"(?:之后|以后|以前|以来|至今|目前|现在|已经|正在|一直|经常|所以|因为|但是|而且|以及|或者|"
    r"还是|还有|就是|不是|没有|可以|能否|能不能|是否|为何|为什么|怎么|如何|什么|哪些|哪里|何时|"
    r"多少|请问|谢谢|您好|你好|尊敬|领导|书记|市长|县长|区长|局长|办事处|居委会|村委会|管委会|"
    r"[的了在是与及把被])"
)
# Words a title or sentence starts with before the place: 投诉A2区丽发新城…, 关于伊景园滨河苑….
LEADING_WORDS = re.compile(
    r"^(?:投诉|反映|反应|举报|关于|有关|请问|咨询|建议|希望|要求|请求|恳请|恳求|呼吁|强烈|坚决|"
    r"位于|地处|家住|住在|居住在|居住|来自|我是|我们是|本人是|本人|我们|针对|整治|治理|解决|处理|"
    r"取缔|关闭|拆除|清理|规范|加快|尽快|支持|反对|拒绝|曝光|揭露|谴责|控告|起诉|状告|督促|敦促|"
    r"催促|麻烦|商品房|安置房|开发商|物业)+"
)
_NAME_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·]+$")
_DIGITS = re.compile(r"^[0-9A-Za-z]+$")
# Single characters that come before a name rather than start it (向 and 和 start too many
# names: 向家坡, 和平).
_LEADING_CHARS = frozenset(
    "对至从因在于由往把被将给过的了说走去来到是有让叫离沿自据按以为跟同号栋个"
)
_MAX_RUN = 12  # characters looked at before a suffix
_MAX_NAME = 10
# Word classes of jieba's dictionary a place name does not run through: verbs, adverbs,
# prepositions, conjunctions, pronouns, particles, localisers (附近, 旁边), time words,
# numerals and measure words (199号, 20栋). Verbal nouns (违规, 启动) end a name too, except
# right before the suffix (丰润生活超市).
_STOP_TAGS = frozenset(
    {"v", "vd", "vg", "vi", "vq", "d", "dg", "df", "ad", "p", "c", "r", "rr", "rz", "rg", "u"}
    | {"uj", "ul", "uv", "uz", "ug", "ud", "y", "e", "o", "f", "t", "tg", "m", "mq", "mg", "q"}
)
# Kinds whose suffix is only a kind word, not part of the name: 丽发新城小区 and 丽发新城社区
# are both 丽发新城. (新城, 花园 and the like are part of the name: 丽发新城 ≠ 丽发.)
_GENERIC_KIND_WORDS = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "分公司",
    "公司",
    "小区",
    "社区",
    "片区",
    "项目",
    "楼盘",
)


class _Segmenter:
    """A private jieba (the global default is never touched) and the word classes of its
    dictionary that end a place name; built on first use (about 2 s), then shared."""

    _lock = threading.Lock()
    _instance: _Segmenter | None = None

    def __init__(self) -> None:
        self.jieba = jieba.Tokenizer()
        self.jieba.initialize()
        stop: dict[str, str] = {}
        with self.jieba.get_dict_file() as fh:
            for raw in fh:
                parts = raw.decode("utf-8").split()
                if len(parts) == 3 and (parts[2] in _STOP_TAGS or parts[2] == "vn"):
                    stop[parts[0]] = parts[2]
        self.stop_tags = stop

    @classmethod
    def get(cls) -> _Segmenter:
        with cls._lock:
            if cls._instance is None:
                cls._instance = _Segmenter()
            return cls._instance

    def cut(self, text: str) -> list[str]:
        return list(self.jieba.cut(text, HMM=False))


def segment(text: str) -> list[str]:
    """``text`` segmented by jieba's dictionary without its HMM (the shared private jieba)."""
    return _Segmenter.get().cut(text)


def is_common_word(text: str) -> bool:
    """Whether ``text`` is one word of jieba's dictionary (贷款, 公积金) — an ordinary word,
    not a name such as 58车贷 or 湖楚财富."""
    return bool(_Segmenter.get().jieba.FREQ.get(text))


@dataclass(frozen=True)
class PlaceMention:
    """A named place in a text: ``text`` as written (丽发新城小区), ``core`` — the name it is
    compared by (丽发新城) — its ``kind`` and its position."""

    text: str
    core: str
    kind: PlaceKind
    start: int
    end: int


def _name_before(text: str, start: int, floor: int, suffix: str) -> str:
    """The name that ends at ``start`` (the suffix begins there), not reaching before ``floor``."""
    run_match = _NAME_CHARS.search(text[max(floor, start - _MAX_RUN) : start])
    if not run_match:
        return ""
    return _name_in_run(run_match.group(), suffix)


@lru_cache(maxsize=65_536)
def _name_in_run(run: str, suffix: str) -> str:
    """The name at the end of ``run`` (name characters only) before ``suffix``."""
    # cut at a region (A2区丽发新城 → 丽发新城) and at words that never belong to a name
    for pattern in (_NAME_BREAKING_REGION, _NAME_BREAK):
        ends = [match.end() for match in pattern.finditer(run)]
        if ends:
            run = run[ends[-1] :]
    if not run:
        return ""
    segmenter = _Segmenter.get()
    kind = _KIND_OF_SUFFIX[suffix]
    words = segmenter.cut(run)
    name: list[str] = []
    for position, word in enumerate(reversed(words)):
        adjacent = position == 0
        if _DIGITS.match(word):
            if adjacent and suffix in ("路", "线"):  # 805路: a bus line
                name.append(word)
                continue
            break  # 199号万国城 stops at the number, 20栋106小区 is no name
        if len(word) > 1 and not word.startswith("第"):  # 第三小学 keeps its 第三
            tag = segmenter.stop_tags.get(word)
            if tag in ("v", "vn") and kind in ("road", "institution"):
                pass  # 解放西路, 建设路, 劳动东路; 展星投资有限公司, 通商食品贸易有限公司
            elif tag is not None and (tag != "vn" or not adjacent):
                break
        # single characters are kept whatever their word class: names are made of them (丽发)
        name.append(word)
    while len(name) > 1 and len(name[-1]) == 1 and name[-1] in _LEADING_CHARS:
        name.pop()  # 过科教新村, 对星沙街道, 号万国城: a function word before the name
    joined = "".join(reversed(name))
    lead = LEADING_WORDS.match(joined)
    if lead:
        joined = joined[lead.end() :]
    return joined.lstrip("·")[-_MAX_NAME:]


def _core(text: str) -> str:
    for word in _GENERIC_KIND_WORDS:
        if text.endswith(word) and len(text) > len(word) + 1:
            return text[: -len(word)]
    return text


def _ordinary(name: str, suffix: str, following: str) -> bool:
    """Whether ``suffix`` is part of an ordinary word here (城市, 修路, 我们小区) rather than
    the end of a place name."""
    if following and following in _NOT_A_SUFFIX_BEFORE.get(suffix, ""):
        return True
    if (name[-1:] + suffix) in _ORDINARY_WORDS:
        return True
    if _GENERIC_NAME_START.match(name) or name in _GENERIC_NAMES:
        return True
    return (name + suffix) in _ORDINARY_WORDS


def extract_places(text: str) -> list[PlaceMention]:
    """The named places in ``text`` (cleaned with :func:`clean_text` first), in order.

    >>> [m.text for m in extract_places("投诉A2区丽发新城附近建搅拌站噪音扰民")]
    ['丽发新城']
    >>> [(m.core, m.kind) for m in extract_places("A5区劳动东路魅力之城小区油烟扰民")]
    [('劳动东路', 'road'), ('魅力之城', 'estate')]
    """
    mentions: list[PlaceMention] = []
    floor = 0
    for match in _SUFFIX.finditer(text):
        suffix = match.group()
        start, end = match.span()
        kind = _KIND_OF_SUFFIX[suffix]
        following = text[end : end + 1]
        previous = mentions[-1] if mentions else None
        if previous is not None and previous.end == start:
            # a suffix right after a place: 丽发新城 + 小区, 新安社区 + 八组, 梅溪湖 + 路
            if following in _NOT_A_SUFFIX_BEFORE.get(suffix, ""):
                continue
            whole = previous.text + suffix
            mentions[-1] = PlaceMention(whole, _core(whole), kind, previous.start, end)
            floor = end
            continue
        name = _name_before(text, start, floor, suffix)
        if not name or _ordinary(name, suffix, following) or (len(name) < 2 and kind != "road"):
            if kind == "road":
                floor = end  # 劳动东路魅力之城: whatever the road was, the next name starts here
            continue
        begin = start - len(name)
        gap = text[previous.end : begin] if previous is not None else "-"
        if previous is not None and gap in ("", "·", ".") and previous.kind == kind == "estate":
            # one estate named in two parts: 伊景园 + 滨河苑
            whole = previous.text + name + suffix
            mentions[-1] = PlaceMention(whole, _core(whole), kind, previous.start, end)
            floor = end
            continue
        if len(name) < 2:
            continue
        whole = name + suffix
        mentions.append(PlaceMention(whole, _core(whole), kind, begin, end))
        floor = end
    return mentions


# ── groups of people ──────────────────────────────────────────────────────────

PEOPLE: tuple[str, ...] = tuple(sorted(word_list("people"), key=lambda w: (-len(w), w)))
_PEOPLE = re.compile("|".join(map(re.escape, PEOPLE)))


def extract_people(text: str) -> list[str]:
    """The groups of people ``text`` names, in order of first mention, each once."""
    seen: dict[str, None] = {}
    for match in _PEOPLE.finditer(text):
        seen.setdefault(match.group(), None)
    return list(seen)


# ── comparing places ──────────────────────────────────────────────────────────


@lru_cache(maxsize=65_536)
def character_pairs(text: str) -> frozenset[str]:
    """The overlapping two-character pieces of ``text`` (``text`` itself when shorter)."""
    return frozenset({text[i : i + 2] for i in range(len(text) - 1)} or {text})


@lru_cache(maxsize=262_144)
def core_similarity(a: str, b: str) -> float:
    """How surely two place cores name the same place, 0–1: 1 when one contains the other
    (万科魅力之城 / 魅力之城, 丽发 / 丽发新城), else the Dice coefficient of their character
    pairs (李丽发新城 / 丽发新城 0.86, 魅力城 / 魅力之城 0.4)."""
    if not a or not b:
        return 0.0
    if a == b or (min(len(a), len(b)) >= 2 and (a in b or b in a)):
        return 1.0
    pa, pb = character_pairs(a), character_pairs(b)
    return 2 * len(pa & pb) / (len(pa) + len(pb))
