"""辅助文书起草 and 公文校对: the scenario that composes the drafting engines.

Drafting (:func:`draft_document`), 辅助型定位 — the machine drafts, a person edits and issues:

1. The facts (:class:`~govai.documents.doctypes.DraftFacts`: type, issuer, 事由, purpose,
   recipients, key points, dates) are checked.
2. When a knowledge base is named, its best passages for the 事由 and purpose are searched
   within the drafter's clearance (only passages covering at least ``qa_min_coverage`` of the
   query's key terms): the policies the draft may cite.
3. One model call through the gateway (masking, screening, labels, the call log): a chat model
   gets the type's prompt (:func:`~govai.documents.doctypes.system_prompt`) and writes the text,
   citing the passages as ``[n]``, each then replaced by the passage's source 〔《…》第N条〕; the
   offline ``extractive`` provider writes no prose but returns the passages' sentences with their
   sources, and the type's template (:func:`~govai.documents.doctypes.template_draft`) is filled
   with the facts and those sentences as its 依据.
4. Grounding warnings: a cited passage whose document is 已修改 (superseded by a newer version)
   or 尚未生效, and any 《…》 the facts or the text name that the knowledge base holds as 已废止
   or 已修改; structure warnings of the type (a 请示 without 妥否，请批示 …).
5. The draft is stored (:class:`DocDraft`) with its spec — the ``spec.json`` of ``govai draft``,
   which the person edits — and audited.

Exports (:func:`export_docx`) lay the spec out per GB/T 9704-2012 with both AI labels: the
explicit one in every page header, the implicit one (the model call's, with its produce id) in
``docProps/custom.xml``, exactly one per file however often it is exported.

Proofreading (:func:`proofread`) runs :mod:`govai.documents.proofread` with the platform's
sensitive-word list and the knowledge bases the person may see (references to 已废止 policies).

Who: a draft belongs to its organisation; its author and the people of that organisation may
open, edit and export it. Drafting and proofreading are for staff, reviewers and department
administrators (the three separated administrators do not write 公文 here).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from govai.accounts.principal import Principal
from govai.accounts.roles import Role
from govai.classification import Level
from govai.documents import doctypes
from govai.documents.doctypes import DraftFacts
from govai.documents.gongwen import GongwenLayout, write_gongwen
from govai.documents.gongwen_spec import DocumentSpec, spec_from_dict
from govai.errors import NotFound, PermissionDenied, ValidationError
from govai.gateway import Evidence, ModelGateway, ModelRequest
from govai.gateway.answers import cite_numbers, quoted_sentences
from govai.gateway.labels import EXPLICIT_LABEL
from govai.gateway.service import get_provider
from govai.gateway.words import load_screener
from govai.governance import audit
from govai.knowledge import service as kb_service
from govai.knowledge.models import KbDocument
from govai.knowledge.retrieval import Hit, Retriever
from govai.scenarios.drafting.models import DocDraft
from govai.scenarios.qa.checks import strip_instructions
from govai.storage.base import BEIJING, utcnow
from govai.storage.db import Database

if TYPE_CHECKING:
    from govai.documents.proofread import ProofReport

__all__ = [
    "AI_LABEL",
    "DRAFTERS",
    "Drafted",
    "draft_document",
    "export_docx",
    "get_draft",
    "list_drafts",
    "policy_lookup",
    "proofread",
    "spec_of",
    "update_spec",
]

SCENARIO = "drafting.document"
TEMPLATE = "drafting.document"
TEMPLATE_VERSION = "1"
AI_LABEL = EXPLICIT_LABEL + "本文稿由人工智能辅助起草，须经人工审核修改后方可印发"
DRAFTERS = (Role.STAFF, Role.REVIEWER, Role.DEPT_ADMIN)
KB_PASSAGES = 4
MAX_POINT_QUERIES = 5
DRAFT_MIN_COVERAGE = 0.35
"""Least share of a query's key terms a passage must cover to be offered as a draft's 依据.
Lower than 智能问答's ``qa_min_coverage``: a 事由 names an action and its object ("调整退休职工
住房公积金提取办理流程"), and the rules cover the object, not the action the draft proposes."""
EVIDENCE_CHARS = 800
MAX_DOCX = 20 * 1024 * 1024
"""Largest .docx accepted for proofreading."""

_TITLES = re.compile(r"《([^《》\n]{2,80})》")
_ATTENTION = {"已修改": "已被修订（现行文本以新版本为准）", "尚未生效": "尚未生效"}


def _require_drafter(actor: Principal) -> None:
    if actor.via in ("cli", "system") or actor.has(*DRAFTERS):
        return
    raise PermissionDenied("文书起草与校对由工作人员、审核人员和部门管理员使用，您的角色无权使用。")


def _beijing_today() -> date:
    return (utcnow() + BEIJING).date()


# -- knowledge-base grounding ---------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    hit: Hit
    text: str

    @property
    def citation(self) -> str:
        return f"{self.hit.citation}（{self.hit.status}）"


def _quotable(text: str) -> str:
    """The part of a passage a draft may quote: an FAQ pair's answer, not its question."""
    if text.startswith("问：") and "\n答：" in text:
        return text.split("\n答：", 1)[1]
    return text


def _sources(
    retriever: Retriever, kb: str, facts: DraftFacts, actor: Principal, planted: list[str]
) -> list[_Source]:
    """The passages a draft may cite, best first, at most :data:`KB_PASSAGES`, each covering at
    least :data:`DRAFT_MIN_COVERAGE` of its query's key terms.

    The 事由 and the purpose say what the draft is about; the documents their passages come
    from are its topic. A key point ("按月足额发放") is too short to carry the topic, and its
    words are everywhere ("发放" finds the 住房公积金 rules for a 失业保险金 notice), so a point
    adds passages only from the topic's documents."""

    def hits(query: str) -> list[Hit]:
        found = retriever.search(kb, query[:300], actor, top_k=KB_PASSAGES).hits
        return [h for h in found if h.coverage >= DRAFT_MIN_COVERAGE]

    best: dict[int, Hit] = {}

    def keep(hit: Hit) -> None:
        known = best.get(hit.passage_id)
        if known is None or hit.coverage > known.coverage:
            best[hit.passage_id] = hit

    for query in (facts.subject, facts.purpose):
        for hit in hits(query) if query else []:
            keep(hit)
    topic = {hit.doc_id for hit in best.values()}
    for point in facts.points[:MAX_POINT_QUERIES] if topic else ():
        for hit in hits(point):
            if hit.doc_id in topic:
                keep(hit)
    out = []
    for hit in sorted(best.values(), key=lambda h: (-h.coverage, -h.score))[:KB_PASSAGES]:
        text, removed = strip_instructions(_quotable(hit.text)[:EVIDENCE_CHARS])
        planted.extend(removed)
        if text:
            out.append(_Source(hit, text))
    return out


def policy_lookup(
    session: Session, actor: Principal, kb_names: Sequence[str] | None = None
) -> Callable[[Sequence[str]], dict[str, str]]:
    """A function from cited titles to the status of those the knowledge bases ``actor`` may see
    (all of them, or ``kb_names``) hold as 已废止 or 已修改 — the question the proofreader and
    the drafting warnings ask. A title matches with or without its issuing organ's prefix
    (《示范市住房公积金管理办法》 finds 《住房公积金管理办法》 and the reverse) only when one
    ends the other."""
    kbs = [
        kb
        for kb in kb_service.visible_kbs(session, actor)
        if kb_names is None or kb.name in kb_names
    ]
    clearance = kb_service.clearance_for(actor)
    rows = (
        session.execute(
            select(KbDocument.title, KbDocument.status).where(
                KbDocument.kb_id.in_([kb.id for kb in kbs]),
                KbDocument.status.in_(("已废止", "已修改")),
                KbDocument.level <= int(clearance),
            )
        ).all()
        if kbs
        else []
    )
    current = (
        {
            title
            for (title,) in session.execute(
                select(KbDocument.title).where(
                    KbDocument.kb_id.in_([kb.id for kb in kbs]),
                    KbDocument.status == "现行有效",
                    KbDocument.level <= int(clearance),
                )
            )
        }
        if kbs
        else set()
    )
    flagged: dict[str, str] = {}
    for title, status in rows:
        title = title.strip("《》 ")
        if title in current:
            continue  # an old version next to the current one under the same title
        if flagged.get(title) != "已废止":
            flagged[title] = status

    def lookup(titles: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for cited in titles:
            name = cited.strip("《》 ")
            for title, status in flagged.items():
                if name == title or (
                    min(len(name), len(title)) >= 4
                    and (name.endswith(title) or title.endswith(name))
                ):
                    out[cited] = status
                    break
        return out

    return lookup


def _grounding_warnings(
    sources: Sequence[_Source],
    texts: Sequence[str],
    lookup: Callable[[Sequence[str]], dict[str, str]],
) -> list[str]:
    warnings = []
    for source in sources:
        if source.hit.status in _ATTENTION:
            warnings.append(
                f"所引{source.hit.citation}在知识库中{_ATTENTION[source.hit.status]}，"
                "请核对是否应改引现行文本。"
            )
    titles = sorted({m.group(1) for text in texts for m in _TITLES.finditer(text)})
    for title, status in lookup(titles).items():
        if status == "已废止":
            warnings.append(
                f"《{title}》在知识库中为已废止，不应再作为依据引用，请删除或改引现行文件。"
            )
        else:
            warnings.append(f"《{title}》在知识库中为已修改（有新版本），请核对是否引用现行文本。")
    return list(dict.fromkeys(warnings))


# -- drafting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drafted:
    """What :func:`draft_document` produced (also stored as a :class:`DocDraft`)."""

    id: int
    title: str
    body: str
    spec: dict[str, Any]
    citations: list[dict[str, str]]
    warnings: list[str]
    provider: str
    produce_id: str
    placeholders: tuple[str, ...] = ()
    planted_instructions: list[str] = field(default_factory=list)


def _from_quotes(quoted: str, sources: Sequence[_Source]) -> tuple[list[str], list[dict[str, str]]]:
    """The extractive provider's sentences, each with its 〔source〕, as 依据 sentences."""
    pairs = quoted_sentences(quoted, [s.citation for s in sources])
    basis = [f"{sentence}〔{sources[i].citation}〕" for sentence, i in pairs]
    return basis, [_citation(sources[i], sentence) for sentence, i in pairs]


def _citation(source: _Source, quote: str) -> dict[str, str]:
    return {
        "source": source.citation,
        "quote": quote[:200],
        "ref": f"{source.hit.doc_id}#{source.hit.clause}",
        "status": source.hit.status,
    }


def _from_model(text: str, sources: Sequence[_Source]) -> tuple[str, list[dict[str, str]]]:
    """A chat model's draft with each [n] turned into the evidence's source."""
    text, cited = cite_numbers(text, [s.citation for s in sources])
    return text, [_citation(sources[n - 1], sources[n - 1].text) for n in cited]


def initial_spec(
    facts: DraftFacts, title: str, body: str, recipients: str, note: str = ""
) -> dict[str, Any]:
    """The spec of a new draft: the facts and the text, today's date, and placeholders where the
    layout needs what only staff know (the 令's signer)."""
    kind = doctypes.kind_of(facts.type)
    spec: dict[str, Any] = {
        "type": kind.type,
        "issuer": facts.issuer,
        "title": title,
        "body": body,
        "date": _beijing_today().isoformat(),
    }
    if recipients and kind.format not in ("order", "minutes"):
        spec["recipients"] = recipients
    if note:
        # GB/T 9704-2012 7.3.6: 请示应当在附注处注明联系人的姓名和电话.
        spec["note"] = note
    if kind.format == "order":
        spec["signatory"] = ["【请填写：签发人】"]
        spec["signatory_title"] = "【请填写：职务】"
    if kind.format == "minutes" and facts.attendees:
        spec["attendees"] = facts.attendees
    return spec


def draft_document(
    db: Database,
    gateway: ModelGateway,
    actor: Principal,
    facts: DraftFacts,
    *,
    retriever: Retriever | None = None,
    kb: str | None = None,
    provider: str | None = None,
) -> Drafted:
    """Draft a 公文 of ``facts.type`` for a person to review, store it and return it.

    The model call happens outside any database transaction, so a slow model holds no lock."""
    _require_drafter(actor)
    planted: list[str] = []
    sources = _sources(retriever, kb, facts, actor, planted) if retriever is not None and kb else []
    evidence = [Evidence(str(i), s.text, s.citation) for i, s in enumerate(sources, 1)]
    response = gateway.complete(
        ModelRequest(
            scenario=SCENARIO,
            messages=[
                {
                    "role": "system",
                    "content": doctypes.system_prompt(facts, evidence=bool(sources)),
                },
                {"role": "user", "content": doctypes.user_message(facts)},
            ],
            level=max([Level.INTERNAL, *(s.hit.level for s in sources)]),
            evidence=evidence,
            template=TEMPLATE,
            template_version=TEMPLATE_VERSION,
            provider=provider,
        ),
        actor,
    )
    with db.read() as session:
        kind = get_provider(session, response.provider).kind
    if kind == "extractive":
        basis, citations = _from_quotes(response.body, sources)
        draft = doctypes.template_draft(facts, basis)
        body = draft.body
    else:
        draft = doctypes.parse_model_draft(response.body, facts)
        body, citations = _from_model(draft.body, sources)
    spec = initial_spec(facts, draft.title, body, draft.recipients, draft.note)
    with db.session() as session:
        lookup = policy_lookup(session, actor)
        warnings = _grounding_warnings(
            sources,
            [body, draft.title, facts.purpose, facts.subject, *facts.points],
            lookup,
        )
        warnings += doctypes.structure_warnings(facts.type, draft.title, body)
        warnings += [f"生成内容含需人工复核的词语：{w}" for w in response.review_words]
        if planted:
            warnings.append(
                f"知识库资料中有 {len(planted)} 句疑似指令的文字，已剔除，未提供给模型。"
            )
        row = DocDraft(
            org_id=actor.org_id,
            author_id=actor.user_id,
            author=actor.username,
            doc_type=facts.type,
            title=draft.title[:300],
            facts=_facts_dict(facts),
            spec=spec,
            text=body,
            citations=citations,
            warnings=warnings,
            kb=kb or "",
            provider=response.provider,
            produce_id=response.produce_id,
            aigc=dict(response.aigc),
            updated_by=actor.username,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            "draft.create",
            actor=actor,
            object_type="doc_draft",
            object_id=row.id,
            summary=(
                f"起草{facts.type}“{draft.title[:60]}”（{response.provider}，"
                f"生成标识 {response.produce_id}，引用 {len(citations)} 处，"
                f"提示 {len(warnings)} 条）"
            ),
        )
        draft_id = row.id
    return Drafted(
        id=draft_id,
        title=draft.title,
        body=body,
        spec=spec,
        citations=citations,
        warnings=warnings,
        provider=response.provider,
        produce_id=response.produce_id,
        placeholders=draft.placeholders,
        planted_instructions=planted,
    )


def _facts_dict(facts: DraftFacts) -> dict[str, Any]:
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in facts.__dict__.items()
        if value not in ("", ())
    }


# -- stored drafts ---------------------------------------------------------------------------


def _may_open(actor: Principal, row: DocDraft) -> bool:
    if actor.via in ("cli", "system"):
        return True
    if not actor.has(*DRAFTERS):
        return False
    return row.author_id == actor.user_id or (row.org_id is not None and row.org_id == actor.org_id)


def get_draft(session: Session, actor: Principal, draft_id: int) -> DocDraft:
    row = session.get(DocDraft, draft_id)
    if row is None or not _may_open(actor, row):
        # the same answer for a draft of another organisation as for none: ids are not a way
        # to learn what others draft
        raise NotFound(f"没有编号为 {draft_id} 的文稿，或您无权查看。")
    return row


def list_drafts(session: Session, actor: Principal, limit: int = 200) -> list[DocDraft]:
    _require_drafter(actor)
    query = select(DocDraft).order_by(DocDraft.updated_at.desc(), DocDraft.id.desc())
    if actor.via not in ("cli", "system"):
        mine = DocDraft.author_id == actor.user_id
        query = query.where(mine | (DocDraft.org_id == actor.org_id) if actor.org_id else mine)
    return list(session.execute(query.limit(limit)).scalars())


def spec_of(row: DocDraft) -> DocumentSpec:
    """The stored spec, validated: a :class:`ValidationError` names what to fix."""
    return spec_from_dict(row.spec)


def update_spec(
    session: Session, actor: Principal, draft_id: int, spec: Mapping[str, Any]
) -> DocDraft:
    """Replace a draft's spec with the person's edit, if it lays out (else ValidationError and
    nothing is stored)."""
    row = get_draft(session, actor, draft_id)
    checked = spec_from_dict(spec)
    row.spec = dict(spec)
    row.title = (checked.title or row.title)[:300]
    row.updated_at = utcnow()
    row.updated_by = actor.username
    audit.record(
        session,
        "draft.edit",
        actor=actor,
        object_type="doc_draft",
        object_id=row.id,
        summary=f"修改文稿“{row.title[:60]}”",
    )
    return row


def export_docx(session: Session, actor: Principal, draft_id: int) -> tuple[bytes, GongwenLayout]:
    """The draft as a GB/T 9704-2012 .docx with both AI labels, and its page plan."""
    row = get_draft(session, actor, draft_id)
    spec = spec_of(row)
    out = io.BytesIO()
    layout = write_gongwen(spec, out, ai_label=AI_LABEL, aigc=row.aigc)
    row.exports += 1
    audit.record(
        session,
        "draft.export",
        actor=actor,
        object_type="doc_draft",
        object_id=row.id,
        summary=f"导出文稿“{row.title[:60]}”（{layout.pages} 页，生成标识 {row.produce_id}）",
    )
    return out.getvalue(), layout


# -- proofreading ----------------------------------------------------------------------------


def proofread(session: Session, actor: Principal, data: bytes, *, name: str = "") -> ProofReport:
    """Proofread a .docx with the platform's sensitive words and the knowledge bases ``actor``
    may see; the run is audited (the file name and the number of findings, not the text)."""
    from govai.documents.proofread import proofread_docx

    _require_drafter(actor)
    if len(data) > MAX_DOCX:
        raise ValidationError(
            f"文件过大（{len(data) // 1024 // 1024} MB），校对的文稿不能超过 20 MB。"
        )
    screener = load_screener(session)

    def sensitive(text: str) -> list[str]:
        found = screener.scan(text)
        return found.block + [w for w in found.review if w not in found.block]

    report = proofread_docx(data, sensitive=sensitive, policies=policy_lookup(session, actor))
    audit.record(
        session,
        "draft.proofread",
        actor=actor,
        object_type="document",
        object_id=name[:100],
        summary=f"公文校对“{name[:80]}”：{len(report.findings)} 处问题",
    )
    return report
