"""Grouping citizen messages by problem: the same issue at the same place (or for the same group
of people), within a time window. :mod:`govai.analytics.hotspots` ranks the groups.

All messages that mention 丽发新城 are not one problem (its roads, its rubbish station and the
mixing plant beside it are three), and neither are all complaints about mixing plants (each
site is its own). Two messages belong together only when **both** their issue and their place
agree, so the similarity of two messages is the similarity of their issues times a factor for
their places:

1. **Place** (:mod:`govai.analytics.places`): the named places of the title (weight 1) and of
   the first :data:`LEAD_CHARS` characters of the body (weight :data:`LEAD_WEIGHT`), the
   anonymised regions (A市, A2区) and the groups of people.
2. **Issue**: TF-IDF (sublinear term frequency, L2-normalised) of the character pairs of the
   title (counted twice) and of the body's start, **with the places, regions, dates and the
   board's boilerplate (投诉, 领导, 尊敬 …) cut out**. Character pairs need no segmentation and
   match 搅拌站 with 搅拌厂; on 附件3 they told pairs of messages about one problem from pairs
   at the same place about another, and from random pairs, a little better than jieba's words
   (AUC 0.996 vs 0.985), and the body's first 200 characters much better than the title alone
   (0.996 vs 0.84) — ``bench/hotspots_teddycup.py``.
3. **Place factor** (:class:`PlaceIndex`), multiplying the issue cosine: ``1 + w`` when the two
   name the same place (:func:`~govai.analytics.places.core_similarity` ≥ :data:`SAME_PLACE`;
   ``w`` = 1 when both titles name it, less when a body does); 1 for related places (names
   that share half their character pairs — 幸福里小区 and 幸福路 — or that other messages
   name together: a company and the road its plant is on); :data:`UNKNOWN_PLACE` when one of
   them names no place; :data:`NO_PLACE` when neither does nor shares a group of people;
   :data:`OTHER_PLACE` when both titles name places and none agree; 0 when their cities (the
   letter of A市/A5区) or their districts differ.
4. **Clustering**: average linkage of the combined similarity, cut at :data:`LINK_THRESHOLD`
   (the mean similarity between two groups must reach it). It runs inside the connected
   components of the graph of pairs at or above the threshold — an average can only reach
   the threshold if some pair does — so no all-pairs matrix is built. Pairs come from a
   sparse product of the issue vectors, a block of messages at a time against the messages
   within :data:`COMPARE_WINDOWS` time windows of them.
5. **Time window**: a group is split wherever ``window_days`` pass without a message about it,
   so a problem that returns a year later is a new problem, while one reported every few
   weeks stays one.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from govai.analytics import places as pl

__all__ = [
    "COMPARE_WINDOWS",
    "LEAD_CHARS",
    "LINK_THRESHOLD",
    "Grouping",
    "Message",
    "PlaceIndex",
    "PreparedMessage",
    "group",
    "issue_features",
    "issue_vectors",
    "prepare",
]

LEAD_CHARS = 200  # the start of a body that is read with the title
LEAD_WEIGHT = 0.7  # a place named in the body counts less than one in the title
LINK_THRESHOLD = 0.07  # mean combined similarity at which groups stop merging
SAME_PLACE = 0.8  # core similarity from which two place names name the same place
RELATED_PLACE = 0.5  # core similarity from which two names are of places next to each other
SAME_PLACE_BOOST = 2.0  # factor when both titles name the same place (less from the bodies)
UNKNOWN_PLACE = 0.75  # factor when one of two messages names no place
NO_PLACE = 0.5  # factor when neither names a place nor a common group of people
OTHER_PLACE = 0.1  # factor when both titles name places and none agree
CO_MENTIONS = 2  # messages naming two places together that make them related
COMPARE_WINDOWS = 2  # messages further apart than this many time windows are not compared
_BLOCK_ROWS = 1000  # messages whose similarities are computed at a time
_FACTOR_CHUNK = 200_000  # candidate pairs whose place factors are computed at a time
_MAX_DENSE = 4000  # larger components are first cut at a stricter threshold

# The board's boilerplate (data/hotspot_words.txt), longest first so 相关部门 goes before 相关.
_BOILERPLATE_RE = re.compile(
    "|".join(map(re.escape, sorted(pl.word_list("boilerplate"), key=lambda w: (-len(w), w))))
)
_DATES = re.compile(
    r"\d+(?:[.:：/-]\d+)+|\d+\s*(?:年|月份|月|日|号|时|点|分|秒|天|周|个月|小时|分钟|多|余)|"
    r"(?:19|20)\d\d|\d{5,}"
)
_NOT_WORD = re.compile(r"[^\u4e00-\u9fff0-9a-z]+")


class Message(Protocol):
    """What grouping reads of a message (:class:`~govai.analytics.hotspots.MessageRecord`)."""

    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def time(self) -> datetime | None: ...


# ── one message ───────────────────────────────────────────────────────────────


@dataclass
class PreparedMessage:
    """What grouping and labelling use of one message."""

    title: str  # cleaned (:func:`~govai.analytics.places.clean_text`)
    lead: str  # the cleaned start of the body
    places: dict[str, float]  # place core → weight (title 1, body LEAD_WEIGHT)
    place_texts: dict[str, Counter[str]]  # place core → the ways it was written
    place_kinds: dict[str, pl.PlaceKind]
    title_places: bool  # whether the title names a place
    regions: list[str]  # of the title, else of the lead
    people: list[str]  # groups of people of the title, else of the lead
    title_people: list[str]
    features: list[str]  # the issue's character pairs


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def issue_features(text: str) -> list[str]:
    """The character pairs of ``text`` within runs of Chinese characters, letters and digits,
    after the board's boilerplate words and dates are cut out (so 投诉, 领导 or 2019年 never
    makes two messages similar, while 58车贷 and 110kv still do)."""
    text = _DATES.sub(" ", _BOILERPLATE_RE.sub(" ", text.lower()))
    pairs: list[str] = []
    for run in _NOT_WORD.split(text):
        pairs.extend(run[i : i + 2] for i in range(len(run) - 1))
    return pairs


def prepare(message: Message) -> PreparedMessage:
    """Places, regions, people and issue features of one message."""
    title = pl.clean_text(message.title)
    lead = pl.clean_text(message.text.lstrip()[: LEAD_CHARS * 2])[:LEAD_CHARS]
    places: dict[str, float] = {}
    written: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, pl.PlaceKind] = {}
    issue_text = []
    for part, weight in ((title, 1.0), (lead, LEAD_WEIGHT)):
        mentions = pl.extract_places(part)
        for mention in mentions:
            places[mention.core] = max(places.get(mention.core, 0.0), weight)
            written[mention.core][mention.text] += 1
            kinds.setdefault(mention.core, mention.kind)
        spans = [(m.start, m.end) for m in mentions]
        spans += [m.span() for m in pl.REGION.finditer(part)]
        issue_text.append(_blank(part, spans))
    title_people = pl.extract_people(title)
    title_features = issue_features(issue_text[0])
    return PreparedMessage(
        title=title,
        lead=lead,
        places=places,
        place_texts=dict(written),
        place_kinds=kinds,
        title_places=any(weight == 1.0 for weight in places.values()),
        regions=pl.extract_regions(title) or pl.extract_regions(lead),
        people=title_people or pl.extract_people(lead),
        title_people=title_people,
        features=title_features + title_features + issue_features(issue_text[1]),
    )


def issue_vectors(prepared: Sequence[PreparedMessage]) -> csr_matrix:
    """L2-normalised TF-IDF rows of the messages' issue features (float32)."""
    if not any(p.features for p in prepared):
        return csr_matrix((len(prepared), 1), dtype=np.float32)
    from sklearn.feature_extraction.text import TfidfVectorizer  # loaded on first use

    vectorizer = TfidfVectorizer(
        analyzer=lambda features: features,  # already cut into character pairs
        sublinear_tf=True,
        norm="l2",
    )
    matrix: csr_matrix = vectorizer.fit_transform([p.features for p in prepared])
    return matrix.astype(np.float32).tocsr()


# ── places of many messages ───────────────────────────────────────────────────


def _place_relations(cores: Sequence[str]) -> tuple[csr_matrix, csr_matrix]:
    """K×K indicators of place names that name the same place (core similarity ≥
    :data:`SAME_PLACE`, the diagonal included) and of names of related places (≥
    :data:`RELATED_PLACE`). Candidates share one of the two rarest character pairs of a
    name, which any contained, near-identical or half-identical name does."""
    postings: dict[str, list[int]] = defaultdict(list)
    grams = [pl.character_pairs(core) for core in cores]
    for k, pairs in enumerate(grams):
        for gram in pairs:
            postings[gram].append(k)
    same: list[tuple[int, int]] = [(k, k) for k in range(len(cores))]
    related: list[tuple[int, int]] = []
    for k, pairs in enumerate(grams):
        rarest = sorted(pairs, key=lambda g: (len(postings[g]), g))[:2]
        for other in {o for gram in rarest for o in postings[gram] if o > k}:
            similarity = pl.core_similarity(cores[k], cores[other])
            if similarity >= SAME_PLACE:
                same += [(k, other), (other, k)]
            elif similarity >= RELATED_PLACE:
                related += [(k, other), (other, k)]
    size = len(cores)
    return _indicator(size, same, size), _indicator(size, related, size)


def _indicator(n: int, entries: Sequence[tuple[int, int]], width: int) -> csr_matrix:
    rows = np.fromiter((i for i, _ in entries), dtype=np.int64, count=len(entries))
    cols = np.fromiter((k for _, k in entries), dtype=np.int64, count=len(entries))
    data = np.ones(len(entries), dtype=np.float32)
    matrix = coo_matrix((data, (rows, cols)), shape=(n, max(width, 1))).tocsr()
    matrix.data[:] = 1.0  # repeated entries were summed
    return matrix


def _shared(a: csr_matrix, b: csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Per pair, whether row ``rows[p]`` of ``a`` and row ``cols[p]`` of ``b`` share a column."""
    return np.asarray(a[rows].multiply(b[cols]).sum(axis=1)).ravel() > 0


class PlaceIndex:
    """Places, regions and people of every message as sparse indicator matrices, so the place
    factor of millions of candidate pairs is computed with array operations (the rules are
    in the module notes, step 3)."""

    def __init__(self, prepared: Sequence[PreparedMessage]) -> None:
        n = len(prepared)
        columns: dict[str, int] = {}
        districts: dict[str, int] = {}
        people: dict[str, int] = {}
        title: list[tuple[int, int]] = []
        lead: list[tuple[int, int]] = []
        in_district: list[tuple[int, int]] = []
        in_people: list[tuple[int, int]] = []
        self.cities = np.zeros(n, dtype=np.int64)  # one bit per city letter
        for i, item in enumerate(prepared):
            for core, weight in item.places.items():
                k = columns.setdefault(core, len(columns))
                (title if weight == 1.0 else lead).append((i, k))
            for region in item.regions:
                letter = pl.region_letter(region)
                if letter:
                    self.cities[i] |= 1 << (ord(letter) - ord("A"))
                if not region.endswith("市"):
                    in_district.append((i, districts.setdefault(region, len(districts))))
            for word in set(item.people):
                in_people.append((i, people.setdefault(word, len(people))))
        same, related = _place_relations(list(columns))
        self.title = _indicator(n, title, len(columns))
        self.lead = _indicator(n, lead, len(columns))
        named = self.title + self.lead
        named.data[:] = 1.0
        counts = (named.T @ named).tocoo()  # messages naming both places
        together = (counts.row != counts.col) & (counts.data >= CO_MENTIONS)
        co_mentioned = _indicator(
            len(columns),
            list(zip(counts.row[together].tolist(), counts.col[together].tolist(), strict=True)),
            len(columns),
        )
        self.title_same = (self.title @ same).tocsr()
        self.lead_same = (self.lead @ same).tocsr()
        self.named = named
        self.named_related = (named @ (related + co_mentioned)).tocsr()
        self.districts = _indicator(n, in_district, len(districts))
        self.people = _indicator(n, in_people, len(people))
        self.has_title_place = np.array([item.title_places for item in prepared], dtype=bool)
        self.has_place = np.diff(named.indptr) > 0
        self.has_district = np.diff(self.districts.indptr) > 0

    def factors(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The place factor of each pair (``rows[p]``, ``cols[p]``)."""
        out = np.empty(len(rows), dtype=np.float64)
        for start in range(0, len(rows), _FACTOR_CHUNK):
            stop = start + _FACTOR_CHUNK
            out[start:stop] = self._factors(rows[start:stop], cols[start:stop])
        return out

    def _factors(self, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        both_titles = _shared(self.title_same, self.title, r, c)
        title_and_lead = _shared(self.title_same, self.lead, r, c) | _shared(
            self.lead_same, self.title, r, c
        )
        both_leads = _shared(self.lead_same, self.lead, r, c)
        weight = np.select(
            [both_titles, title_and_lead, both_leads], [1.0, LEAD_WEIGHT, LEAD_WEIGHT**2], 0.0
        )
        factor = np.full(len(r), UNKNOWN_PLACE)
        no_people = ~_shared(self.people, self.people, r, c)
        factor[~self.has_place[r] & ~self.has_place[c] & no_people] = NO_PLACE
        factor[self.has_title_place[r] & self.has_title_place[c]] = OTHER_PLACE
        factor[_shared(self.named_related, self.named, r, c)] = 1.0
        different_districts = (
            self.has_district[r]
            & self.has_district[c]
            & ~_shared(self.districts, self.districts, r, c)
        )
        factor[different_districts] = 0.0
        matched = weight > 0
        factor[matched] = 1.0 + weight[matched] * (SAME_PLACE_BOOST - 1.0)
        cities_r, cities_c = self.cities[r], self.cities[c]
        factor[(cities_r != 0) & (cities_c != 0) & ((cities_r & cities_c) == 0)] = 0.0
        return factor


# ── pairs, clusters, episodes ─────────────────────────────────────────────────


def _similar_pairs(
    vectors: csr_matrix,
    times: Sequence[datetime | None],
    places: PlaceIndex,
    threshold: float,
    span_days: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) of messages at most ``span_days`` apart whose combined similarity —
    issue cosine × place factor, at most 1 — is at least ``threshold``, with that similarity.

    Messages are taken in time order, a block at a time against the messages within
    ``span_days`` of the block, so the work grows with the number of messages times the
    number in a window, and only the pairs kept are held. Undated messages are compared with
    all."""
    n = vectors.shape[0]
    stamps = np.array([t.timestamp() if t is not None else np.nan for t in times])
    dated = np.flatnonzero(~np.isnan(stamps))
    undated = np.flatnonzero(np.isnan(stamps))
    order = dated[np.argsort(stamps[dated], kind="stable")]
    sorted_stamps = stamps[order]
    span = span_days * 86_400
    floor = threshold / SAME_PLACE_BOOST  # no place factor lifts a pair below this
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    sims: list[np.ndarray] = []

    def compare(block: np.ndarray, against: np.ndarray) -> None:
        product = (vectors[block] @ vectors[against].T).tocoo()
        i, j = block[product.row], against[product.col]
        keep = (product.data >= floor) & (i < j)
        both_dated = ~np.isnan(stamps[i]) & ~np.isnan(stamps[j])
        keep &= ~both_dated | (np.abs(stamps[i] - stamps[j]) <= span)
        i, j = i[keep], j[keep]
        combined = np.minimum(1.0, product.data[keep] * places.factors(i, j))
        passed = combined >= threshold
        rows.append(i[passed])
        cols.append(j[passed])
        sims.append(combined[passed])

    for start in range(0, len(order), _BLOCK_ROWS):
        last = min(start + _BLOCK_ROWS, len(order)) - 1
        low = np.searchsorted(sorted_stamps, sorted_stamps[start] - span, side="left")
        high = np.searchsorted(sorted_stamps, sorted_stamps[last] + span, side="right")
        compare(order[start : last + 1], np.concatenate([order[low:high], undated]))
    for start in range(0, len(undated), _BLOCK_ROWS):
        compare(undated[start : start + _BLOCK_ROWS], np.arange(n))
    if not rows:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(sims)


Edge = tuple[int, int, float]


def _average_linkage(members: list[int], edges: list[Edge], threshold: float) -> list[list[int]]:
    """Average-linkage clusters of ``members`` at ``threshold``; pairs not in ``edges`` count
    as similarity 0."""
    from scipy.cluster.hierarchy import fcluster, linkage

    local = {g: i for i, g in enumerate(members)}
    size = len(members)
    distance = np.ones((size, size), dtype=np.float64)
    for i, j, sim in edges:
        distance[local[i], local[j]] = distance[local[j], local[i]] = max(0.0, 1.0 - sim)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(distance[np.triu_indices(size, k=1)], method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    clusters: dict[int, list[int]] = defaultdict(list)
    for position, label in enumerate(labels):
        clusters[int(label)].append(members[position])
    return list(clusters.values())


def _cluster(n: int, edges: list[Edge], threshold: float) -> list[list[int]]:
    """Average-linkage clusters of ``n`` messages, computed per connected component of the
    graph of ``edges``."""
    clusters: list[list[int]] = []
    pending: list[tuple[list[int], list[Edge], float]] = []

    def split(members: list[int], inside: list[Edge], level: float) -> None:
        kept = [(i, j) for i, j, sim in inside if sim >= level]
        labels = np.arange(n)
        if kept:
            rows, cols = np.array(kept).T
            graph = coo_matrix((np.ones(len(kept)), (rows, cols)), shape=(n, n))
            labels = connected_components(graph, directed=False)[1]
        nodes: dict[int, list[int]] = defaultdict(list)
        for node in members:
            nodes[int(labels[node])].append(node)
        edges_of: dict[int, list[Edge]] = defaultdict(list)
        for edge in inside:
            if labels[edge[0]] == labels[edge[1]]:
                edges_of[int(labels[edge[0]])].append(edge)
        pending.extend((part, edges_of[label], level) for label, part in nodes.items())

    split(list(range(n)), edges, threshold)
    while pending:
        members, inside, level = pending.pop()
        if len(members) == 1:
            clusters.append(members)
        elif len(members) <= _MAX_DENSE:
            clusters.extend(_average_linkage(members, inside, threshold))
        else:
            # Too many for one dense matrix: cut the component at a stricter level first.
            # Average linkage might have joined some of the parts; this trades that for
            # bounded memory on very large inputs.
            split(members, inside, level + 0.02)
    return clusters


def _episodes(
    members: list[int], times: Sequence[datetime | None], window_days: int
) -> list[list[int]]:
    """``members`` split wherever more than ``window_days`` pass between two messages in time
    order; undated messages join the largest part."""
    dated = sorted((i for i in members if times[i] is not None), key=lambda i: times[i])  # type: ignore[arg-type,return-value]
    undated = [i for i in members if times[i] is None]
    if not dated:
        return [members]
    parts: list[list[int]] = [[dated[0]]]
    for previous, current in itertools.pairwise(dated):
        gap = times[current] - times[previous]  # type: ignore[operator]
        if gap.total_seconds() > window_days * 86_400:
            parts.append([])
        parts[-1].append(current)
    max(parts, key=len).extend(undated)
    return parts


@dataclass
class Grouping:
    """The groups (indices into the messages, largest first) and what was computed on the way."""

    groups: list[list[int]]
    prepared: list[PreparedMessage]
    vectors: csr_matrix
    pairs: int  # pairs of messages similar enough to be compared by the clustering


def group(
    messages: Sequence[Message],
    *,
    window_days: int = 90,
    threshold: float = LINK_THRESHOLD,
    progress: Callable[[str], None] | None = None,
) -> Grouping:
    """Group ``messages`` by problem (every message in exactly one group; most groups have
    one message)."""
    report = progress or (lambda _: None)
    n = len(messages)
    report(f"抽取地点与问题词：{n} 条留言")
    prepared = [prepare(m) for m in messages]
    vectors = issue_vectors(prepared)
    report("查找相似留言")
    times = [m.time for m in messages]
    rows, cols, sims = _similar_pairs(
        vectors, times, PlaceIndex(prepared), threshold, COMPARE_WINDOWS * window_days
    )
    report(f"聚类：{len(rows)} 对相似留言")
    edges = list(zip(rows.tolist(), cols.tolist(), sims.tolist(), strict=True))
    groups = [
        part
        for cluster in _cluster(n, edges, threshold)
        for part in _episodes(cluster, times, window_days)
    ]
    groups.sort(key=lambda g: (-len(g), min(g)))
    return Grouping(groups, prepared, vectors, len(rows))
