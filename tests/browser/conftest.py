"""The real console under uvicorn in a background thread, driven by headless Chromium.

Playwright uses the Debian ``chromium`` package; no browser is ever downloaded. Without
/usr/bin/chromium the browser tests are skipped with the reason — except under ``CI=true``,
where a missing browser fails the run instead of silently testing less.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from govai.platform import Platform
from govai.settings import Settings
from govai.testing.fixtures import TEST_DB_ENV, _drop_schema, _postgres_schema_url

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(platform: Platform) -> Iterator[str]:
    """Serve ``platform``'s console with uvicorn on a free 127.0.0.1 port; yields the base URL.

    A context manager rather than a fixture so a test module can serve a platform it built at
    module scope (the messages demo trains a model: built once, not once per test)."""
    import uvicorn

    from govai.web.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(platform),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="govai-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start the console within 15 s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def module_platform(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Platform]:
    """A migrated platform of its own for a test module that builds costly demo content once:
    on SQLite, or on a fresh schema of ``GOVAI_TEST_DATABASE_URL`` like the ``platform``
    fixture; closed (and the schema dropped) at the end."""
    values: dict[str, Any] = {"home": str(tmp_path_factory.mktemp(name) / "home")}
    base, schema = os.environ.get(TEST_DB_ENV, ""), ""
    if base:
        values["database_url"], schema = _postgres_schema_url(base)
    plat = Platform.open(Settings.load({}).replace(**values))
    try:
        plat.db.migrate()
        yield plat
    finally:
        plat.close()
        if schema:
            _drop_schema(base, schema)


@pytest.fixture
def live_server(demo_platform: Platform) -> Iterator[str]:
    """Base URL of the app over the demo platform (without the demo messages)."""
    with serve(demo_platform) as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install the Debian package `chromium` to run browser tests"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " (CI=true: browser tests may not be skipped)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: str) -> Iterator[Any]:
    context = chromium.new_context(base_url=live_server, locale="zh-CN")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    errors: list[str] = []

    def on_console(msg: Any) -> None:
        # HTTP error statuses (a refused login is 401) are expected; CSP refusals are not
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    pg.on("console", on_console)
    yield pg
    context.close()
    assert not errors, f"browser console errors (CSP violations?): {errors}"
