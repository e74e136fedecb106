"""The web console and JSON API: ``create_app(platform)``.

Routers live in :mod:`govai.web.routes`; each route declares who may call it
(:mod:`govai.web.policy`), and building the app fails if one does not.

The long-lived services are created here once per app and kept on ``app.state``, so what they
hold in memory is shared by every request: the model gateway (its sensitive-word cache), the
retriever (the loaded lexical indexes of the knowledge bases), the Q&A service built on both,
the compute slots questions and searches take turns in (:mod:`govai.concurrency`), and the
registry of background imports started from the console.

``govai serve`` runs :func:`served_app` in each of its worker processes (uvicorn's factory).
Nothing a request depends on lives only in one process's memory: the caches above are checked
against the database on every use (a knowledge base's ``index_version``, the word list's
fingerprint), sessions are rows, and an import's progress is a file (:mod:`govai.web.imports`),
so any worker can answer any request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govai.accounts.principal import SYSTEM
from govai.concurrency import ComputeSlots
from govai.gateway import ModelGateway
from govai.knowledge import service as knowledge
from govai.knowledge.retrieval import Retriever
from govai.platform import Platform
from govai.scenarios.qa import QaService
from govai.web import errors
from govai.web.auth import PRE_CSRF_COOKIE, SECURITY_HEADERS
from govai.web.imports import ImportJobs
from govai.web.policy import collect_policies
from govai.web.render import STATIC_DIR
from govai.web.routes import (
    account,
    api,
    applications,
    audit,
    auth,
    chat,
    drafting,
    home,
    insights,
    kb,
    messages,
    models,
    openai_api,
    orgs,
    services,
    users,
    words,
)

log = logging.getLogger("govai.web")
WARM_UP_QUESTION = "辞职了住房公积金怎么提取"


def create_app(platform: Platform, *, warm_up: bool = False) -> FastAPI:
    """The app over ``platform``; with ``warm_up`` it loads what searches need (see
    :func:`warm_up`) at startup, before it takes requests."""
    app = FastAPI(
        title=platform.settings.site_name,
        docs_url=None,  # Swagger UI loads from a CDN; the machines are offline
        redoc_url=None,
        openapi_url=None,
        lifespan=_lifespan,
    )
    app.state.platform = platform
    app.state.warm_up = warm_up
    app.state.gateway = ModelGateway(platform.db, platform.settings)
    app.state.retriever = Retriever(platform.db, platform.settings)
    app.state.qa = QaService(platform.db, platform.settings, app.state.retriever, app.state.gateway)
    app.state.compute = ComputeSlots()
    app.state.imports = ImportJobs(platform.settings.home_path / "imports")
    # The JSON API and /v1 first: they carry the citizens' and integrations' traffic, and a
    # request is matched against the routes in this order (no path is shared between routers).
    routers = (
        api,
        openai_api,
        auth,
        home,
        chat,
        services,
        kb,
        messages,
        applications,
        drafting,
        insights,
        orgs,
        users,
        models,
        words,
        audit,
        account,
    )
    for module in routers:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    openai_api.install_errors(app)  # /v1 answers errors in OpenAI's shape

    app.add_middleware(ResponseHeaders, cookie_secure=bool(platform.settings.cookie_secure))
    app.state.policies = collect_policies(app)
    return app


def served_app() -> FastAPI:
    """The app of one ``govai serve`` worker process: the platform from the environment and
    ``govai.toml``, warmed up before it takes requests."""
    platform = Platform.open()
    platform.require_schema()
    return create_app(platform, warm_up=True)


def warm_up(app: FastAPI) -> None:
    """Load what a search needs — every knowledge base's index, the tokenizer of the lexicon in
    force with jieba's dictionaries — so that no citizen's question waits for it; with several
    workers each process would otherwise load it on its first questions. When no embedding or
    rerank model is configured, a search sends nothing out, so one search is run to load
    whatever the search path loads on first use; otherwise only the tokenizer is built. A
    failure is logged and left to the first search, which loads what it needs as it would
    without warming."""
    retriever: Retriever = app.state.retriever
    settings = app.state.platform.settings
    try:
        with app.state.platform.db.read() as session:
            kbs = knowledge.visible_kbs(session, SYSTEM)
        for kb in kbs:
            retriever.index_for(kb)
        if kbs and not (settings.kb_embedding_provider or settings.kb_rerank_provider):
            retriever.search(kbs[0].name, WARM_UP_QUESTION, SYSTEM, top_k=1)
        else:
            retriever.query_terms(WARM_UP_QUESTION)
    except Exception:
        log.exception("warming up the knowledge bases failed; the first searches will load them")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    if app.state.warm_up:
        await anyio.to_thread.run_sync(warm_up, app)
    yield


class ResponseHeaders:
    """Adds the security headers and ``Cache-Control: no-store`` (outside /static/) to every
    response, and sets the pre-session CSRF cookie when a page handed one out.

    A plain ASGI middleware that edits only the response's start message: unlike
    ``@app.middleware("http")`` it adds no task and no body stream to each request, and a
    streamed answer passes through untouched."""

    def __init__(self, app: ASGIApp, *, cookie_secure: bool) -> None:
        self.app = app
        self.cookie_secure = cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
                token = scope.get("state", {}).get("new_pre_csrf", "")
                if token:
                    headers.append("set-cookie", self._pre_csrf_cookie(token))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _pre_csrf_cookie(self, token: str) -> str:
        carrier = Response()
        carrier.set_cookie(
            PRE_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=self.cookie_secure
        )
        return carrier.headers["set-cookie"]
