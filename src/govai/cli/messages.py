"""govai messages / dispatch / hotspots: citizen messages, 智能分办 and 热点发现.

``dispatch predict`` writes one JSON object per input row, in order: ``{"label", "confidence",
"top": [[label, p], …]}``; ``hotspots --json`` prints ``{"problems": [{"rank", "heat",
"time_range", "place", "description", "message_ids"}]}``. Both are documented, stable contracts.
The scenario modules are imported inside the commands: they load scikit-learn, which every other
command can do without.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from govai.classification import LEVEL_LABELS
from govai.cli.common import console, err_console, open_platform, operator, print_json
from govai.storage.base import beijing

if TYPE_CHECKING:
    from govai.analytics.classifier import Prediction
    from govai.platform import Platform
    from govai.scenarios.messages.service import ImportReport


def _say(hidden: bool) -> object:
    def progress(text: str) -> None:
        if not hidden:
            err_console.print(f"[dim]{text}[/dim]")

    return progress


# ---------------------------------------------------------------- messages


@click.group()
def messages() -> None:
    """群众留言与热线工单：导入、查看。"""


@messages.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--org", "org_code", required=True, help="接收留言的机构编码（见 `govai org list`）。"
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="字段=列名",
    help="列映射，可重复；字段：id user title time text likes dislikes reply reply_time label。"
    "默认按常见导出的列名识别（留言编号、留言用户、留言主题、留言时间、留言详情、点赞数、反对数、"
    "答复意见、答复时间）。",
)
@click.option("--model", default=None, help="分办模型（默认为配置项 dispatch_model）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出导入报告。")
def messages_import(
    files: tuple[Path, ...],
    org_code: str,
    mapping: tuple[str, ...],
    model: str | None,
    as_json: bool,
) -> None:
    """导入留言导出文件（CSV 或 .xlsx）。

    每个文件在一个事务中导入：留言编号已存在的更新，其余新增；有误的行逐行报告并跳过，不影响
    其余行。新留言随即计算地点与情感，并在有分办模型时智能分办。有文件或行出错时退出状态为 2。"""
    from govai.errors import GovaiError
    from govai.scenarios.messages.intake import parse_mapping
    from govai.scenarios.messages.service import import_file

    platform = open_platform()
    columns = parse_mapping(mapping)
    reports: list[dict[str, object]] = []
    failed = False
    for path in files:
        try:
            with platform.db.session() as session:
                report = import_file(
                    session,
                    platform.settings,
                    operator(),
                    path,
                    org_code=org_code,
                    mapping=columns,
                    model=model,
                    progress=_say(as_json),  # type: ignore[arg-type]
                )
        except GovaiError as exc:
            failed = True
            reports.append({"file": path.name, "error": exc.message})
            if not as_json:
                err_console.print(f"[red]失败[/red] {path.name}：{exc.message}")
            continue
        if platform.settings.dispatch_provider:
            _wait_for_model_dispatch(report, as_json)
        data = report.to_dict()
        reports.append(data)
        failed = failed or bool(report.errors)
        if as_json:
            continue
        console.print(
            f"{path.name}：读入 {report.read} 条，新增 {report.created}，更新 {report.updated}；"
            f"自动分办 {report.routed}，转人工 {report.queued}；有误 {len(report.errors)} 行。"
        )
        for warning in report.warnings:
            err_console.print(f"  [yellow]提示[/yellow] {warning}")
        for row, error in report.errors[:20]:
            err_console.print(f"  [yellow]第 {row} 行[/yellow] {error}")
        if len(report.errors) > 20:
            err_console.print(f"  …另有 {len(report.errors) - 20} 行有误（用 --json 查看全部）")
    if as_json:
        print_json({"files": reports})
    if failed:
        sys.exit(2)


def _wait_for_model_dispatch(report: ImportReport, quiet: bool) -> None:
    """Wait for the model provider to route the new messages (it starts once the import has
    committed) and add its outcome to the report."""
    from govai.scenarios.messages.llm_dispatch import wait_for_dispatch

    if not quiet:
        err_console.print("[dim]等待模型服务分办新留言…[/dim]")
    for job in wait_for_dispatch():
        report.routed += job.routed
        report.queued += job.queued
        if job.warning:
            report.warnings.append(job.warning)


@messages.command("list")
@click.option("--status", default="", help="分办状态：new routed queued assigned。")
@click.option("--department", default="", help="承办部门。")
@click.option("--query", default="", help="主题或内容包含的文字。")
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def messages_list(status: str, department: str, query: str, limit: int, as_json: bool) -> None:
    """列出留言（最新的在前）。"""
    from govai.scenarios.messages.service import MessageFilter, list_messages

    platform = open_platform()
    with platform.db.read() as session:
        views, total = list_messages(
            session, operator(), MessageFilter(status, department, query, limit)
        )
    data: list[dict[str, Any]] = [
        {
            "id": v.id,
            "external_id": v.external_id,
            "received_at": beijing(v.received_at),
            "title": v.title,
            "department": v.department,
            "dispatch_status": v.dispatch_status,
            "suggestion": v.suggestion,
            "confidence": v.confidence,
            "sentiment": v.sentiment,
            "place": v.place,
        }
        for v in views
    ]
    if as_json:
        print_json({"total": total, "messages": data})
        return
    for d in data:
        console.print(
            f"{d['id']:>6} {d['received_at'][:16]} [{d['dispatch_status']}] "
            f"{d['department'] or '—'}  {d['title']}"
        )
    console.print(f"共 {total} 条，显示 {len(data)} 条。")


# ---------------------------------------------------------------- dispatch


@click.group()
def dispatch() -> None:
    """智能分办：训练分办模型、批量预测、查看模型版本。"""


@dispatch.command("train")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--text-col", required=True, help="留言内容所在列。")
@click.option("--title-col", default=None, help="留言主题所在列（可选）。")
@click.option("--label-col", required=True, help="承办部门或分类所在列。")
@click.option("--model", "name", required=True, help="模型名称；同名再训练即为新版本。")
@click.option("--no-corrections", is_flag=True, help="不加入工作人员的人工改派记录（默认加入）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出评估结果。")
def dispatch_train(
    data_path: Path,
    text_col: str,
    title_col: str | None,
    label_col: str,
    name: str,
    no_corrections: bool,
    as_json: bool,
) -> None:
    """用已分办的历史留言训练分办模型，并在 70/30 分层留出集上评估。

    去掉内容为空、同一内容标注不一致的行和重复内容；评估后用全部数据训练最终模型，
    作为该名称的新版本保存（旧版本保留）。工作人员的人工改派记录一并用作训练数据。"""
    from govai.scenarios.messages.service import train_model, training_rows_from_table

    platform = open_platform()
    started = time.perf_counter()
    rows = training_rows_from_table(data_path, text_col, label_col, title_col)
    with platform.db.session() as session:
        result = train_model(
            session,
            operator(),
            name,
            rows,
            source=data_path.name,
            use_titles=title_col is not None,
            include_corrections=not no_corrections,
            progress=_say(as_json),  # type: ignore[arg-type]
        )
        version = result.model.version
    seconds = time.perf_counter() - started
    ev = result.evaluation.to_dict()
    if as_json:
        print_json(
            {
                "model": name,
                "version": version,
                "dropped": result.dropped,
                "corrections": result.corrections,
                "evaluation": ev,
                "seconds": round(seconds, 2),
            }
        )
        return
    console.print(
        f"已保存分办模型 {name} 第 {version} 版（用时 {seconds:.1f} 秒）。"
        f"留出集 {ev['n_test']} 条：macro-F1 {ev['macro_f1']:.4f}，准确率 {ev['accuracy']:.4f}。"
    )
    dropped = "，".join(f"{k} {v}" for k, v in result.dropped.items() if v)
    if dropped:
        console.print(f"清洗时去掉：{dropped}。")
    per_class = ev.get("per_class", {})
    if isinstance(per_class, dict):
        for label, m in per_class.items():
            if isinstance(m, dict) and {"precision", "recall", "f1"} <= m.keys():
                console.print(
                    f"  {label:<10} P {m['precision']:.3f}  R {m['recall']:.3f}  "
                    f"F1 {m['f1']:.3f}  ({m.get('support', '')})"
                )


@dispatch.command("predict")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--text-col", required=True, help="留言内容所在列。")
@click.option("--title-col", default=None, help="留言主题所在列（训练时用了主题才有意义）。")
@click.option(
    "--model",
    "name",
    default=None,
    help="分办模型名称（用其当前版本）；用 --provider 时只取它的部门列表。",
)
@click.option("--version", type=int, default=None, help="指定模型版本。")
@click.option(
    "--provider",
    default=None,
    help="改由该模型服务（对话模型）逐条判断承办部门，每条一次模型调用，经模型网关"
    "（脱敏、敏感词、密级、调用日志）。",
)
@click.option(
    "--departments",
    "departments_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="与 --provider 同用：部门与职责文件（CSV/.xlsx，列“部门”“职责”）；"
    "不给则用 --model 的部门，再不给则同配置项 dispatch_departments / dispatch_model。",
)
@click.option(
    "--level",
    type=click.Choice(list(LEVEL_LABELS[1:])),
    default="内部",
    show_default=True,
    help="与 --provider 同用：留言数据的密级（群众留言至少为内部）。",
)
@click.option("--top", default=3, show_default=True, help="每条给出的候选数。")
@click.option(
    "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出 JSONL。"
)
def dispatch_predict(
    data_path: Path,
    text_col: str,
    title_col: str | None,
    name: str | None,
    version: int | None,
    provider: str | None,
    departments_path: Path | None,
    level: str,
    top: int,
    output: Path,
) -> None:
    """批量预测承办部门：每个输入行输出一行 {"label", "confidence", "top"}，顺序与输入一致。

    用 --provider 时 confidence 是模型自报的把握（未经校准）；
    模型未作答、答出列表外的部门或调用失败的行输出 {"label": "", "confidence": 0.0, "top": []}，
    在系统中即转人工分办。模型服务调用失败时其余行不再调用，仍逐行写出，退出状态为 2。"""
    from govai.errors import ValidationError
    from govai.tabular import column_index, read_table

    if provider is None and name is None:
        raise ValidationError("请用 --model 指定分办模型，或用 --provider 指定模型服务。")
    if provider is None and departments_path is not None:
        raise ValidationError("--departments 只能与 --provider 同用。")
    platform = open_platform()
    table = read_table(data_path)
    text_i = column_index(table.header, text_col)
    title_i = column_index(table.header, title_col) if title_col else None
    missing = [c for c, i in ((text_col, text_i), (title_col, title_i)) if c and i is None]
    if missing:
        raise ValidationError(
            f"“{data_path.name}”中没有列“{missing[0]}”。表头为：{'、'.join(table.header)}。"
        )
    texts = [row[text_i] for row in table.rows]  # type: ignore[index]
    titles = [row[title_i] for row in table.rows] if title_i is not None else None
    started = time.perf_counter()
    failure = ""
    if provider is None:
        from govai.scenarios.messages.service import classifier_of, get_model

        assert name is not None
        with platform.db.read() as session:
            model = get_model(session, name, version)
            classifier = classifier_of(model)
            label = f"{model.name} 第 {model.version} 版"
        started = time.perf_counter()
        predictions = classifier.predict(texts, titles, top=top)
    else:
        predictions, failure = _predict_with_provider(
            platform, provider, departments_path, name, version, level, texts, titles, top
        )
        label = f"模型服务 {provider}"
    seconds = time.perf_counter() - started
    tmp = output.with_name(output.name + ".part")
    with tmp.open("w", encoding="utf-8") as f:
        for p in predictions:
            line = {
                "label": p.label,
                "confidence": round(p.confidence, 6),
                "top": [[lab, round(prob, 6)] for lab, prob in p.top],
            }
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    tmp.replace(output)
    rate = len(predictions) / seconds if seconds > 0 else float("inf")
    err_console.print(
        f"已用 {label} 预测 {len(predictions)} 条（{rate:,.1f} 条/秒），写入 {output}。"
    )
    if provider is not None:
        unanswered = sum(1 for p in predictions if not p.label)
        err_console.print(f"其中 {unanswered} 条模型未给出列表内的部门（系统中即转人工分办）。")
    if failure:
        err_console.print(f"[red]{failure}[/red]")
        sys.exit(2)


def _predict_with_provider(
    platform: Platform,
    provider: str,
    departments_path: Path | None,
    name: str | None,
    version: int | None,
    level: str,
    texts: list[str],
    titles: list[str] | None,
    top: int,
) -> tuple[list[Prediction], str]:
    """Predictions by a chat model (one gateway call per row, no transaction open) and the
    warning when the provider failed part-way."""
    from govai.classification import Level
    from govai.errors import GatewayError, ValidationError
    from govai.gateway import ModelGateway
    from govai.scenarios.messages import llm_dispatch
    from govai.scenarios.messages.service import get_model

    data_level = Level.parse(level)
    with platform.db.read() as session:
        if departments_path is not None:
            departments = llm_dispatch.read_departments(departments_path)
        elif name is not None:
            labels = get_model(session, name, version).labels
            departments = [llm_dispatch.Department(lab) for lab in labels]
        else:
            departments = llm_dispatch.departments_for(
                session, platform.settings, str(platform.settings.dispatch_model)
            )
        problem = llm_dispatch.provider_problem(session, provider, data_level)
    if problem:
        raise GatewayError(problem, provider=provider)
    if not departments:
        raise ValidationError(
            "没有可分办的部门列表：请用 --departments 指定部门与职责文件，"
            "或用 --model 指定分办模型。"
        )

    def progress(done: int, total: int) -> None:
        if done % 50 == 0 or done == total:
            err_console.print(f"[dim]已预测 {done}/{total} 条[/dim]")

    items = list(zip(titles or [""] * len(texts), texts, strict=True))
    batch = llm_dispatch.route_many(
        ModelGateway(platform.db, platform.settings),
        operator(),
        items,
        departments,
        provider,
        level=data_level,
        top=top,
        progress=progress,
    )
    failure = ""
    if batch.failed_at is not None:
        left = len(items) - batch.failed_at
        failure = (
            f"模型服务 {provider} 调用失败，余下 {left} 条未预测（输出为空标签）：{batch.failure}"
        )
    return batch.predictions, failure


@dispatch.command("models")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def dispatch_models(as_json: bool) -> None:
    """列出分办模型的全部版本及其评估。"""
    from govai.scenarios.messages.service import list_models

    platform = open_platform()
    with platform.db.read() as session:
        data = [
            {
                "name": m.name,
                "version": m.version,
                "active": m.active,
                "labels": m.labels,
                "macro_f1": m.evaluation.get("macro_f1"),
                "accuracy": m.evaluation.get("accuracy"),
                "rows": m.training.get("used"),
                "corrections": m.training.get("corrections"),
                "created_at": beijing(m.created_at),
                "created_by": m.created_by,
            }
            for m in list_models(session)
        ]
    if as_json:
        print_json(data)
        return
    for d in data:
        mark = "*" if d["active"] else " "
        f1 = d["macro_f1"]
        console.print(
            f"{mark} {d['name']} v{d['version']}  macro-F1 "
            f"{f1 if f1 is None else format(f1, '.4f')}  训练 {d['rows']} 条"
            f"（人工改派 {d['corrections']}）  {d['created_at']} {d['created_by']}"
        )
    console.print(f"共 {len(data)} 个版本（* 为当前版本）。")


# ---------------------------------------------------------------- hotspots


@click.command("hotspots")
@click.option(
    "--data",
    "data_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="留言文件（CSV/.xlsx，列名同 `govai messages import`）；不给则用库中的留言。",
)
@click.option("--map", "mapping", multiple=True, metavar="字段=列名", help="列映射，同导入。")
@click.option("--top", default=5, show_default=True, help="输出前 N 个热点问题。")
@click.option("--days", default=None, type=int, help="只看最近 N 天的留言（库中留言）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="另存热点问题表与热点问题留言明细表（.xlsx）。",
)
def hotspots(
    data_path: Path | None,
    mapping: tuple[str, ...],
    top: int,
    days: int | None,
    as_json: bool,
    xlsx_path: Path | None,
) -> None:
    """热点发现：把反映同一地点（或人群）同一问题的留言归为一个问题，按热度指数排序。"""
    from govai.scenarios.messages import problems

    if data_path is not None:
        result = problems.from_file(
            data_path,
            mapping,
            top=top,
            progress=_say(as_json),  # type: ignore[arg-type]
        )
    else:
        platform = open_platform()
        with platform.db.read() as session:
            result = problems.from_database(
                session, platform.settings, operator(), top=top, days=days
            )
    if xlsx_path is not None:
        problems.write_tables(result, xlsx_path)
    if as_json:
        print_json({"problems": [p.to_dict() for p in result.problems]})
        return
    for p in result.problems:
        console.print(
            f"{p.rank:>2}. 热度 {p.heat:.1f}  {len(p.message_ids)} 条  {p.time_range()}  "
            f"{p.place}：{p.description}"
        )
    console.print(f"共 {result.total} 条留言，列出前 {len(result.problems)} 个热点问题。")
    if xlsx_path is not None:
        console.print(f"已写入 {xlsx_path}。")


# ---------------------------------------------------------------- alerts and briefing


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期“{value}”应为 YYYY-MM-DD 格式。") from None


@click.group()
def alerts() -> None:
    """风险预警：扫描留言量激增与新热点问题，查看与处理预警。"""


@alerts.command("scan")
@click.option("--on", "on", default=None, help="扫描的日期 YYYY-MM-DD（默认今天）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出新产生的预警。")
def alerts_scan(on: str | None, as_json: bool) -> None:
    """按部门和地点检验当日、本周留言量是否显著高于其自身历史，并发现新出现的热点问题。

    同一天重复扫描不会重复预警；配置了 alert_webhook_url 时逐条推送。"""
    from govai.scenarios.messages import alerts as service

    platform = open_platform()
    with platform.db.session() as session:
        result = service.scan(session, platform.settings, operator(), on=_date(on))
        raised = [service.payload(a) for a in result.raised]
    sent = service.notify(platform.db, platform.settings, [int(a["id"]) for a in raised])  # type: ignore[call-overload]
    if as_json:
        for a in raised:
            a["webhook"] = sent.get(int(a["id"]), "")  # type: ignore[call-overload]
        print_json({"on": result.on.isoformat(), "scanned": result.scanned, "alerts": raised})
        return
    for a in raised:
        console.print(f"[{a['kind_label']}] #{a['id']} {a['summary']}{a['suggestion']}")
    console.print(f"{result.on} 扫描 {result.scanned} 条留言，新产生预警 {len(raised)} 条。")


@alerts.command("list")
@click.option("--status", default="", help="open（待确认）、confirmed、dismissed。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def alerts_list(status: str, as_json: bool) -> None:
    """列出预警（最新的在前）。"""
    from govai.scenarios.messages import alerts as service

    platform = open_platform()
    with platform.db.read() as session:
        data = [
            {**service.payload(a), "status": a.status, "decided_by": a.decided_by}
            for a in service.list_alerts(session, operator(), status=status)
        ]
    if as_json:
        print_json(data)
        return
    for a in data:
        console.print(f"#{a['id']} [{service.STATUSES[str(a['status'])]}] {a['summary']}")
    console.print(f"共 {len(data)} 条。")


@alerts.command("decide")
@click.argument("alert_id", type=int)
@click.option("--confirm/--dismiss", required=True, help="确认（采取行动）或排除。")
@click.option("--note", default="", help="处理意见。")
def alerts_decide(alert_id: int, confirm: bool, note: str) -> None:
    """确认或排除一条待确认的预警。"""
    from govai.scenarios.messages import alerts as service

    platform = open_platform()
    with platform.db.session() as session:
        alert = service.decide(session, operator(), alert_id, confirm=confirm, note=note)
        console.print(f"预警 #{alert.id} 已{service.STATUSES[alert.status]}。")


@click.command("briefing")
@click.option("--period", type=click.Choice(["week", "month"]), default="week", show_default=True)
@click.option("--end", "end", default=None, help="截止日期 YYYY-MM-DD（默认今天）。")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="另存为 .docx。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出简报数据。")
def briefing(period: str, end: str | None, output: Path | None, as_json: bool) -> None:
    """舆情简报（周报为截止日前 7 天，月报为 30 天，与前一周期比较），可另存为 .docx。"""
    from govai.scenarios.messages import briefing as service

    platform = open_platform()
    with platform.db.session() as session:
        made = service.build(
            session,
            platform.settings,
            operator(),
            period=period,  # type: ignore[arg-type]
            end=_date(end),
        )
        if output is not None:
            service.write_docx(made, output)
        data = {
            "title": made.title,
            "start": made.start.isoformat(),
            "end": made.end.isoformat(),
            "total": made.total,
            "previous_total": made.previous_total,
            "summary": made.summary(),
            "by_department": [[d, n, p] for d, n, p in made.by_department],
            "sentiment": made.sentiment,
            "problems": [p.to_dict() for p in made.problems],
            "alerts": [a.id for a in made.alerts],
            "aigc": made.aigc,
        }
    if as_json:
        print_json(data)
        return
    console.print(made.title)
    for line in made.summary():
        console.print(line)
    if output is not None:
        console.print(f"已写入 {output}（含人工智能生成标识）。")


def register(cli: click.Group) -> None:
    cli.add_command(messages)
    cli.add_command(dispatch)
    cli.add_command(hotspots)
    cli.add_command(alerts)
    cli.add_command(briefing)
