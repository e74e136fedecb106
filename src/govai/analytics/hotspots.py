"""Hot problems (热点发现): groups of messages about the same issue at the same place or for the
same group of people within a time window, ranked by a heat index, with the official tables.

:func:`find_problems` groups the messages (:mod:`govai.analytics.grouping`: issue similarity ×
place factor, average linkage, split where ``window_days`` pass in silence), keeps groups with
at least two messages from at least two users, scores each with :func:`heat_index`, labels it
with its 地点/人群 and a one-line description, and returns them hottest first.
:func:`write_problem_tables` writes the 热点问题表 and 热点问题留言明细表 of the Teddy Cup task
as two sheets of one .xlsx.

* **地点/人群**: the city and district most of its messages name, then the place named by at
  least half of them (the way most wrote it: 丽发新城小区), else a name of its own — a string
  in 60 % of its titles that other titles seldom use (58车贷, 温斯顿英语) — and the group of
  people named by 40 % of its titles when there is no place or the place is an institution
  (A市经济学院学生). A group with none of these is a topic (all questions about 公积金 in A市),
  not a problem at a place: its heat is multiplied by :data:`UNSPECIFIC_FACTOR`.
* **问题描述**: the title of the message closest to the group's centre (in issue vectors),
  without its places, regions and the board's set phrases (投诉…, 关于…的问题).

Quality and speed on 附件3 of the Teddy Cup 2020 (4,326 messages) are in
``bench/hotspots_teddycup.py`` and ``docs/benchmarks.md``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from govai.analytics import grouping as gr
from govai.analytics import places as pl

__all__ = [
    "DETAIL_COLUMNS",
    "DETAIL_SHEET",
    "PROBLEM_COLUMNS",
    "PROBLEM_SHEET",
    "HeatParameters",
    "MessageRecord",
    "Problem",
    "describe",
    "find_problems",
    "group_messages",
    "heat_index",
    "write_problem_tables",
]

UNSPECIFIC_FACTOR = 0.5  # heat factor of a group with no place, own name or group of people
OWN_NAME_SHARE = 0.6  # share of a group's titles that must contain its own name
PLACE_SHARE = 0.5  # share of a group's messages that must name its place
PEOPLE_SHARE = 0.4  # share of a group's titles that must name its group of people


@dataclass(frozen=True)
class MessageRecord:
    """One citizen message as exported: 留言编号, 留言主题, 留言详情, 留言时间, 留言用户,
    点赞数, 反对数."""

    id: str
    title: str
    text: str
    time: datetime | None
    user: str = ""
    likes: int = 0
    dislikes: int = 0


@dataclass(frozen=True)
class Problem:
    """A hot problem: one row of the 热点问题表, with the ids of its messages (in time order)."""

    rank: int
    heat: float
    start: datetime | None
    end: datetime | None
    place: str  # place or group of people, e.g. "A市A5区魅力之城小区"
    description: str  # one line, e.g. "小区临街餐饮店油烟噪音扰民"
    message_ids: list[str] = field(default_factory=list)

    def time_range(self) -> str:
        """``2019/11/02 至 2020/01/26``, as in the official table; "" without times."""
        if self.start is None or self.end is None:
            return ""
        return f"{self.start:%Y/%m/%d} 至 {self.end:%Y/%m/%d}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "heat": round(self.heat, 2),
            "time_range": self.time_range(),
            "place": self.place,
            "description": self.description,
            "message_ids": list(self.message_ids),
        }


# ── heat ──────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class HeatParameters:
    """The weights of :func:`heat_index`."""

    repeat_weight: float = 0.5
    reaction_weight: float = 0.5
    dislike_weight: float = 0.5
    span_weight: float = 0.1
    half_life_days: float = 180.0


def heat_index(
    messages: Sequence[MessageRecord],
    *,
    now: datetime | None = None,
    parameters: HeatParameters | None = None,
) -> float:
    """The heat of one problem, in messages' worth::

        heat = (V + a·R) × (1 + s·ln(1 + span_days)) × 0.5 ^ (age_days / half_life)

    * ``V``, volume: the number of distinct users, plus ``repeat_weight`` (0.5) for each
      further message of a user already counted — ten posts by one person are not ten people.
    * ``R``, reactions: Σ ln(1 + likes + ``dislike_weight``·dislikes) over the messages, times
      ``a`` = ``reaction_weight`` (0.5). Likes are extremely skewed (median 0, maximum 2,097 on
      附件3), so each message's count is log-damped: a post with 2,000 likes adds 3.8
      messages' worth, not 2,000. A dislike (反对数) still shows attention, at half the weight.
    * span: days from the first to the last message; ``s`` = ``span_weight`` (0.1) makes a
      problem raised for three months (×1.45) count more than a one-day burst (×1.07) of the
      same size — it has persisted unsolved.
    * recency: ``age_days`` from the last message to ``now`` (default: the last of these
      messages), halving every ``half_life_days`` (180): a problem quiet for half a year is
      half as hot.
    """
    if not messages:
        return 0.0
    p = parameters or HeatParameters()
    users = {m.user or f"\0{index}" for index, m in enumerate(messages)}
    volume = len(users) + p.repeat_weight * (len(messages) - len(users))
    reactions = sum(
        math.log1p(max(m.likes, 0) + p.dislike_weight * max(m.dislikes, 0)) for m in messages
    )
    span_factor = recency = 1.0
    times = [m.time for m in messages if m.time is not None]
    if times:
        first, last = min(times), max(times)
        span_factor += p.span_weight * math.log1p((last - first).total_seconds() / 86_400)
        age_days = ((now or last) - last).total_seconds() / 86_400
        recency = 0.5 ** (max(age_days, 0.0) / p.half_life_days)
    return (volume + p.reaction_weight * reactions) * span_factor * recency


# ── labels ────────────────────────────────────────────────────────────────────

_SET_OPENINGS = re.compile(
    r"^(?:投诉|反映|反应|举报|关于|有关|请问|咨询|建议|希望|要求|请求|恳请|再次|强烈|坚决|对|"
    r"我要|我们|请|求|问|的|在)+"
)
_SET_ENDINGS = re.compile(r"(?:的问题|问题|的投诉|投诉|的建议|的反映|的情况|事宜|一事)$")
_EDGE_PUNCTUATION = re.compile(
    r"^[\s,，。.:：;；!！?？、\-—~～·]+|[\s,，。.:：;；!！?？、\-—~～·]+$"
)
_NAME_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")
_KIND_ORDER = {"estate": 3, "institution": 3, "area": 2, "road": 1}


def describe(title: str, names: Iterable[str] = ()) -> str:
    """A one-line description from a title: a named estate becomes 小区, other named places,
    the given ``names``, regions and the board's set phrases (投诉…, 关于…的问题) go; "" when
    nothing is left.

    >>> describe("投诉A2区丽发新城附近建搅拌站噪音扰民")
    '小区附近建搅拌站噪音扰民'
    """
    title = pl.clean_text(title)
    parts = []
    at = 0
    for mention in pl.extract_places(title):
        parts.append(title[at : mention.start])
        parts.append("小区" if mention.kind == "estate" else " ")
        at = mention.end
    text = "".join([*parts, title[at:]])
    for name in names:
        if name:
            text = text.replace(name, " ")
    text = re.sub(r"\s+", "", pl.REGION.sub(" ", text)).replace("小区小区", "小区")
    previous = None
    while previous != text:
        previous = text
        text = _EDGE_PUNCTUATION.sub("", text)
        text = _SET_OPENINGS.sub("", text)
        text = _SET_ENDINGS.sub("", text)
    return "" if text == "小区" else text


def _central(members: Sequence[int], vectors: csr_matrix) -> list[int]:
    """``members`` by how close their issue is to the group's mean (most central first)."""
    rows = vectors[list(members)]
    scores = np.asarray(rows @ np.asarray(rows.mean(axis=0)).ravel()).ravel()
    return [members[i] for i in np.argsort(-scores, kind="stable")]


def _title_pairs(title: str) -> set[str]:
    """The character pairs of a title within runs of name characters, regions left out."""
    runs = _NAME_RUN.findall(pl.REGION.sub(" ", title))
    return {run[i : i + 2] for run in runs for i in range(len(run) - 1)}


def _own_name(
    members: Sequence[int], prepared: Sequence[gr.PreparedMessage], counts: Counter[str]
) -> str:
    """A name the group's titles share and other titles seldom use (58车贷, 温斯顿英语): the
    longest string in :data:`OWN_NAME_SHARE` of the group's titles grown from a character
    pair at least half of whose uses in all titles are in this group, unless it is an
    ordinary word (贷款); "" when there is none."""
    size = len(members)
    titles = [pl.REGION.sub(" ", prepared[i].title) for i in members]
    inside: Counter[str] = Counter()
    for i in members:
        inside.update(_title_pairs(prepared[i].title))
    seeds = [
        gram
        for gram, count in inside.items()
        if count >= OWN_NAME_SHARE * size and count >= 0.5 * counts[gram]
    ]
    if not seeds:
        return ""
    name = max(seeds, key=lambda gram: (inside[gram], -counts[gram], gram))
    while len(name) < 12:
        grown: list[tuple[int, str]] = []
        for side in ("left", "right"):
            around: Counter[str] = Counter()
            for title in titles:
                at = title.find(name)
                if at < 0:
                    continue
                char = title[at - 1 : at] if side == "left" else title[at + len(name) :][:1]
                if char and _NAME_RUN.fullmatch(char):
                    around[char] += 1
            if around:
                char, count = around.most_common(1)[0]
                if count >= OWN_NAME_SHARE * size:
                    grown.append((count, char + name if side == "left" else name + char))
        if not grown:
            break
        name = max(grown)[1]
    lead = pl.LEADING_WORDS.match(name)
    name = name[lead.end() :] if lead else name
    return "" if len(name) < 2 or pl.is_common_word(name) else name


@dataclass
class _Label:
    text: str  # the 地点/人群
    specific: bool  # a place, an own name or a group of people, not only a region
    name: str  # the place or own name as written (left out of the description)


def _label(
    members: Sequence[int], prepared: Sequence[gr.PreparedMessage], counts: Counter[str]
) -> _Label:
    size = len(members)
    cities: Counter[str] = Counter()
    districts: Counter[str] = Counter()
    for i in members:
        for region in prepared[i].regions:
            (cities if region.endswith("市") else districts)[region] += 1
    # places named by the messages, similar names together; a message votes once per place
    votes: list[tuple[str, set[int]]] = []
    for i in members:
        for core in prepared[i].places:
            for kept, voters in votes:
                if pl.core_similarity(core, kept) >= gr.SAME_PLACE:
                    voters.add(i)
                    break
            else:
                votes.append((core, {i}))
    name, kind = "", None

    def strength(vote: tuple[str, set[int]]) -> tuple[int, int]:
        core, voters = vote
        kinds = (prepared[i].place_kinds.get(core) for i in voters)
        return len(voters), max(_KIND_ORDER.get(k or "", 0) for k in kinds)

    if votes:
        core, voters = max(votes, key=strength)
        if len(voters) >= PLACE_SHARE * size:
            written: Counter[str] = Counter()
            for i in voters:
                for other, texts in prepared[i].place_texts.items():
                    if pl.core_similarity(other, core) >= gr.SAME_PLACE:
                        written.update(texts)
            name = written.most_common(1)[0][0]
            kind = next(prepared[i].place_kinds[core] for i in voters if core in prepared[i].places)
    if not name:
        name = _own_name(members, prepared, counts)
        kind = "institution" if name else None
    person = ""
    people = Counter(word for i in members for word in set(prepared[i].title_people))
    if people:
        word, count = people.most_common(1)[0]
        if count >= PEOPLE_SHARE * size and kind in (None, "institution") and word not in name:
            person = word
    prefix = cities.most_common(1)[0][0] if cities else ""
    if districts:
        district, count = districts.most_common(1)[0]
        if count >= 0.3 * size:
            prefix += district
    text = prefix + name + person
    return _Label(text or "（未识别地点）", bool(name or person), name)


# ── the whole pipeline ────────────────────────────────────────────────────────


def group_messages(
    messages: Sequence[MessageRecord],
    *,
    window_days: int = 90,
    threshold: float = gr.LINK_THRESHOLD,
    progress: Callable[[str], None] | None = None,
) -> list[list[int]]:
    """Indices of ``messages`` grouped by problem, largest groups first (every message in
    exactly one group; most groups have one message)."""
    if not messages:
        return []
    return gr.group(
        messages, window_days=window_days, threshold=threshold, progress=progress
    ).groups


def find_problems(
    messages: Sequence[MessageRecord],
    *,
    top: int | None = None,
    window_days: int = 90,
    now: datetime | None = None,
    min_messages: int = 2,
    min_users: int = 2,
    threshold: float = gr.LINK_THRESHOLD,
    heat: HeatParameters | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Problem]:
    """The hot problems among ``messages``, hottest first: the ``top`` ones, or every group of
    at least ``min_messages`` messages by at least ``min_users`` users (a problem many people
    raise, not one person's repeated posts). ``window_days`` is the longest silence inside one
    problem; ``now`` the reference time of the recency term (default: the latest message)."""
    report = progress or (lambda _: None)
    if not messages:
        return []
    grouping = gr.group(messages, window_days=window_days, threshold=threshold, progress=report)
    prepared = grouping.prepared
    report("计算热度与描述")
    times = [m.time for m in messages if m.time is not None]
    reference = now if now is not None else (max(times) if times else None)
    counts: Counter[str] = Counter()
    for item in prepared:
        counts.update(_title_pairs(item.title))
    scored: list[tuple[float, list[int], _Label]] = []
    for members in grouping.groups:
        users = {messages[i].user or f"\0{i}" for i in members}
        if len(members) < min_messages or len(users) < min_users:
            continue
        label = _label(members, prepared, counts)
        value = heat_index([messages[i] for i in members], now=reference, parameters=heat)
        scored.append((value if label.specific else value * UNSPECIFIC_FACTOR, members, label))
    scored.sort(key=lambda item: (-item[0], min(item[1])))
    problems = []
    for rank, (value, members, label) in enumerate(scored[:top] if top is not None else scored, 1):
        central = _central(members, grouping.vectors)
        description = ""
        for i in central[:5]:
            description = describe(prepared[i].title, [label.name])
            if len(description) >= 4:
                break
        dated = [t for i in members if (t := messages[i].time) is not None]
        in_order = sorted(members, key=lambda i: (messages[i].time or datetime.max, i))
        problems.append(
            Problem(
                rank=rank,
                heat=value,
                start=min(dated) if dated else None,
                end=max(dated) if dated else None,
                place=label.text,
                description=description or prepared[central[0]].title,
                message_ids=[messages[i].id for i in in_order],
            )
        )
    return problems


# ── the official tables ───────────────────────────────────────────────────────

PROBLEM_SHEET = "热点问题表"
PROBLEM_COLUMNS = ("热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述")
DETAIL_SHEET = "热点问题留言明细表"
DETAIL_COLUMNS = (
    "问题ID",
    "留言编号",
    "留言用户",
    "留言主题",
    "留言时间",
    "留言详情",
    "点赞数",
    "反对数",
)


def write_problem_tables(
    problems: Sequence[Problem], messages: Sequence[MessageRecord], path: Path
) -> None:
    """The 热点问题表 and the 热点问题留言明细表 as two sheets of one .xlsx at ``path``, in the
    official layout; a problem's 问题ID is its rank, its messages are listed in time order."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    by_id = {m.id: m for m in messages}
    workbook = Workbook()
    summary = workbook.active
    summary.title = PROBLEM_SHEET
    summary.append(PROBLEM_COLUMNS)
    for problem in problems:
        summary.append(
            [
                problem.rank,
                problem.rank,
                round(problem.heat, 2),
                problem.time_range(),
                problem.place,
                problem.description,
            ]
        )
    detail = workbook.create_sheet(DETAIL_SHEET)
    detail.append(DETAIL_COLUMNS)
    for problem in problems:
        for message_id in problem.message_ids:
            message = by_id.get(message_id)
            if message is None:
                continue
            detail.append(
                [
                    problem.rank,
                    message.id,
                    message.user,
                    message.title,
                    f"{message.time:%Y/%m/%d %H:%M:%S}" if message.time else "",
                    re.sub(r"\s+", " ", message.text).strip(),
                    message.likes,
                    message.dislikes,
                ]
            )
    widths = {summary: (10, 8, 10, 26, 30, 44), detail: (8, 12, 14, 44, 20, 90, 8, 8)}
    for sheet, columns in widths.items():
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for letter, width in zip("ABCDEFGH", columns, strict=False):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
