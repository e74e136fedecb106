"""舆情简报: the weekly or monthly briefing leaders read, as data for the console page and as a
.docx file.

A week is the 7 days ending on the chosen day, a month the 30 days ending on it; each figure is
compared with the window just before. Everything in a briefing is computed from the messages
the reader may see (personal data redacted as for them): volumes per day and per department,
the hot problems of the window (:mod:`govai.analytics.hotspots`), the alerts raised in it,
sentiment per day, and one representative message per hot problem. The summary sentences are
machine-written, so the page and the file carry the explicit AI label, the file also the
implicit AIGC label, and each briefing made is an audit entry with its ProduceID.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.analytics.hotspots import Problem, find_problems
from govai.errors import ValidationError
from govai.gateway.labels import EXPLICIT_LABEL, implicit_label, new_produce_id
from govai.governance import audit
from govai.scenarios.messages.alerts import KINDS, local_day, today
from govai.scenarios.messages.models import Alert, Message
from govai.scenarios.messages.problems import records_of, visible_messages
from govai.scenarios.messages.service import scope_of
from govai.settings import Settings

Period = Literal["week", "month"]
SPAN = {"week": 7, "month": 30}
PERIOD_LABEL = {"week": "周报", "month": "月报"}
SENTIMENT_LABEL = {"negative": "负面", "neutral": "中性", "positive": "正面", "": "未分析"}


@dataclass
class Briefing:
    period: Period
    start: date
    end: date
    total: int
    previous_total: int
    daily: list[tuple[date, int]]
    by_department: list[tuple[str, int, int]]  # name, this window, previous window
    sentiment: dict[str, int]
    negative_daily: list[tuple[date, float]]
    problems: list[Problem]
    alerts: list[Alert]
    samples: list[dict[str, object]]
    produce_id: str = ""
    aigc: dict[str, object] = field(default_factory=dict)

    @property
    def title(self) -> str:
        span = f"{self.start:%Y年%m月%d日}—{self.end:%m月%d日}"
        return f"群众留言舆情{PERIOD_LABEL[self.period]}（{span}）"

    @property
    def change(self) -> float | None:
        if not self.previous_total:
            return None
        return (self.total - self.previous_total) / self.previous_total

    def summary(self) -> list[str]:
        """The machine-written sentences of the briefing (without the label)."""
        lines = []
        change = self.change
        trend = (
            "上一周期无留言可比"
            if change is None
            else f"比上一周期{'增加' if change >= 0 else '减少'} {abs(change):.0%}"
        )
        lines.append(f"本期共收到群众留言 {self.total} 条，{trend}。")
        if self.by_department:
            top = "、".join(f"{d}（{n} 条）" for d, n, _ in self.by_department[:3])
            lines.append(f"留言最多的承办部门是{top}。")
        rising = [(d, n, p) for d, n, p in self.by_department if p and n >= 5 and n >= 1.5 * p]
        if rising:
            d, n, p = rising[0]
            lines.append(f"{d}的留言由上期 {p} 条增至 {n} 条，增幅明显。")
        if self.problems:
            hottest = self.problems[0]
            lines.append(
                f"热度最高的问题是{hottest.place}：{hottest.description}"
                f"（{len(hottest.message_ids)} 条留言）。"
            )
        negative = self.sentiment.get("negative", 0)
        if self.total:
            lines.append(f"负面情绪留言 {negative} 条，占 {negative / self.total:.0%}。")
        open_alerts = [a for a in self.alerts if a.status == "open"]
        if self.alerts:
            lines.append(
                f"本期产生风险预警 {len(self.alerts)} 条，其中 {len(open_alerts)} 条待确认。"
            )
        return lines


def window(period: Period, end: date) -> tuple[date, date]:
    if period not in SPAN:
        raise ValidationError(f"简报周期只能是 week（周报）或 month（月报），不是“{period}”。")
    return end - timedelta(days=SPAN[period] - 1), end


def build(
    session: Session,
    settings: Settings,
    actor: Principal,
    *,
    period: Period = "week",
    end: date | None = None,
) -> Briefing:
    end = end or today()
    start, end = window(period, end)
    span = SPAN[period]
    previous_start = start - timedelta(days=span)
    everything = [
        m
        for m in visible_messages(session, actor)
        if m.received_at is not None
        and previous_start <= (local_day(m.received_at) or start) <= end
    ]
    current = [m for m in everything if (local_day(m.received_at) or start) >= start]
    previous = [m for m in everything if (local_day(m.received_at) or start) < start]

    per_day = Counter(local_day(m.received_at) for m in current)
    days = [start + timedelta(days=i) for i in range(span)]
    daily = [(d, per_day.get(d, 0)) for d in days]
    negative_by_day = Counter(
        local_day(m.received_at) for m in current if m.sentiment == "negative"
    )
    negative_daily = [
        (d, negative_by_day.get(d, 0) / per_day[d] if per_day.get(d) else 0.0) for d in days
    ]

    def department(m: Message) -> str:
        return m.department or m.suggestion or "未分办"

    now_dept = Counter(department(m) for m in current)
    before_dept = Counter(department(m) for m in previous)
    by_department = [(d, n, before_dept.get(d, 0)) for d, n in now_dept.most_common()]

    records = records_of(session, actor, current)
    problems = (
        find_problems(records, top=5, window_days=int(settings.hotspot_window_days))
        if current
        else []
    )
    by_id = {str(r.id): r for r in records}
    by_message = {str(m.id): m for m in current}
    samples = []
    for p in problems:
        members = [by_message[i] for i in p.message_ids if i in by_message]
        if not members:
            continue
        best = max(members, key=lambda m: (m.likes, -m.id))
        record = by_id[str(best.id)]
        samples.append(
            {
                "problem": p.rank,
                "id": best.id,
                "title": record.title,
                "excerpt": record.text[:120],
                "likes": best.likes,
                "department": department(best),
            }
        )

    stmt = select(Alert).where(Alert.period_start >= start, Alert.period_start <= end)
    condition = scope_of(session, actor).where(Alert.org_id, Alert.department)
    if condition is not None:
        stmt = stmt.where(condition)
    alerts = list(session.execute(stmt.order_by(Alert.p_value, Alert.id)).scalars())

    briefing = Briefing(
        period=period,
        start=start,
        end=end,
        total=len(current),
        previous_total=len(previous),
        daily=daily,
        by_department=by_department,
        sentiment=dict(Counter(m.sentiment or "" for m in current)),
        negative_daily=negative_daily,
        problems=problems,
        alerts=alerts,
        samples=samples,
    )
    briefing.produce_id = new_produce_id()
    briefing.aigc = implicit_label(settings, briefing.produce_id)  # type: ignore[assignment]
    audit.record(
        session,
        "briefing.generate",
        actor=actor,
        object_type="briefing",
        object_id=briefing.produce_id,
        summary=f"生成{briefing.title}：{briefing.total} 条留言",
    )
    return briefing


def to_docx(briefing: Briefing, issuer: str = "") -> bytes:
    """The briefing as a .docx: explicit label first, implicit label in the custom properties."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    from govai.documents.aigc import set_docx_label
    from govai.documents.charts import bar_chart

    def font(target: Any, latin: str, east_asia: str) -> None:
        target.font.name = latin  # creates w:rFonts, which takes the East Asian font too
        target.element.rPr.rFonts.set(qn("w:eastAsia"), east_asia)

    document = docx.Document()
    style = document.styles["Normal"]
    font(style, "FangSong", "仿宋_GB2312")
    style.font.size = Pt(14)

    def heading(text: str) -> None:
        run = document.add_paragraph().add_run(text)
        run.bold = True
        run.font.size = Pt(16)
        font(run, "SimHei", "黑体")

    label = document.add_paragraph()
    label_run = label.add_run(
        EXPLICIT_LABEL + " 本简报由人工智能辅助生成，须经人工审核后方可印发。"
    )
    label_run.font.color.rgb = RGBColor(0xC4, 0x2B, 0x1C)
    label_run.font.size = Pt(10.5)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_run = title.add_run(briefing.title)
    title_run.font.size = Pt(22)
    title_run.bold = True
    font(title_run, "SimSun", "方正小标宋简体")
    if issuer:
        sub = document.add_paragraph(issuer)
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    heading("一、总体情况")
    for line in briefing.summary():
        document.add_paragraph(line)
    document.add_picture(io.BytesIO(bar_chart([n for _, n in briefing.daily])), width=Cm(15.6))
    caption = document.add_paragraph("图1 每日留言量（左起依次为表1所列日期）")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("日期", "留言数", "负面占比"), strict=True):
        cell.text = text
    for (day, count), (_, share) in zip(briefing.daily, briefing.negative_daily, strict=True):
        cells = table.add_row().cells
        cells[0].text = f"{day:%m月%d日}"
        cells[1].text = str(count)
        cells[2].text = f"{share:.0%}" if count else "—"
    document.add_paragraph("表1 每日留言量与负面情绪占比")

    heading("二、各部门留言")
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("承办部门", "本期", "上期"), strict=True):
        cell.text = text
    for name, now, before in briefing.by_department:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = name, str(now), str(before)

    heading("三、热点问题")
    if not briefing.problems:
        document.add_paragraph("本期未发现集中反映的热点问题。")
    else:
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, ("排名", "热度", "时间范围", "地点/人群", "问题描述"), strict=True
        ):
            cell.text = text
        for p in briefing.problems:
            cells = table.add_row().cells
            cells[0].text = str(p.rank)
            cells[1].text = f"{p.heat:.1f}"
            cells[2].text = p.time_range()
            cells[3].text = p.place
            cells[4].text = f"{p.description}（{len(p.message_ids)} 条）"

    heading("四、风险预警")
    if not briefing.alerts:
        document.add_paragraph("本期未产生风险预警。")
    for a in briefing.alerts:
        document.add_paragraph(f"【{KINDS.get(a.kind, a.kind)}】{a.summary}{a.suggestion}")

    heading("五、情感倾向")
    total = max(briefing.total, 1)
    document.add_paragraph(
        "；".join(
            f"{SENTIMENT_LABEL.get(k, k)} {v} 条（{v / total:.0%}）"
            for k, v in sorted(briefing.sentiment.items(), key=lambda kv: -kv[1])
        )
        or "本期无留言。"
    )

    heading("六、代表性留言")
    if not briefing.samples:
        document.add_paragraph("无。")
    for s in briefing.samples:
        document.add_paragraph(
            f"（问题{s['problem']}）{s['title']}：{s['excerpt']}"
            f"（点赞 {s['likes']}，{s['department']}）"
        )

    set_docx_label(document, briefing.aigc)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def write_docx(briefing: Briefing, path: Path, issuer: str = "") -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(to_docx(briefing, issuer))
    tmp.replace(path)
