"""智能分办 by a chat model, end to end: the real gateway and OpenAI client against the fake
OpenAI server, a real database, the intake that schedules the calls after it commits, and the
CLI. What the model answers is scripted; what it received is read back from the server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from govai.classification import Level
from govai.cli.main import cli
from govai.gateway import ModelGateway
from govai.gateway import service as providers
from govai.gateway.models import ModelCall
from govai.governance.models import AuditEntry
from govai.platform import Platform
from govai.scenarios.messages import llm_dispatch, service
from govai.scenarios.messages.llm_dispatch import (
    NO_ANSWER,
    SCENARIO,
    Department,
    parse_answer,
    route_with_model,
)
from govai.scenarios.messages.models import ASSIGNED, QUEUED, ROUTED, Message
from govai.settings import Settings
from govai.testing.fake_openai import FakeOpenAI

from .conftest import HOUSING, OPERATOR, SCHOOLS, TRANSPORT, write_export

LABELS = [HOUSING, TRANSPORT, SCHOOLS]
DEPARTMENTS = [
    Department(HOUSING, "物业管理、电梯、老旧小区改造、违章搭建、房产证"),
    Department(TRANSPORT, "公交线路、出租车、道路与红绿灯、停车收费"),
    Department(SCHOOLS, "学位、校车、课后服务、学校与幼儿园收费"),
]
PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"  # valid GB 11643 check digit
NEW_MESSAGES = [
    ("东城区电梯坏了", f"小区电梯坏了半个月没人修，物业不管。我的电话{PHONE}。"),
    ("公交太少", f"早上公交车班次太少，等车四十分钟。身份证号{ID_NUMBER}。"),
    ("课后服务收费", "学校课后服务乱收费，每月五百元。"),
]


def answer(label: str, confidence: object = 0.9, **extra: Any) -> str:
    return json.dumps({"label": label, "confidence": confidence, **extra}, ensure_ascii=False)


def by_keyword(request: dict[str, Any]) -> str:
    """The scripted model: a department by the words of the message (order-independent)."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    if "电梯" in user:
        return answer(HOUSING, 0.92, alternatives=[{"label": TRANSPORT, "confidence": 0.05}])
    if "公交" in user:
        return "```json\n" + answer(TRANSPORT, 0.88) + "\n```"
    return answer("示范市城市管理局", 0.95)  # a department that is not in the list


@pytest.fixture
def remote(demo_platform: Platform, fake_llm: FakeOpenAI) -> str:
    """An internet chat model allowed 内部 data, served by the fake."""
    return add_remote(demo_platform, fake_llm, "remote", Level.INTERNAL)


def add_remote(
    platform: Platform, fake: FakeOpenAI, name: str, level: Level, timeout: float = 5.0
) -> str:
    with platform.db.session() as session:
        providers.add_provider(
            session,
            OPERATOR,
            providers.NewProvider(name, "openai", fake.base_url, "fake-model", "", False, timeout),
        )
        if level is not Level.PUBLIC:
            providers.set_provider_level(session, OPERATOR, name, level)
    return name


@pytest.fixture
def departments_file(tmp_path: Path) -> Path:
    path = tmp_path / "departments.csv"
    lines = ["部门,职责", *(f"{d.label},{d.duties.replace('、', '；')}" for d in DEPARTMENTS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def settings(demo_platform: Platform, remote: str, departments_file: Path) -> Settings:
    return demo_platform.settings.replace(
        dispatch_provider=remote, dispatch_departments=str(departments_file)
    )


def import_new(
    platform: Platform, settings: Settings, tmp_path: Path, rows: list[tuple[str, str]]
) -> service.ImportReport:
    path = write_export(
        tmp_path / "new.csv", [(t, x, "") for t, x in rows], label=False, first_id=7000
    )
    with platform.db.session() as session:
        return service.import_file(session, settings, OPERATOR, path, org_code="city-12345")


def stored(platform: Platform) -> dict[str, Message]:
    with platform.db.read() as session:
        return {m.external_id or "": m for m in session.execute(select(Message)).scalars()}


def dispatch_calls(platform: Platform) -> list[ModelCall]:
    with platform.db.read() as session:
        query = select(ModelCall).where(ModelCall.scenario == SCENARIO).order_by(ModelCall.id)
        return list(session.execute(query).scalars())


# ---------------------------------------------------------------- reading answers


def test_a_valid_answer_becomes_a_prediction_over_the_list() -> None:
    body = answer(
        TRANSPORT,
        0.8,
        alternatives=[
            {"label": HOUSING, "confidence": 0.3},  # more than is left: capped at 0.2
            {"label": "示范市公安局", "confidence": 0.1},  # not in the list: dropped
            SCHOOLS,  # a bare name: kept, with no confidence of its own
        ],
    )
    p = parse_answer(body, LABELS)
    assert (p.label, p.confidence) == (TRANSPORT, 0.8)
    assert [label for label, _ in p.top] == [TRANSPORT, HOUSING, SCHOOLS]
    assert p.top[1][1] == pytest.approx(0.2) and p.top[2][1] == 0.0
    assert sum(prob for _, prob in p.top) <= 1.0 + 1e-9
    assert len(parse_answer(body, LABELS, top=2).top) == 2


@pytest.mark.parametrize(
    "body",
    [
        "```json\n" + answer(SCHOOLS, 0.7) + "\n```",
        "根据留言内容判断如下：\n" + answer(SCHOOLS, 0.7) + "\n以上仅供参考。",
        '<think>可能是 {"label": "示范市交通运输局"}？不对。</think>' + answer(SCHOOLS, 0.7),
        answer("示范市 教育局", 0.7),  # spaces inside the name
        answer(SCHOOLS, "70%"),
    ],
)
def test_an_answer_is_read_whatever_surrounds_it(body: str) -> None:
    p = parse_answer(body, LABELS)
    assert (p.label, p.confidence) == (SCHOOLS, pytest.approx(0.7))


@pytest.mark.parametrize(
    "body",
    [
        answer("交通运输局", 0.99),  # a near miss is not mapped to the closest name
        answer("示范市城市管理局", 0.99),
        answer("", 0.0),  # the model says no department fits
        "承办部门：示范市交通运输局",  # no JSON
        '{"label": "示范市交通运输局", "confidence": ',  # cut off
        json.dumps({"department_guess": TRANSPORT}, ensure_ascii=False),
        "[1, 2, 3]",
    ],
)
def test_no_usable_label_is_no_answer(body: str) -> None:
    assert parse_answer(body, LABELS) == NO_ANSWER


@pytest.mark.parametrize("confidence", [1.5, -0.1, "很有把握", None, True, float("nan")])
def test_a_bad_confidence_keeps_the_suggestion_at_zero(confidence: object) -> None:
    body = json.dumps({"label": TRANSPORT, "confidence": confidence}, ensure_ascii=False)
    p = parse_answer(body, LABELS)
    assert (p.label, p.confidence) == (TRANSPORT, 0.0)


# ---------------------------------------------------------------- one call through the gateway


def test_the_model_sees_the_list_and_the_message_masked(
    demo_platform: Platform, fake_llm: FakeOpenAI, remote: str
) -> None:
    fake_llm.queue_reply(by_keyword)
    gateway = ModelGateway(demo_platform.db, demo_platform.settings)
    title, text = NEW_MESSAGES[1]
    p = route_with_model(
        gateway,
        OPERATOR,
        text=text,
        title=title,
        departments=[(d.label, d.duties) for d in DEPARTMENTS],
        provider=remote,
    )
    assert (p.label, p.confidence) == (TRANSPORT, pytest.approx(0.88))
    [request] = fake_llm.chat_requests()
    system, user = request.json["messages"]
    assert f"- {TRANSPORT}：公交线路、出租车" in system["content"]
    assert '"label"' in system["content"] and "confidence" in system["content"]
    assert user["content"].startswith("留言主题：公交太少\n留言详情：早上公交车")
    assert ID_NUMBER not in request.body_text and "〔身份证号1〕" in user["content"]
    assert request.json["temperature"] == 0.0
    [call] = dispatch_calls(demo_platform)
    assert (call.status, call.provider, call.level) == ("ok", remote, int(Level.INTERNAL))
    assert ID_NUMBER not in call.masked_input


def test_a_provider_allowed_only_public_data_is_refused(
    demo_platform: Platform, fake_llm: FakeOpenAI
) -> None:
    public = add_remote(demo_platform, fake_llm, "public-only", Level.PUBLIC)
    gateway = ModelGateway(demo_platform.db, demo_platform.settings)
    from govai.errors import ClassificationRefused

    with pytest.raises(ClassificationRefused):
        route_with_model(
            gateway, OPERATOR, text="公交太少", departments=DEPARTMENTS, provider=public
        )
    assert fake_llm.chat_requests() == []  # messages are 内部: nothing left the gateway


# ---------------------------------------------------------------- the intake


def test_new_messages_are_routed_after_the_import_commits(
    demo_platform: Platform, settings: Settings, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    fake_llm.queue_reply(by_keyword)
    fake_llm.queue_reply(by_keyword)
    fake_llm.queue_reply(by_keyword)
    report = import_new(demo_platform, settings, tmp_path, NEW_MESSAGES)
    assert (report.created, report.routed, report.queued) == (3, 0, 0)
    assert "由模型服务 remote 逐条分办" in report.warnings[0]
    [job] = llm_dispatch.wait_for_dispatch(timeout=30)
    assert (job.routed, job.queued, job.warning) == (2, 1, "")
    found = stored(demo_platform)
    elevator, bus, school = found["7000"], found["7001"], found["7002"]
    assert (elevator.dispatch_status, elevator.department) == (ROUTED, HOUSING)
    assert elevator.top == [[HOUSING, 0.92], [TRANSPORT, 0.05]]
    assert (bus.dispatch_status, bus.department) == (ROUTED, TRANSPORT)  # fenced JSON
    # a department outside the list is no answer: the human queue, nothing guessed
    assert (school.dispatch_status, school.department, school.suggestion) == (QUEUED, "", "")
    sent = " ".join(r.body_text for r in fake_llm.chat_requests())
    assert PHONE not in sent and ID_NUMBER not in sent
    assert len(dispatch_calls(demo_platform)) == 3
    with demo_platform.db.read() as session:
        summaries = [
            e.summary
            for e in session.execute(
                select(AuditEntry).where(AuditEntry.action == "dispatch.suggest")
            ).scalars()
        ]
    assert summaries == ["智能分办（模型服务 remote）3 条：自动分办 2，转人工 1"]


def test_below_the_confidence_floor_the_suggestion_waits_for_a_person(
    demo_platform: Platform, settings: Settings, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    fake_llm.queue_reply(answer(HOUSING, 0.5))
    import_new(demo_platform, settings, tmp_path, NEW_MESSAGES[:1])
    llm_dispatch.wait_for_dispatch(timeout=30)
    message = stored(demo_platform)["7000"]
    assert (message.dispatch_status, message.department) == (QUEUED, "")
    assert (message.suggestion, message.confidence) == (HOUSING, 0.5)


@pytest.mark.parametrize("failure", ["http_503", "timeout"])
def test_a_failing_provider_stops_at_once_and_queues_everything(
    demo_platform: Platform,
    settings: Settings,
    fake_llm: FakeOpenAI,
    tmp_path: Path,
    failure: str,
) -> None:
    if failure == "timeout":
        slow = add_remote(demo_platform, fake_llm, "slow", Level.INTERNAL, timeout=0.5)
        settings = settings.replace(dispatch_provider=slow)
        fake_llm.queue_reply(by_keyword, delay=2.0)
    else:
        fake_llm.queue_reply(status=503)
    report = import_new(demo_platform, settings, tmp_path, NEW_MESSAGES)
    assert report.created == 3
    [job] = llm_dispatch.wait_for_dispatch(timeout=30)
    assert (job.routed, job.queued) == (0, 3)
    assert "余下 3 条留言未由模型分办，已转人工分办" in job.warning
    assert ("秒内没有响应" if failure == "timeout" else "HTTP 503") in job.warning
    assert len(fake_llm.chat_requests()) == 1  # one failure, not one per message
    found = stored(demo_platform)
    assert len(found) == 3  # nothing lost
    assert {(m.dispatch_status, m.department) for m in found.values()} == {(QUEUED, "")}
    [call] = dispatch_calls(demo_platform)
    assert call.status == ("timeout" if failure == "timeout" else "bad_response")


def test_a_blocked_message_goes_to_a_person_and_the_others_go_on(
    demo_platform: Platform, settings: Settings, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    rows = [("有人办假证", "路口有人发小广告办假证，请管一管。"), NEW_MESSAGES[0]]
    fake_llm.queue_reply(by_keyword)
    import_new(demo_platform, settings, tmp_path, rows)
    [job] = llm_dispatch.wait_for_dispatch(timeout=30)
    assert (job.routed, job.queued, job.warning) == (1, 1, "")
    found = stored(demo_platform)
    assert found["7000"].dispatch_status == QUEUED and found["7001"].department == HOUSING
    assert len(fake_llm.chat_requests()) == 1  # the blocked one never left the gateway
    assert [c.status for c in dispatch_calls(demo_platform)] == ["blocked_input", "ok"]


def test_a_provider_that_may_not_see_messages_is_reported_at_import(
    demo_platform: Platform, settings: Settings, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    public = add_remote(demo_platform, fake_llm, "public-only", Level.PUBLIC)
    report = import_new(
        demo_platform, settings.replace(dispatch_provider=public), tmp_path, NEW_MESSAGES[:2]
    )
    assert (report.routed, report.queued) == (0, 2)
    assert "govai model level public-only 内部" in report.warnings[0]
    assert llm_dispatch.wait_for_dispatch(timeout=30) == []  # nothing scheduled
    assert fake_llm.chat_requests() == []
    assert {m.dispatch_status for m in stored(demo_platform).values()} == {QUEUED}


def test_a_disabled_provider_is_reported_at_import_not_per_message(
    demo_platform: Platform, settings: Settings, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    with demo_platform.db.session() as session:
        providers.set_provider_enabled(session, OPERATOR, str(settings.dispatch_provider), False)
    report = import_new(demo_platform, settings, tmp_path, NEW_MESSAGES[:2])
    assert (report.routed, report.queued) == (0, 2)
    assert "已停用" in report.warnings[0] and "govai model enable remote" in report.warnings[0]
    assert llm_dispatch.wait_for_dispatch(timeout=30) == []  # nothing scheduled
    assert fake_llm.chat_requests() == [] and dispatch_calls(demo_platform) == []


@pytest.mark.parametrize(
    ("provider", "expected"), [("qwen", "没有名为 'qwen' 的模型服务"), ("extractive", "只摘录")]
)
def test_an_unknown_or_extractive_provider_queues_with_the_fix(
    demo_platform: Platform, settings: Settings, tmp_path: Path, provider: str, expected: str
) -> None:
    report = import_new(
        demo_platform, settings.replace(dispatch_provider=provider), tmp_path, NEW_MESSAGES[:1]
    )
    assert report.queued == 1 and expected in report.warnings[0]
    assert "dispatch_provider" in report.warnings[0]


def test_without_a_department_list_nothing_is_sent(
    demo_platform: Platform, settings: Settings, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    report = import_new(
        demo_platform, settings.replace(dispatch_departments=""), tmp_path, NEW_MESSAGES[:1]
    )
    assert report.queued == 1 and "dispatch_departments" in report.warnings[0]
    assert fake_llm.chat_requests() == []


def test_a_message_a_person_routed_first_is_left_alone(
    demo_platform: Platform, settings: Settings, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    plain = settings.replace(dispatch_provider="")  # saved undispatched
    import_new(demo_platform, plain, tmp_path, NEW_MESSAGES[:2])
    found = stored(demo_platform)
    with demo_platform.db.session() as session:
        service.assign(session, OPERATOR, found["7000"].id, SCHOOLS)
    fake_llm.queue_reply(by_keyword)
    job = llm_dispatch.dispatch_pending(
        demo_platform.db, settings, OPERATOR, [m.id for m in found.values()], "default"
    )
    assert (job.routed, job.queued, job.skipped) == (1, 0, 1)
    after = stored(demo_platform)
    assert (after["7000"].dispatch_status, after["7000"].department) == (ASSIGNED, SCHOOLS)
    assert after["7001"].department == TRANSPORT
    assert len(fake_llm.chat_requests()) == 1


def test_the_department_file_must_name_its_departments(tmp_path: Path) -> None:
    from govai.errors import ValidationError

    path = tmp_path / "d.csv"
    path.write_text("名称,说明\n甲,乙\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="没有“部门”列"):
        llm_dispatch.read_departments(path)
    path.write_text("部门,职责\n示范市教育局,学校\n示范市教育局,幼儿园\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"第 3 行.*重复"):
        llm_dispatch.read_departments(path)


# ---------------------------------------------------------------- the CLI


@pytest.fixture
def run(demo_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOVAI_HOME", demo_platform.settings.home)
    monkeypatch.setenv("GOVAI_DATABASE_URL", demo_platform.settings.database)
    return CliRunner()


def predict_args(data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "dispatch",
        "predict",
        "--data",
        str(data),
        "--text-col",
        "留言详情",
        "--title-col",
        "留言主题",
        "--output",
        str(out),
        *extra,
    ]


def test_predict_with_a_provider_writes_the_same_jsonl(
    run: CliRunner,
    fake_llm: FakeOpenAI,
    remote: str,
    departments_file: Path,
    tmp_path: Path,
) -> None:
    data = write_export(tmp_path / "in.csv", [(t, x, "") for t, x in NEW_MESSAGES], label=False)
    for _ in NEW_MESSAGES:
        fake_llm.queue_reply(by_keyword)
    out = tmp_path / "out.jsonl"
    args = ["--provider", remote, "--departments", str(departments_file), "--top", "2"]
    result = run.invoke(cli, predict_args(data, out, *args))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"label": HOUSING, "confidence": 0.92, "top": [[HOUSING, 0.92], [TRANSPORT, 0.05]]},
        {"label": TRANSPORT, "confidence": 0.88, "top": [[TRANSPORT, 0.88]]},
        {"label": "", "confidence": 0.0, "top": []},
    ]
    assert "1 条模型未给出列表内的部门" in result.output
    assert PHONE not in " ".join(r.body_text for r in fake_llm.chat_requests())


def test_predict_keeps_one_line_per_row_when_the_provider_fails(
    run: CliRunner,
    fake_llm: FakeOpenAI,
    remote: str,
    departments_file: Path,
    tmp_path: Path,
) -> None:
    data = write_export(tmp_path / "in.csv", [(t, x, "") for t, x in NEW_MESSAGES], label=False)
    fake_llm.queue_reply(by_keyword)
    fake_llm.queue_reply(status=500)
    out = tmp_path / "out.jsonl"
    args = ["--provider", remote, "--departments", str(departments_file)]
    result = run.invoke(cli, predict_args(data, out, *args))
    assert result.exit_code == 2
    assert "余下 2 条未预测" in result.output.replace("\n", "")
    labels = [json.loads(line)["label"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert labels == [HOUSING, "", ""]
    assert len(fake_llm.chat_requests()) == 2


def test_predict_refuses_a_provider_below_the_messages_level(
    run: CliRunner, demo_platform: Platform, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    add_remote(demo_platform, fake_llm, "public-only", Level.PUBLIC)
    data = write_export(tmp_path / "in.csv", [("公交", "公交太少", "")], label=False)
    out = tmp_path / "out.jsonl"
    result = run.invoke(cli, predict_args(data, out, "--provider", "public-only"))
    assert result.exit_code == 1 and "govai model level public-only 内部" in result.output
    assert not out.exists() and fake_llm.chat_requests() == []
    neither = run.invoke(cli, predict_args(data, out))
    assert neither.exit_code == 1 and "--model" in neither.output


def test_import_with_a_provider_waits_and_reports_the_routing(
    run: CliRunner,
    demo_platform: Platform,
    fake_llm: FakeOpenAI,
    remote: str,
    departments_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOVAI_DISPATCH_PROVIDER", remote)
    monkeypatch.setenv("GOVAI_DISPATCH_DEPARTMENTS", str(departments_file))
    data = write_export(tmp_path / "in.csv", [(t, x, "") for t, x in NEW_MESSAGES], label=False)
    for _ in NEW_MESSAGES:
        fake_llm.queue_reply(by_keyword)
    result = run.invoke(cli, ["messages", "import", str(data), "--org", "city-12345", "--json"])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)["files"]
    assert (report["created"], report["routed"], report["queued"]) == (3, 2, 1)
