"""govai catalog / approval / calendar: the service catalogue, pre-checks, the holiday table.

``approval check --json`` prints the documented contract ``{"item", "outcome",
"missing_materials", "unmet_conditions", "reasons", "legal_basis", "deadline"}``; the exit
status is 0 for ``approved`` and ``needs_review``, 3 for ``needs_correction`` and 4 for
``denied``, so a script can branch without parsing.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import click

from govai.cli.common import console, err_console, open_platform, operator, print_json
from govai.errors import ValidationError

EXIT_CODES = {"approved": 0, "needs_review": 0, "needs_correction": 3, "denied": 4}


# ---------------------------------------------------------------- catalog


@click.group()
def catalog() -> None:
    """办事事项目录：导入、查找、查看。"""


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["gd-portal", "yaml"]),
    required=True,
    help="gd-portal：广东政务服务网导出的 JSON Lines；yaml：govai 事项目录格式。",
)
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="同时启用此目录下的规则文件（*.yaml，按 item 编码对应事项）。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出导入报告。")
def catalog_import(path: Path, fmt: str, rules_dir: Path | None, as_json: bool) -> None:
    """导入办事事项目录。按事项编码新增或更新；部门已配置的规则文件和自动审批设置保留。

    有问题的记录（缺编码、格式错误、重复）逐条报告并跳过，不影响其余记录。受理条件等自由文本
    原样保存，只给审核人员看，不由机器判定。"""
    from govai.approval.catalog import read_catalog_yaml, read_gd_portal
    from govai.scenarios.approval import catalog as service

    platform = open_platform()
    actor = operator()
    started = time.perf_counter()
    read = read_gd_portal(path) if fmt == "gd-portal" else read_catalog_yaml(path)
    with platform.db.session() as session:
        summary = service.import_items(session, actor, read.items, source=path.name)
    enabled: list[str] = []
    if rules_dir is not None:
        for rule_path in sorted(rules_dir.glob("*.yaml")):
            text = rule_path.read_text(encoding="utf-8")
            with platform.db.session() as session:
                rules = service.set_rules(session, actor, _item_of(text, rule_path), text)
                enabled.append(rules.item)
    seconds = time.perf_counter() - started
    report = summary.to_dict() | {
        "read": len(read.items),
        "issues": [str(issue) for issue in read.issues],
        "skipped": len(read.skipped),
        "rules_enabled": enabled,
        "seconds": round(seconds, 2),
    }
    if as_json:
        print_json(report)
        return
    console.print(
        f"读取 {len(read.items)} 个事项（{path.name}）：新增 {summary.created}，更新 "
        f"{summary.updated}，未变 {summary.unchanged}；跳过 {len(read.skipped)} 条；"
        f"用时 {seconds:.1f} 秒。"
    )
    for issue in read.issues[:20]:
        err_console.print(f"[yellow]注意：[/yellow]{issue}")
    if len(read.issues) > 20:
        err_console.print(f"……另有 {len(read.issues) - 20} 条，用 --json 查看全部。")
    if summary.departments_without_org:
        console.print(
            f"{len(summary.departments_without_org)} 个实施部门没有同名机构，这些事项的申请只有"
            "系统管理员能处理；用 `govai org add` 建立同名机构后重新导入即可关联。"
        )
    if enabled:
        console.print(f"已启用规则文件：{'、'.join(enabled)}")


def _item_of(text: str, path: Path) -> str:
    for line in text.splitlines():
        if line.startswith("item:"):
            return line.split(":", 1)[1].strip().strip("\"'")
    raise ValidationError(f"规则文件 {path} 没有 item（事项编码）。")


@catalog.command("search")
@click.argument("question")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True)
def catalog_search(question: str, top: int, as_json: bool) -> None:
    """用一句话描述要办的事，查找对应的办事事项（辅助办理）。"""
    from govai.scenarios.approval import catalog as service

    platform = open_platform()
    with platform.db.read() as session:
        hits = service.search(session, question, top)
    if as_json:
        print_json({"question": question, "items": [h.as_dict() for h in hits]})
        return
    if not hits:
        console.print("没有找到匹配的事项，请换个说法，或拨打 12345 咨询。")
    for n, hit in enumerate(hits, 1):
        console.print(
            f"{n}. {hit.item.name}（{hit.item.department}，编码 {hit.item.code}）"
            f"  匹配：{'、'.join(hit.matched)}"
        )


@catalog.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True)
def catalog_show(code: str, as_json: bool) -> None:
    """查看一个事项：材料、条件、时限、规则文件和自动审批设置。"""
    from govai.approval.catalog import item_to_dict
    from govai.scenarios.approval import catalog as service

    platform = open_platform()
    with platform.db.read() as session:
        row = service.get_item(session, code)
        item = service.service_item(row)
        rules = service.ruleset_of(row)
    data = item_to_dict(item) | {
        "rules_version": rules.version if rules else None,
        "auto_approval": item.auto_approval,
    }
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{item.name}[/bold]（{item.code}）")
    console.print(f"实施部门：{item.department}    事项类型：{item.item_type}")
    limits = [
        f"法定 {item.legal_days} 个工作日" if item.legal_days else "",
        f"承诺 {item.promised_days} 个工作日" if item.promised_days else "",
    ]
    console.print("办理时限：" + ("，".join(x for x in limits if x) or "未载明"))
    for basis in item.legal_basis:
        console.print(f"依据：{basis}")
    console.print("申请材料：")
    for m in item.materials:
        need = {"required": "必需", "optional": "可选", "conditional": f"条件：{m.condition}"}
        console.print(f"  · {m.name}（{need[m.need]}）")
    if item.conditions_text:
        console.print(f"受理条件（由人工审查）：{item.conditions_text}")
    console.print(
        f"规则文件：{'版本 ' + rules.version if rules else '无'}    "
        f"自动审批：{'允许' if item.auto_approval else '不允许'}"
    )


# ---------------------------------------------------------------- approval


@click.group()
def approval() -> None:
    """辅助审批：预审申请。"""


@approval.command("check")
@click.option("--item", "code", required=True, help="事项编码（见 `govai catalog search`）。")
@click.option(
    "--application",
    "app_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='申请 JSON：{"applicant": {…}, "fields": {…}, "materials": [{"name", "file"?}]}',
)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="按此日期预审（默认今天）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出预审结果。")
@click.option("--report", is_flag=True, help="JSON 中附上逐条条件的核验情况（给审核人员）。")
def approval_check(code: str, app_path: Path, today: Any, as_json: bool, report: bool) -> None:
    """预审一份申请，不保存：补正（一次列出全部缺件和可补正的问题）、建议不予受理、自动审批
    （仅限允许且全部条件由机器核验的事项）或转人工审核。

    退出状态：0 准予或转人工，3 需补正，4 建议不予受理/不予许可。"""
    from govai.scenarios.approval import applications
    from govai.scenarios.approval import catalog as service
    from govai.tabular import decode_text

    text = decode_text(app_path.name, app_path.read_bytes())  # UTF-8, or GB18030 from Windows
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"申请文件 {app_path} 不是有效的 UTF-8 JSON（也接受 GB18030 编码）："
            f"第 {exc.lineno} 行第 {exc.colno} 列有误。"
        ) from None
    except RecursionError:
        raise ValidationError(f"申请文件 {app_path} 嵌套层数过深，不是有效的申请。") from None
    platform = open_platform()
    day: date = today.date() if today else applications.beijing_today()
    with platform.db.read() as session:
        row = service.get_item(session, code)
        result = applications.check(
            service.service_item(row), service.ruleset_of(row), data, day, service.calendar(session)
        )
    body = result.report() if report else result.to_dict()
    if as_json:
        print_json(body)
    else:
        full = result.report()
        console.print(f"[bold]预审结果：{full['outcome_label']}[/bold]（{row.name}）")
        for m in result.missing_materials:
            console.print(f"  缺少或需更正：{m.name} —— {m.reason}")
        for u in result.unmet_conditions:
            console.print(f"  条件未满足：{u.title} —— {u.reason}")
        for reason in result.reasons:
            console.print(f"  · {reason}")
        if result.legal_basis:
            console.print("依据：" + "；".join(result.legal_basis))
        if result.deadline:
            console.print(f"办结期限：{result.deadline.isoformat()}")
        console.print("[dim]预审意见由系统自动生成，以工作人员审核结果为准。[/dim]")
    ctx = click.get_current_context()
    ctx.exit(EXIT_CODES[result.outcome])


@approval.command("prefill")
@click.option("--item", "code", required=True, help="事项编码（见 `govai catalog search`）。")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--provider",
    help="模型服务名称（默认为配置项 approval_prefill_provider）。",
)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="按此日期核对（默认今天）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出预填结果。")
def approval_prefill(
    code: str, file: Path, provider: str | None, today: Any, as_json: bool
) -> None:
    """表单预填：由模型从一份文件中提取事项申请表的内容，不保存。

    读取 .txt、.md、.docx 和有文字层的 PDF（扫描件和照片没有文字，不能读取）。经模型网关调用
    （个人信息脱敏、内容标识、调用留痕）；结果须由申请人逐项核对。

    --json 输出 {"values", "skipped", "notes", "label", "produce_id"}：values 为申请表各项
    （键为规则文件中的字段名，值为表单中填写的文字），skipped 为读到但不能使用的值。"""
    from govai.gateway import ModelGateway
    from govai.scenarios.approval import applications, prefill
    from govai.scenarios.approval import catalog as service

    platform = open_platform()
    name = provider or str(platform.settings.approval_prefill_provider)
    day: date = today.date() if today else applications.beijing_today()
    with platform.db.read() as session:
        row = service.get_item(session, code)
    result = prefill.prefill(
        ModelGateway(platform.db, platform.settings),
        operator(),
        row,
        file.name,
        file.read_bytes(),
        provider=name,
        today=day,
    )
    if as_json:
        print_json(result.as_dict())
        return
    rules = service.ruleset_of(row)
    labels = {spec.name: spec.label for spec in rules.fields} if rules else {}
    console.print(f"[bold]{result.label}[/bold]（{row.name}，文件 {file.name}）")
    for field_name, value in result.values.items():
        console.print(f"  {labels.get(field_name, field_name)}：{value}")
    if not result.values:
        console.print("  （未预填任何内容）")
    for note in result.skipped + result.notes:
        err_console.print(f"[yellow]注意：[/yellow]{note}")


# ---------------------------------------------------------------- calendar


@click.group()
def calendar() -> None:
    """工作日历：法定节假日与调休（覆盖 chinesecalendar 的数据）。"""


@calendar.command("set")
@click.argument("days", nargs=-1, required=True)
@click.option(
    "--workday/--holiday",
    "is_workday",
    required=True,
    help="设为工作日（调休上班）或休息日（放假）。",
)
@click.option("--name", default="", help="名称，如“春节”。")
def calendar_set(days: tuple[str, ...], is_workday: bool, name: str) -> None:
    """设定一天或多天（YYYY-MM-DD，或 YYYY-MM-DD..YYYY-MM-DD 表示一段）。

    chinesecalendar 还不知道的年份（如明年的放假安排公布后），须把当年全部放假日和调休上班日都
    录入：录入了某年任何一天后，该年其余日期一律按周一至周五上班计算。"""
    from govai.scenarios.approval import catalog as service

    wanted = _expand(days)
    platform = open_platform()
    with platform.db.session() as session:
        for day in wanted:
            service.set_holiday(session, operator(), day, is_workday=is_workday, name=name)
    kind = "工作日" if is_workday else "休息日"
    console.print(f"已将 {len(wanted)} 天设为{kind}：{wanted[0]} … {wanted[-1]}")


def _expand(days: tuple[str, ...]) -> list[date]:
    out: list[date] = []
    for text in days:
        try:
            if ".." in text:
                start_text, end_text = text.split("..", 1)
                start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
                if end < start or (end - start).days > 366:
                    raise ValueError
                out.extend(
                    date.fromordinal(d) for d in range(start.toordinal(), end.toordinal() + 1)
                )
            else:
                out.append(date.fromisoformat(text))
        except ValueError:
            raise ValidationError(
                f"日期“{text}”应为 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD（一年以内）。"
            ) from None
    return sorted(set(out))


@calendar.command("list")
@click.option("--year", type=int, help="只列这一年。")
def calendar_list(year: int | None) -> None:
    """列出节假日表中人工设定的日期。"""
    from govai.approval.workdays import package_years
    from govai.scenarios.approval import catalog as service

    platform = open_platform()
    with platform.db.read() as session:
        rows = service.holidays(session)
    years = package_years()
    console.print(f"chinesecalendar 内置 {years.start}–{years.stop - 1} 年的放假安排。")
    shown = [r for r in rows if year is None or r.day.year == year]
    if not shown:
        console.print("节假日表为空。" if not rows else f"节假日表中没有 {year} 年的日期。")
    for r in shown:
        kind = "工作日" if r.is_workday else "休息日"
        console.print(f"{r.day.isoformat()}  {kind}  {r.name}  （{r.updated_by}）")


@calendar.command("remove")
@click.argument("day")
def calendar_remove(day: str) -> None:
    """从节假日表删除一天（恢复 chinesecalendar 的数据）。"""
    from govai.scenarios.approval import catalog as service

    if ".." in day:
        raise ValidationError(f"一次只能删除一天（YYYY-MM-DD），“{day}”是一段日期。")
    (parsed,) = _expand((day,))
    platform = open_platform()
    with platform.db.session() as session:
        service.remove_holiday(session, operator(), parsed)
    console.print(f"已删除 {parsed.isoformat()}。")


def register(cli: click.Group) -> None:
    cli.add_command(catalog)
    cli.add_command(approval)
    cli.add_command(calendar)
