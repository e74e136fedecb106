"""`govai serve`: every worker process builds its app from the environment and loads the
knowledge bases' indexes before it takes a request."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner
from starlette.testclient import TestClient

from govai.accounts.principal import SYSTEM
from govai.cli.main import cli
from govai.knowledge import service
from govai.platform import Platform
from govai.web.app import served_app


@pytest.fixture
def environment(demo_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Platform:
    monkeypatch.setenv("GOVAI_HOME", str(demo_platform.settings.home))
    monkeypatch.setenv("GOVAI_DATABASE_URL", demo_platform.settings.database)
    return demo_platform


def test_serve_starts_the_requested_number_of_workers(
    environment: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    result = CliRunner().invoke(cli, ["serve", "--port", "8123", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "2 个工作进程" in result.output
    [(app, options)] = calls
    assert app == "govai.web.app:served_app" and options["factory"] is True
    assert options["workers"] == 2 and options["port"] == 8123

    refused = CliRunner().invoke(cli, ["serve", "--workers", "0"])
    assert refused.exit_code != 0 and not calls[1:]


def test_a_worker_loads_every_index_before_its_first_request(environment: Platform) -> None:
    with environment.db.read() as session:
        kbs = service.visible_kbs(session, SYSTEM)
    indexes = environment.settings.home_path / "indexes"
    assert kbs and not any((indexes / f"kb-{kb.id}").exists() for kb in kbs)

    app = served_app()
    assert app.state.platform.settings.home == environment.settings.home
    with TestClient(app, base_url="http://127.0.0.1", cookies={"govai_csrf": "t" * 32}) as client:
        # loaded (and saved for the other workers) at startup, before any search
        assert all((indexes / f"kb-{kb.id}").is_dir() for kb in kbs)
        answer = client.post(
            "/api/ask",
            json={"kb": "policy", "question": "辞职了公积金能取出来吗"},
            headers={"X-CSRF-Token": "t" * 32},
        )
        assert answer.status_code == 200
    app.state.platform.close()
