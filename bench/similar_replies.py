"""Similar past replies (govai.analytics.similar) on the 2,816 real message/reply pairs of the
2020 Teddy Cup problem C (附件4): does the nearest past message lead to a reply from the same
kind of body, and how fast is a search?

Design
------
* Leave-one-out: every message is searched against the other 2,815 (the message itself and any
  message with the very same text — a citizen posting twice — are excluded).
* Label, rough and derived from the reply text only: the responding body's sector. The named
  bodies of a reply (…局, …委员会, …中心, …大队, …派出所, …街道, …镇政府 …) are read in order,
  and the first one whose name falls in a sector of :data:`SECTORS` (教育, 公安交警, 人社 …)
  gives the label. Replies that name no such body ("我局" alone) are left out, both as queries
  and from the agreement count. The label is the same for two replies from two districts'
  education bureaus — that is the point: the same kind of problem, answered by the same kind
  of body.
* Agreement: the share of labelled messages whose nearest labelled past message carries the same
  label. Peers: a random other labelled message (fixed seed), and always the most common label.
* Speed: queries per second (top 3) over all 2,816 messages in one thread, end to end from the
  title and text, for the default query and for shorter and longer ones, in interleaved rounds
  (the best round of each); the index alone (tokens already made); build, save and load.

Usage: ``python bench/similar_replies.py [--no-write] [--data FOLDER]``.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SHARED_DATA, Report, percentile
from reply_quality import data_folder, load_pairs

from govai.analytics.similar import QUERY_CHARS, PastReply, SimilarReplies
from govai.knowledge.text import get_tokenizer

SECTION = "similar_replies"
ROUNDS = 3

SECTORS: dict[str, tuple[str, ...]] = {
    "教育": ("教育", "教体", "学校", "学院"),
    "公安交警": ("公安", "派出所", "交警", "交通警察", "车管"),
    "人社": ("人社", "人力资源", "社会保障", "社保", "劳动", "就业", "医保", "医疗保障"),
    "住建房产": ("住建", "住房和城乡建设", "住房城乡建设", "建设局", "房产", "房管", "住房保障"),
    "公积金": ("公积金",),
    "规划国土": ("规划", "国土", "自然资源", "不动产"),
    "交通运输": ("交通运输", "交通局", "公交", "运管", "公路", "客运", "地铁", "轨道"),
    "城管": ("城管", "城市管理", "行政执法", "环卫", "市政"),
    "生态环境": ("环保", "环境保护", "生态环境"),
    "卫生健康": ("卫生", "卫健", "卫计", "计生", "计划生育", "疾控", "医院"),
    "民政": ("民政", "残联", "福利"),
    "市场监管": ("市场监督", "市场监管", "工商", "质监", "质量技术", "食品药品", "食药", "物价"),
    "发改": ("发改", "发展和改革", "发展改革"),
    "水电气": ("水务", "供水", "自来水", "电力", "供电", "燃气"),
    "农林水": ("农业", "农委", "林业", "畜牧", "水利", "农村"),
    "乡镇街道": (
        "街道",
        "镇政府",
        "镇党委",
        "镇人民政府",
        "乡政府",
        "乡党委",
        "乡人民政府",
        "社区",
    ),
}
_BODY = re.compile(
    r"[\u4e00-\u9fff]{0,10}?(?:局|委员会|管委会|委|中心|大队|支队|派出所|管理处|办公室|办事处"
    r"|街道|镇政府|镇党委|镇人民政府|乡政府|乡党委|乡人民政府|社区|公司|学校|学院|医院)"
)


def sector(reply: str) -> str | None:
    """The sector of the first named body of ``reply`` that has one (see the module notes)."""
    for match in _BODY.finditer(reply):
        name = match.group()
        for label, cues in SECTORS.items():
            if any(cue in name for cue in cues):
                return label
    return None


def run(args: argparse.Namespace) -> None:
    pairs = load_pairs(data_folder(Path(args.data)))
    records = [PastReply(p.id, p.title, p.text, p.reply) for p in pairs]
    tokenizer = get_tokenizer()
    started = time.perf_counter()
    index = SimilarReplies.build(records, tokenizer=tokenizer)
    build_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index.save(Path(tmp) / "similar")
        save_seconds = time.perf_counter() - started
        started = time.perf_counter()
        loaded = SimilarReplies.load(Path(tmp) / "similar", tokenizer=tokenizer)
        load_seconds = time.perf_counter() - started
    assert len(loaded) == len(index)

    labels = {r.id: sector(r.reply) for r in records}
    labelled = [r for r in records if labels[r.id]]
    same_text: defaultdict[str, set[str]] = defaultdict(set)
    for r in records:
        same_text[r.message].add(r.id)

    def nearest(record: PastReply, chars: int | None) -> str | None:
        tokens = loaded.query_tokens(record.title, record.text, chars=chars)
        skip = same_text[record.message]
        for hit in loaded.search_tokens(tokens, 20, exclude=skip):
            if labels[hit.record.id]:
                return labels[hit.record.id]
        return None

    def queries_per_second(chars: int | None) -> float:
        started = time.perf_counter()
        for r in records:
            loaded.search_tokens(loaded.query_tokens(r.title, r.text, chars=chars), 3)
        return len(records) / (time.perf_counter() - started)

    variants: list[int | None] = [QUERY_CHARS, 0, 60, 240, None]
    for r in records[:50]:  # warm-up
        loaded.search(r.title, r.text, 3)
    speed: dict[int | None, float] = {}
    for _ in range(ROUNDS):  # rounds interleave the variants; the best round of each counts
        for chars in variants:
            speed[chars] = max(speed.get(chars, 0.0), queries_per_second(chars))

    rows: list[list[object]] = []
    for chars in variants:
        if chars == QUERY_CHARS:
            name = f"govai (default): title + first {chars} chars"
        elif chars == 0:
            name = "title only"
        else:
            name = "title + whole text" if chars is None else f"title + first {chars} chars"
        found = [nearest(r, chars) for r in labelled]
        agree = sum(f == labels[r.id] for f, r in zip(found, labelled, strict=True))
        rows.append([name, len(labelled), agree / len(labelled), speed[chars]])
    rng = random.Random(2816)
    agree = 0
    for r in labelled:
        other = rng.choice(labelled)
        while other.id == r.id:
            other = rng.choice(labelled)
        agree += labels[other.id] == labels[r.id]
    rows.append(["random other message", len(labelled), agree / len(labelled), None])
    counts = Counter(labels[r.id] for r in labelled)
    top, top_count = counts.most_common(1)[0]
    rows.append([f"always the most common ({top})", len(labelled), top_count / len(labelled), None])
    nearest_scores = sorted(
        hits[0].score
        for r in records
        if (hits := loaded.search(r.title, r.text, 1, exclude=same_text[r.message]))
    )
    tokens = [loaded.query_tokens(r.title, r.text) for r in records]
    index_only = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for t in tokens:
            loaded.search_tokens(t, 3)
        index_only = max(index_only, len(records) / (time.perf_counter() - started))

    report = Report(SECTION, "Similar past replies (bench/similar_replies.py)", packages=("numpy",))
    report.note(
        f"Leave-one-out over the {len(records):,} pairs of 附件4: how often the nearest past "
        "message (itself and identical texts excluded) was answered by the same sector of body, "
        f"as named in the reply text ({len(labelled):,} replies name one; "
        f"{len(counts)} sectors). The label is rough: see the script's notes."
    )
    report.table(["query", "messages", "same sector as nearest", "queries/s end to end"], rows)
    report.table(
        ["measure", "value"],
        [
            ["queries/s, index only (default query's tokens made)", index_only],
            [
                "score of the nearest past message, p10 / p50 / p90",
                " / ".join(f"{percentile(nearest_scores, q):.2f}" for q in (10, 50, 90)),
            ],
            ["build (tokenise + index), s", build_seconds],
            ["save, s", save_seconds],
            ["load, s", load_seconds],
        ],
    )
    report.note(
        f"Queries/s: one thread on the shared 2-core machine, all {len(records):,} messages per "
        f"round, the best of {ROUNDS} interleaved rounds. Tokenising is most of a query's cost, "
        "which is why the query takes the title and the opening of the text, not all of it."
    )
    print(report.markdown())
    if not args.no_write:
        report.write()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--data", default=str(SHARED_DATA), help="folder with teddycup2020c/")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
