"""Console imports under ``govai serve --workers N``: the upload reaches one worker process, the
page's polls may reach any other, and one import runs per knowledge base across all of them.
Two apps over one platform stand for two workers (same ``GOVAI_HOME``, same database)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

import pytest

from govai.platform import Platform
from govai.web import imports
from govai.web.app import create_app
from govai.web.imports import ImportJob

from .conftest import BASE_URL, ConsoleClient, login
from .kb_content import UPLOAD_KB, load_kb_content
from .test_kb_pages import upload, wait_for_job

RULE = "# 就业登记办法\n\n第一条 劳动者可以在户籍地或者常住地办理就业登记。\n".encode()
Worker = Callable[[str], ConsoleClient]


@pytest.fixture
def workers(demo_platform: Platform) -> Iterator[tuple[Worker, Worker]]:
    """Two apps over the same platform, each giving logged-in clients."""
    load_kb_content(demo_platform)
    opened: list[ConsoleClient] = []

    def worker() -> Worker:
        app = create_app(demo_platform)

        def client(username: str) -> ConsoleClient:
            tc = ConsoleClient(app, base_url=BASE_URL)
            tc.__enter__()
            opened.append(tc)
            tc.csrf = login(tc, username)
            return tc

        return client

    yield worker(), worker()
    for tc in opened:
        tc.__exit__(None, None, None)


@pytest.fixture
def held_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Imports wait for the returned event before they start."""
    release = threading.Event()
    real = imports.import_uploads

    def held(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(30), "test never released the import"
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "import_uploads", held)
    yield release
    release.set()


def test_any_worker_answers_the_poll_and_only_one_import_runs_per_base(
    workers: tuple[Worker, Worker], held_imports: threading.Event
) -> None:
    first, second = workers
    staff_a, staff_b = first("staff"), second("staff")
    job_id = upload(staff_a, UPLOAD_KB, [("employment.md", RULE)])

    running = staff_b.get(
        f"/kb/{UPLOAD_KB}/import/{job_id}", headers={"Accept": "application/json"}
    )
    assert running.status_code == 200 and running.json()["state"] == "running"

    # the other worker refuses a second import into the same base while this one runs
    refused = staff_b.post(
        f"/kb/{UPLOAD_KB}/import",
        data={"csrf_token": staff_b.csrf},
        files=[("files", ("other.md", "# 乙\n\n第一条 乙。".encode()))],
    )
    assert refused.status_code == 409
    assert "正在导入文件" in refused.text and "staff" in refused.text

    held_imports.set()
    job = wait_for_job(staff_b, UPLOAD_KB, job_id)
    assert job["state"] == "done", job
    assert job["report"]["files"][0]["file"] == "employment.md"
    page = staff_b.get(f"/kb/{UPLOAD_KB}", params={"job": job_id}).text
    assert "导入完成：1 篇文件" in page and "就业登记办法" in page

    # once it is over, either worker takes the next one
    again = upload(staff_b, UPLOAD_KB, [("again.md", "# 丙\n\n第一条 丙。".encode())])
    assert wait_for_job(staff_a, UPLOAD_KB, again)["state"] == "done"


def test_a_job_whose_worker_died_is_reported_as_interrupted(
    workers: tuple[Worker, Worker], demo_platform: Platform
) -> None:
    """A state file that says running while no process holds the base's lock: the worker that
    ran it was restarted or crashed. The page says so instead of polling forever."""
    first, _ = workers
    staff = first("staff")
    left = ImportJob("deadworker0001", UPLOAD_KB, "staff", ["big.jsonl"], stage="写入", total=9)
    folder = demo_platform.settings.home_path / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{left.id}.json").write_text(
        json.dumps(asdict(left), ensure_ascii=False), encoding="utf-8"
    )
    job = staff.get(
        f"/kb/{UPLOAD_KB}/import/{left.id}", headers={"Accept": "application/json"}
    ).json()
    assert job["state"] == "failed" and "导入中断" in job["error"]
    # and a new import into that base is not blocked by it
    fresh = upload(staff, UPLOAD_KB, [("employment.md", RULE)])
    assert wait_for_job(staff, UPLOAD_KB, fresh)["state"] == "done"


@pytest.mark.parametrize("job_id", ["..%2F..%2Fgovai", "a" * 65, "x"])
def test_a_malformed_job_id_is_not_found(workers: tuple[Worker, Worker], job_id: str) -> None:
    staff = workers[0]("staff")
    response = staff.get(f"/kb/{UPLOAD_KB}/import/{job_id}", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
