"""Written notices for an application, in 公文 layout (GB/T 9704-2012) as .docx.

《中华人民共和国行政许可法》 asks for written, dated notices at each step: acceptance or
non-acceptance (第三十二条第二款: 加盖专用印章和注明日期的书面凭证), everything to correct at once
(第三十二条第一款第四项, 一次性告知), and the decision (第三十八条: a refusal states its reasons and
the right to administrative review or a lawsuit). The platform drafts them from the application
and its pre-check report; a person of the item's department reads the draft and issues it
(辅助型定位).

Kinds (:data:`NOTICE_KINDS`, keyed by a stable English code), each with its title for a
行政许可 item / for any other item, and the status it needs:

- ``acceptance``: 受理通知书 — accepted (审查中, or decided after acceptance);
- ``non_acceptance``: 不予受理通知书 — not_accepted;
- ``correction``: 补正材料通知书 — needs_correction;
- ``approval``: 准予行政许可决定书 / 准予办理通知书 — approved;
- ``refusal``: 不予行政许可决定书 / 不予办理通知书 — denied.

Items that are not 行政许可 (公共服务, 行政给付 …) are not licences, so "准予行政许可" would
misname the act: their decision is a 准予办理/不予办理 notice, which still carries the reasons,
the basis and (for a refusal) the right of review — a refused benefit is an administrative act
open to review just the same.

The layout: 文种 通知 (决定 for the two licence decisions), 文件格式 with the department's full
name as the 发文机关标志 (GB/T 9704-2012 §7.2.4 allows the full name without 文件), the notice's
title, the applicant as 主送, the body, the department as 署名 with a seal, the 成文日期 in
Arabic numerals, and a 附注 telling how to track the application.

发文字号 (:func:`doc_number_prefix`): 机关代字 + 事项代字 + 文书代字 + 〔year〕 + sequence, e.g.
``示人社许受〔2026〕12号``. The 机关代字 is the first character of the region (示范市 → 示, 东城区 →
东) and the department's customary short name (人力资源和社会保障局 → 人社, a table below;
else its first two characters); 许 marks a 行政许可 item and 办 any other; the 文书代字 is
受/不受/补/准/不准.
The sequence runs per prefix and calendar year (the year of the 成文日期 when drafted) and is
the highest number already given under that prefix, drafts included, plus one; a re-draft keeps
its number, so numbers are not skipped. On SQLite the transaction's write lock serialises two
drafts; on PostgreSQL two simultaneous drafts for the same department and kind could take the
same number — a person checks the number when issuing.

Labels: a draft is machine-written, so it carries the explicit label in every page header and the
implicit AIGC label (produced by this platform, no model call) in ``docProps/custom.xml``
(《人工智能生成合成内容标识办法》, GB 45438-2025). :func:`issue_notice` renders the file again
without them once a person has approved it; the audit trail keeps the draft and the issue with
the person's name (the labelling rules ask for records where a file leaves unlabelled).
The issued file is rendered again from the application; if the application changed since the
draft so that the text would differ, issuing is refused and the notice must be drafted again —
what is issued is what the person read.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.etree import ElementTree

from docx.oxml.ns import qn
from sqlalchemy import select
from sqlalchemy.orm import Session

from govai.accounts.models import Organization
from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.approval.items import ServiceItem
from govai.approval.precheck import BASIS_CORRECTION, BASIS_REFUSAL
from govai.documents.gongwen import write_gongwen
from govai.documents.gongwen_spec import DocumentSpec, Issuer, format_date
from govai.errors import Conflict, NotFound, ValidationError
from govai.gateway.labels import EXPLICIT_LABEL, implicit_label, new_produce_id
from govai.governance import audit
from govai.scenarios.approval import catalog
from govai.scenarios.approval.applications import (
    application_to_handle,
    beijing_today,
    get_application,
    may_see_personal,
)
from govai.scenarios.approval.models import (
    APPROVED,
    DENIED,
    NEEDS_CORRECTION,
    NOT_ACCEPTED,
    STATUS_LABELS,
    UNDER_REVIEW,
    Application,
    Notice,
)
from govai.settings import Settings
from govai.storage.base import BEIJING, utcnow

__all__ = [
    "AI_LABEL",
    "DRAFT",
    "ISSUED",
    "NOTICE_KINDS",
    "NoticeKind",
    "doc_number_prefix",
    "draft_notice",
    "get_notice",
    "issue_notice",
    "kinds_for",
    "list_notices",
    "notice_title",
]

DRAFT = "draft"
ISSUED = "issued"
AI_LABEL = EXPLICIT_LABEL + "本文书草稿由平台自动生成，须经工作人员审核签发后方可送达"

# 行政许可法 articles the notices name (texts checked against the 2019 amended law).
BASIS_ACCEPTANCE = "《中华人民共和国行政许可法》第三十二条第一款第五项"
BASIS_NON_ACCEPTANCE = "《中华人民共和国行政许可法》第三十二条第二款"
BASIS_APPROVAL = "《中华人民共和国行政许可法》第三十八条第一款"
BASIS_LICENCE_DAYS = "《中华人民共和国行政许可法》第四十二条"
# 行政复议法 (2023 revision) 第二十条: 60 days; 行政诉讼法 第四十六条: six months.
REVIEW_DAYS = 60
LAWSUIT_MONTHS = 6


@dataclass(frozen=True)
class NoticeKind:
    """One kind of notice: its titles, the 文书代字 of its number and the statuses it fits."""

    code: str
    title: str
    licence_title: str
    mark: str
    statuses: tuple[str, ...]
    refusal: bool = False


NOTICE_KINDS: dict[str, NoticeKind] = {
    k.code: k
    for k in (
        NoticeKind(
            "acceptance", "受理通知书", "受理通知书", "受", (UNDER_REVIEW, APPROVED, DENIED)
        ),
        NoticeKind(
            "non_acceptance", "不予受理通知书", "不予受理通知书", "不受", (NOT_ACCEPTED,), True
        ),
        NoticeKind("correction", "补正材料通知书", "补正材料通知书", "补", (NEEDS_CORRECTION,)),
        NoticeKind("approval", "准予办理通知书", "准予行政许可决定书", "准", (APPROVED,)),
        NoticeKind("refusal", "不予办理通知书", "不予行政许可决定书", "不准", (DENIED,), True),
    )
}

# Customary short names of departments, longest first (示范市人力资源和社会保障局 → 人社).
_SHORT_NAMES: tuple[tuple[str, str], ...] = (
    ("人力资源和社会保障", "人社"),
    ("住房公积金管理中心", "公积金"),
    ("住房和城乡建设", "住建"),
    ("政务服务和数据管理", "数据"),
    ("市场监督管理", "市监"),
    ("卫生健康", "卫健"),
    ("生态环境", "环"),
    ("交通运输", "交"),
    ("自然资源", "自然资源"),
    ("农业农村", "农"),
    ("民政", "民"),
    ("公安", "公"),
    ("教育", "教"),
    ("商务", "商"),
    ("财政", "财"),
    ("司法", "司"),
    ("文化和旅游", "文旅"),
    ("应急管理", "应急"),
    ("医疗保障", "医保"),
    ("税务", "税"),
)
_REGION_RE = re.compile(r"^(.+?(?:省|自治区|市|自治州|州|盟|区|县|旗))")
_SUFFIXES = ("委员会", "管理局", "局", "委", "办公室", "办", "厅", "中心")


def kinds_for(application: Application) -> list[str]:
    """The notice kinds that fit the application's status now."""
    return [
        code
        for code, kind in NOTICE_KINDS.items()
        if application.status in kind.statuses
        and (code != "acceptance" or application.accepted_on is not None)
    ]


def notice_title(kind: str, item: ServiceItem) -> str:
    spec = _kind(kind)
    return spec.licence_title if item.is_licence else spec.title


def doc_number_prefix(department: str, kind: str, licence: bool) -> str:
    """``示人社许受``: region, department, 许/办, kind (module notes)."""
    name = department.strip()
    region = ""
    m = _REGION_RE.match(name)
    if m and len(m[1]) < len(name):
        region = m[1][0]
        name = name[len(m[1]) :]
    short = next((s for long, s in _SHORT_NAMES if long in name), "")
    if not short:
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
        short = name[:2]
    return f"{region}{short}{'许' if licence else '办'}{_kind(kind).mark}"


def _kind(kind: str) -> NoticeKind:
    try:
        return NOTICE_KINDS[kind]
    except KeyError:
        valid = "、".join(f"{k}（{v.title}）" for k, v in NOTICE_KINDS.items())
        raise ValidationError(
            f"没有“{kind}”这种文书，可选：{valid}", field="kind", choices=list(NOTICE_KINDS)
        ) from None


def _next_number(session: Session, prefix: str, year: int) -> str:
    head = f"{prefix}〔{year}〕"
    taken = session.execute(
        select(Notice.doc_number).where(Notice.doc_number.like(head + "%"))
    ).scalars()
    highest = 0
    for number in taken:
        tail = number[len(head) :].removesuffix("号")
        if tail.isdigit():
            highest = max(highest, int(tail))
    return f"{head}{highest + 1}号"


# ---------------------------------------------------------------- the text


def _day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value + BEIJING).date()
    return format_date(value)


def _unique(items: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for item in items:
        for part in str(item).split("；"):
            if part.strip():
                out.setdefault(part.strip(), None)
    return list(out)


def _basis_text(bases: Sequence[str]) -> str:
    return "、".join(bases)


def _review_body(session: Session, row: Application) -> str:
    """The people's government that hears a review of a department's act: the department's
    own level of government (行政复议法 2023 第二十四条第一款第一项), named from the
    organisation tree, else described generically."""
    org = session.get(Organization, row.item.org_id) if row.item.org_id is not None else None
    parent = org.parent if org is not None else None
    if parent is not None and parent.kind in ("province", "city", "county"):
        return f"{parent.name}人民政府"
    return "本机关的本级人民政府"


def _right_of_review(session: Session, row: Application, what: str) -> str:
    return (
        f"如不服本{what}，可以自收到本{what}之日起{REVIEW_DAYS}日内向"
        f"{_review_body(session, row)}申请行政复议（《中华人民共和国行政复议法》第二十条），"
        f"或者自收到本{what}之日起{LAWSUIT_MONTHS}个月内向有管辖权的人民法院提起行政诉讼"
        "（《中华人民共和国行政诉讼法》第四十六条）。"
    )


def _refusal_reasons(row: Application) -> tuple[list[str], list[str]]:
    """The person's reason first, then the pre-check's unfixable failures it rests on."""
    report: Mapping[str, Any] = row.precheck or {}
    reasons: list[str] = []
    bases: list[str] = []
    if row.decision_reason.strip():
        reasons.append(row.decision_reason.strip())
    if row.precheck_outcome == "denied":
        for unmet in report.get("unmet_conditions", []):
            if not unmet.get("fixable", True):
                reason = str(unmet.get("reason", "")).strip()
                if reason and reason not in reasons:
                    reasons.append(reason)
                bases.append(str(unmet.get("basis", "")))
    return reasons, _unique(bases)


def _numbered(lines: Sequence[str]) -> list[str]:
    return [f"{i}. {line.rstrip('。；;')}。" for i, line in enumerate(lines, start=1)]


def _body(session: Session, row: Application, kind: str, item: ServiceItem) -> list[str]:
    """The body paragraphs of ``kind`` for ``row`` (one per line of the spec's body)."""
    report: Mapping[str, Any] = row.precheck or {}
    opening = f"你于{_day(row.submitted_at)}提交的{item.name}申请（申请编号：{row.number}）收悉。"
    item_basis = list(item.legal_basis)
    act = "行政许可" if item.is_licence else "办理"
    paras: list[str] = []
    if kind == "acceptance":
        bases = ([BASIS_ACCEPTANCE] if item.is_licence else []) + item_basis
        paras.append(
            opening + "经审查，申请事项属于本机关职权范围，申请材料齐全、符合法定形式，"
            f"本机关于{_day(row.accepted_on)}决定予以受理。"
        )
        if row.due_on is not None:
            limit = f"{row.limit_days}个工作日" if row.limit_days else "法定期限"
            text = (
                f"本机关将自受理之日起{limit}内（即{_day(row.due_on)}前）作出决定"
                + (f"（{BASIS_LICENCE_DAYS}）" if item.is_licence else "")
                + "。"
            )
            if item.is_licence:
                text += (
                    "依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间不计算在"
                    "上述期限内，本机关将书面告知（《中华人民共和国行政许可法》第四十五条）。"
                )
            paras.append(text)
        if bases:
            paras.append(f"受理依据：{_basis_text(_unique(bases))}。")
    elif kind == "correction":
        missing = list(report.get("missing_materials", []))
        unmet = [u for u in report.get("unmet_conditions", []) if u.get("fixable", True)]
        if not missing and not unmet:
            raise Conflict(f"申请 {row.number} 的预审报告没有需要补正的内容，无法起草补正通知。")
        basis = BASIS_CORRECTION if item.is_licence else ""
        paras.append(
            opening
            + "经审查，申请材料不齐全或者不符合法定形式"
            + (f"，根据{basis}" if basis else "")
            + "，现一次性告知需要补正的全部内容如下："
        )
        heading = 0
        numerals = "一二三四"
        if missing:
            paras.append(f"{numerals[heading]}、需要补正的材料")
            heading += 1
            paras += _numbered([_item_line(m, "name") for m in missing])
        if unmet:
            paras.append(f"{numerals[heading]}、需要补正或者说明的事项")
            heading += 1
            paras += _numbered([_item_line(u, "title") for u in unmet])
        paras.append(
            "请于收到本通知后补正上述全部材料和事项。补正后，可以凭申请编号和查询码在网上提交，"
            "或者携带材料到办理窗口提交；本机关收到全部补正材料后将重新审查。"
        )
        bases = _unique(str(b) for b in report.get("legal_basis", []))
        if bases:
            paras.append(f"依据：{_basis_text(bases)}。")
    elif kind == "approval":
        bases = item_basis + ([BASIS_APPROVAL] if item.is_licence else [])
        paras.append(
            opening + f"本机关于{_day(row.accepted_on)}受理。经审查，你的申请符合法定条件"
            f"，决定准予{act}。"
        )
        if row.decision_reason.strip():
            paras.append(f"审查意见：{row.decision_reason.strip().rstrip('。')}。")
        if bases:
            paras.append(f"依据：{_basis_text(_unique(bases))}。")
    else:  # non_acceptance, refusal
        reasons, bases = _refusal_reasons(row)
        if not reasons:
            raise Conflict(
                f"申请 {row.number} 没有记录不予批准的理由，无法起草{_kind(kind).title}。"
            )
        if kind == "non_acceptance":
            what = "通知书"
            decision = "本机关决定不予受理"
            extra = [BASIS_NON_ACCEPTANCE] if item.is_licence else []
        else:
            what = "决定书" if item.is_licence else "通知书"
            decision = f"本机关决定不予{act}"
            extra = [BASIS_REFUSAL] if item.is_licence else []
        paras.append(opening + f"经审查，你的申请不符合法定条件，{decision}。理由如下：")
        paras += _numbered(reasons)
        all_bases = _unique([*bases, *extra] or item_basis)
        if all_bases:
            paras.append(f"依据：{_basis_text(all_bases)}。")
        paras.append(_right_of_review(session, row, what))
    return paras


def _item_line(entry: Mapping[str, Any], name_key: str) -> str:
    name = str(entry.get(name_key, "")).strip()
    reason = str(entry.get("reason", "")).strip().rstrip("。")
    text = reason if name and name in reason else f"{name}：{reason}" if reason else name
    basis = str(entry.get("basis", "")).strip()
    return text + (f"（依据：{basis}）" if basis else "")


def _spec(
    session: Session, row: Application, kind: str, doc_number: str, day: date
) -> DocumentSpec:
    item = catalog.service_item(row.item)
    licence_decision = item.is_licence and kind in ("approval", "refusal")
    applicant = str(row.applicant.get("name") or row.applicant.get("姓名") or "申请人").strip()
    department = row.item.department
    return DocumentSpec(
        type="决定" if licence_decision else "通知",
        issuer=Issuer(department, department),
        title=notice_title(kind, item),
        body="\n".join(_body(session, row, kind, item)),
        doc_number=doc_number,
        recipients=applicant,
        date=day,
        note=(
            f"申请编号：{row.number}。可以凭申请编号和受理回执上的查询码在网上查询办理进度"
            + (f"，咨询电话：{item.phone}" if item.phone else "")
            + "。"
        ),
    )


def _render(spec: DocumentSpec, settings: Settings | None) -> bytes:
    """The .docx of ``spec``: with both AI labels when ``settings`` (the producer) is given."""
    out = io.BytesIO()
    if settings is not None:
        label = implicit_label(settings, new_produce_id())
        write_gongwen(spec, out, ai_label=AI_LABEL, aigc=label)
    else:
        write_gongwen(spec, out)
    return out.getvalue()


_TEXT_STYLES = frozenset({"GwBody", "GwHeading1", "GwHeading2", "GwHeading3", "GwHeading4"})


def _body_text(data: bytes) -> list[str]:
    """The body and heading paragraphs of a notice file: what a person read in the draft."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = ElementTree.fromstring(z.read("word/document.xml"))
    out = []
    for p in root.iter(qn("w:p")):
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is not None and style.get(qn("w:val")) in _TEXT_STYLES:
            out.append("".join(t.text or "" for t in p.iter(qn("w:t"))))
    return out


# ---------------------------------------------------------------- the service


def _check_fits(row: Application, kind: str) -> None:
    spec = _kind(kind)
    if kind not in kinds_for(row):
        fitting = "、".join(NOTICE_KINDS[k].title for k in kinds_for(row)) or "无"
        raise Conflict(
            f"申请 {row.number} 当前为“{STATUS_LABELS.get(row.status, row.status)}”，"
            f"不能出具{spec.title}；当前可出具：{fitting}。",
            kind=kind,
            status=row.status,
        )


def draft_notice(
    session: Session,
    actor: Principal,
    application_id: int,
    kind: str,
    *,
    settings: Settings,
    today: date | None = None,
) -> Notice:
    """Draft the ``kind`` notice of an application (AI-labelled, status draft), replacing an
    earlier draft of the same kind; ``settings`` names the content producer of the AIGC label."""
    _kind(kind)
    row = application_to_handle(
        session, actor, application_id, Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN
    )
    _check_fits(row, kind)
    day = today or beijing_today()
    item = catalog.service_item(row.item)
    notice = session.execute(
        select(Notice).where(
            Notice.application_id == row.id, Notice.kind == kind, Notice.status == DRAFT
        )
    ).scalar_one_or_none()
    prefix = doc_number_prefix(row.item.department, kind, item.is_licence)
    number = (
        notice.doc_number
        if notice is not None and notice.doc_number.startswith(f"{prefix}〔{day.year}〕")
        else _next_number(session, prefix, day.year)
    )
    data = _render(_spec(session, row, kind, number, day), settings)
    replaced = notice is not None
    if notice is None:
        notice = Notice(application_id=row.id, kind=kind, status=DRAFT, data=data)
        session.add(notice)
    notice.doc_number = number
    notice.data = data
    notice.created_at = utcnow()
    notice.created_by = actor.username
    session.flush()
    audit.record(
        session,
        "notice.draft",
        actor=actor,
        object_type="notice",
        object_id=notice.id,
        summary=(
            f"{'重新' if replaced else ''}起草{notice_title(kind, item)} {number}"
            f"（申请 {row.number}，带人工智能生成标识）"
        ),
    )
    return notice


def issue_notice(
    session: Session, actor: Principal, notice_id: int, *, today: date | None = None
) -> Notice:
    """A person of the item's department approves a draft: the file is rendered again without
    the AI labels, dated the day of issue, and the notice is issued."""
    notice = get_notice(session, actor, notice_id)
    row = application_to_handle(
        session, actor, notice.application_id, Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN
    )
    if notice.status != DRAFT:
        raise Conflict(f"文书 {notice.doc_number} 已于{_day(notice.issued_at)}签发，不能重复签发。")
    if notice.kind not in kinds_for(row):
        raise Conflict(
            f"申请 {row.number} 起草后状态已变为“{STATUS_LABELS.get(row.status, row.status)}”，"
            f"此{NOTICE_KINDS[notice.kind].title}不再适用，请重新起草。"
        )
    day = today or beijing_today()
    data = _render(_spec(session, row, notice.kind, notice.doc_number, day), None)
    if _body_text(data) != _body_text(notice.data):
        raise Conflict(
            f"申请 {row.number} 在起草后有变化，文书内容与草稿不同，请重新起草后再签发。"
        )
    notice.data = data
    notice.status = ISSUED
    notice.issued_by = actor.username
    notice.issued_at = utcnow()
    audit.record(
        session,
        "notice.issue",
        actor=actor,
        object_type="notice",
        object_id=notice.id,
        summary=(
            f"审核签发{NOTICE_KINDS[notice.kind].title} {notice.doc_number}"
            f"（申请 {row.number}，已去除人工智能生成标识）"
        ),
    )
    return notice


def get_notice(session: Session, actor: Principal, notice_id: int) -> Notice:
    """A notice of an application ``actor`` may see."""
    notice = session.get(Notice, notice_id)
    if notice is not None:
        # the notice names the applicant: only the item's department (not the starred view of
        # the system administrator) sees it
        row = session.get(Application, notice.application_id)
        if row is None or not may_see_personal(session, actor, row):
            notice = None
    if notice is None:
        raise NotFound(f"没有编号为 {notice_id} 的文书，或您无权查看。")
    return notice


def list_notices(session: Session, actor: Principal, application_id: int) -> list[Notice]:
    """The notices of an application, oldest first."""
    row = get_application(session, actor, application_id)
    return list(
        session.execute(
            select(Notice).where(Notice.application_id == row.id).order_by(Notice.id)
        ).scalars()
    )
