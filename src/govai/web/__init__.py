"""The web console (server-rendered Jinja2 pages, Simplified Chinese) and the JSON API.

Layout::

    app.py        create_app(platform): routers, static files, security headers, policy check
    auth.py       who is calling (session cookie / bearer token / anonymous) and CSRF checks
    policy.py     PUBLIC, ANY_USER, allow(*roles): every route declares who may call it
    errors.py     one JSON error shape for the API, a Chinese error page for the console
    nav.py        the navigation registry: (label, path, roles)
    render.py     templates, page context, Beijing-time filter, one-shot flash messages
    views.py      plain data for templates and JSON
    routes/       one router per area: auth, home, orgs, users, audit, account, api

Adding a page for a scenario (e.g. 敏感词 for the security administrator)::

    # src/govai/web/routes/words.py
    router = APIRouter()
    SecAdmin = Annotated[Principal, Depends(allow(Role.SEC_ADMIN))]

    @router.get("/admin/words")
    def words_page(request: Request, principal: SecAdmin) -> Response:
        return render(request, "words.html", {...})

    register_nav(NavItem("敏感词", "/admin/words", frozenset({Role.SEC_ADMIN}),
                         description="维护敏感词库"))

then add the module to the tuple in :func:`govai.web.app.create_app`, and the route's policy to
``EXPECTED`` in ``tests/web/test_route_roles.py`` (the every-route × every-role walk picks it up
by itself; give its path parameters real demo values in ``_demo_values``). State-changing forms
carry ``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">``; JSON calls from a
session send the header ``X-CSRF-Token``. A route without a policy makes ``create_app`` raise.
"""
