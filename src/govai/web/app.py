"""The web console and JSON API: ``create_app(platform)``.

Routers live in :mod:`govai.web.routes`; each route declares who may call it
(:mod:`govai.web.policy`), and building the app fails if one does not.

The long-lived services are created here once per app and kept on ``app.state``, so what they
hold in memory is shared by every request: the model gateway (its sensitive-word cache), the
retriever (the loaded lexical indexes of the knowledge bases), the Q&A service built on both,
and the registry of background imports started from the console.
"""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govai.gateway import ModelGateway
from govai.knowledge.retrieval import Retriever
from govai.platform import Platform
from govai.scenarios.qa import QaService
from govai.web import errors
from govai.web.auth import PRE_CSRF_COOKIE, SECURITY_HEADERS
from govai.web.policy import collect_policies
from govai.web.render import STATIC_DIR
from govai.web.routes import (
    account,
    api,
    audit,
    auth,
    chat,
    home,
    kb,
    models,
    openai_api,
    orgs,
    users,
    words,
)


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(
        title=platform.settings.site_name,
        docs_url=None,  # Swagger UI loads from a CDN; the machines are offline
        redoc_url=None,
        openapi_url=None,
    )
    app.state.platform = platform
    app.state.gateway = ModelGateway(platform.db, platform.settings)
    app.state.retriever = Retriever(platform.db, platform.settings)
    app.state.qa = QaService(platform.db, platform.settings, app.state.retriever, app.state.gateway)
    app.state.imports = kb.ImportJobs()
    # The JSON API and /v1 first: they carry the citizens' and integrations' traffic, and a
    # request is matched against the routes in this order (no path is shared between routers).
    routers = (api, openai_api, auth, home, chat, kb, orgs, users, models, words, audit, account)
    for module in routers:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    openai_api.install_errors(app)  # /v1 answers errors in OpenAI's shape

    app.add_middleware(ResponseHeaders, cookie_secure=bool(platform.settings.cookie_secure))
    app.state.policies = collect_policies(app)
    return app


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
