"""/chat: 市民咨询, the citizen's question page (no login needed).

The page lists the knowledge bases the visitor may use — an anonymous citizen sees the public
ones, a signed-in member of staff also those of their organisation's line — and its script
(``static/chat.js``, no framework, nothing from a CDN) posts each question with the earlier
questions of the conversation to ``POST /api/ask``. What comes back is shown as the service made
it: the explicit AI label, the answer, each citation with its validity status and quote, and for
a refusal the hand-off to a person (12345). The page's CSRF token (the pre-session double-submit
token for a citizen, the session's for staff) travels in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from govai.concurrency import ComputeSlots
from govai.knowledge import service
from govai.scenarios.qa import QaService
from govai.web.auth import platform_of
from govai.web.policy import Anyone
from govai.web.render import render

router = APIRouter()


def qa_of(request: Request) -> QaService:
    """The app's one Q&A service (its retriever keeps the loaded indexes between requests)."""
    qa: QaService = request.app.state.qa
    return qa


def compute_of(request: Request) -> ComputeSlots:
    """The app's compute slots: questions and searches run in one (see :mod:`govai.concurrency`)."""
    slots: ComputeSlots = request.app.state.compute
    return slots


@router.get("/chat")
def chat_page(request: Request, principal: Anyone, kb: str = "") -> Response:
    settings = platform_of(request).settings
    with platform_of(request).db.read() as session:
        kbs = [
            {"name": k.name, "title": k.title, "description": k.description, "public": k.public}
            for k in service.visible_kbs(session, principal)
        ]
    names = [k["name"] for k in kbs]
    public = [k["name"] for k in kbs if k["public"]]
    chosen = kb if kb in names else (public or names or [""])[0]
    context: dict[str, Any] = {
        "kbs": kbs,
        "chosen": chosen,
        "handoff": settings.qa_handoff_text,
    }
    return render(request, "chat.html", context)
