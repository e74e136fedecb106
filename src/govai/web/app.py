"""The web console and JSON API: ``create_app(platform)``.

Routers live in :mod:`govai.web.routes`; each route declares who may call it
(:mod:`govai.web.policy`), and building the app fails if one does not.

The long-lived services are created here once per app and kept on ``app.state``, so what they
hold in memory is shared by every request: the model gateway (its sensitive-word cache), the
retriever (the loaded lexical indexes of the knowledge bases), the Q&A service built on both,
and the registry of background imports started from the console.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from govai.gateway import ModelGateway
from govai.knowledge.retrieval import Retriever
from govai.platform import Platform
from govai.scenarios.qa import QaService
from govai.web import errors
from govai.web.auth import PRE_CSRF_COOKIE, add_security_headers
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
    routers = (auth, home, chat, kb, orgs, users, models, words, audit, account, api, openai_api)
    for module in routers:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    openai_api.install_errors(app)  # /v1 answers errors in OpenAI's shape

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = add_security_headers(await call_next(request))
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        new_token = getattr(request.state, "new_pre_csrf", "")
        if new_token:
            response.set_cookie(
                PRE_CSRF_COOKIE,
                new_token,
                httponly=True,
                samesite="strict",
                secure=bool(platform.settings.cookie_secure),
                path="/",
            )
        return response

    app.state.policies = collect_policies(app)
    return app
