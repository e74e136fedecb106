"""govai draft / proofread: 公文 in GB/T 9704-2012 layout, drafted from facts, and 公文校对.

``govai draft --spec`` lays out what a person wrote (no AI label: nothing was generated);
``govai draft --facts`` has the machine draft it (stored as a draft, both AI labels in the file);
``govai draft --draft ID`` exports a stored draft again (the console's edits included), with a
fresh copy of its labels. ``govai proofread --json`` prints ``{"paragraphs", "findings":
[{"category", "where", "what", "why", "fix", "paragraph", "severity"}], "counts"}``, a
documented contract.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from govai.cli.common import console, err_console, open_platform, operator, print_json
from govai.errors import ValidationError

MAX_JSON = 2 * 1024 * 1024


def _read_json(path: Path, what: str) -> Any:
    from govai.tabular import decode_text

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"无法读取{what}文件 {path}：{exc.strerror or exc}") from None
    if len(data) > MAX_JSON:
        raise ValidationError(f"{what}文件 {path} 过大（超过 2 MB）。")
    try:
        return json.loads(decode_text(path.name, data))
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{what}文件 {path} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"
        ) from None


def _check_output(output: Path) -> None:
    if output.suffix.lower() != ".docx":
        raise ValidationError(f"输出文件应以 .docx 结尾：{output}")
    if not output.parent.exists():
        raise ValidationError(f"输出目录不存在：{output.parent}")


def _report_layout(output: Path, pages: int, warnings: tuple[str, ...] | list[str]) -> None:
    console.print(f"已生成 {output}（{pages} 页）")
    for warning in warnings:
        err_console.print(f"[yellow]提示：[/yellow]{warning}")


@click.command("draft")
@click.option(
    "--type", "doc_type", help="文种：15 个法定文种之一（命令也可写作令），如 请示、通知、函。"
)
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="公文要素 JSON（type issuer doc_number title recipients body attachments signatory "
    "date note copy_to printer print_date 等），按 GB/T 9704-2012 排版，不加人工智能标识。",
)
@click.option(
    "--facts",
    "facts_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="起草要点 JSON（issuer subject purpose recipients points dates contact reference "
    "attendees），由模型起草，存为文稿并加显式和隐式标识。",
)
@click.option(
    "--draft", "draft_id", type=int, help="再次导出已保存的文稿（控制台中修改后的版本）。"
)
@click.option("--kb", help="起草时引用的知识库名称（见 `govai kb list`）。")
@click.option("--provider", help="模型服务名称，默认为 default_provider。")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出的 .docx 文件。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果（页数、提示、引用）。")
def draft(
    doc_type: str | None,
    spec_path: Path | None,
    facts_path: Path | None,
    draft_id: int | None,
    kb: str | None,
    provider: str | None,
    output: Path,
    as_json: bool,
) -> None:
    """起草或排版公文（GB/T 9704-2012），输出 .docx。

    三种用法，择一：--spec 排版人工撰写的公文；--facts 由模型按文种起草（离线 extractive
    服务按文种模板填写）；--draft 导出已保存的文稿。
    """
    chosen = [
        o
        for o, v in (("--spec", spec_path), ("--facts", facts_path), ("--draft", draft_id))
        if v is not None
    ]
    if len(chosen) != 1:
        raise ValidationError("请在 --spec、--facts、--draft 中选择一项（且只选一项）。")
    _check_output(output)
    if spec_path is not None:
        _layout_spec(spec_path, doc_type, output, as_json)
    elif facts_path is not None:
        _draft_facts(facts_path, doc_type, kb, provider, output, as_json)
    else:
        assert draft_id is not None
        _export_draft(draft_id, output, as_json)


def _layout_spec(spec_path: Path, doc_type: str | None, output: Path, as_json: bool) -> None:
    from govai.documents.gongwen import write_gongwen
    from govai.documents.gongwen_spec import spec_from_dict

    data = _read_json(spec_path, "公文要素")
    if not isinstance(data, dict):
        raise ValidationError("公文要素文件应为 JSON 对象（键值对）。")
    if doc_type:
        if data.get("type") not in (None, "", doc_type):
            raise ValidationError(
                f"--type {doc_type} 与公文要素文件中的 type “{data.get('type')}”不一致。"
            )
        data = {**data, "type": doc_type}
    layout = write_gongwen(spec_from_dict(data), output)
    if as_json:
        print_json(
            {"output": str(output), "pages": layout.pages, "warnings": list(layout.warnings)}
        )
    else:
        _report_layout(output, layout.pages, layout.warnings)


def _draft_facts(
    facts_path: Path,
    doc_type: str | None,
    kb: str | None,
    provider: str | None,
    output: Path,
    as_json: bool,
) -> None:
    from govai.documents.doctypes import facts_from_dict
    from govai.gateway import ModelGateway
    from govai.knowledge.retrieval import Retriever
    from govai.scenarios.drafting import service

    data = _read_json(facts_path, "起草要点")
    if not isinstance(data, dict):
        raise ValidationError("起草要点文件应为 JSON 对象（键值对）。")
    if doc_type:
        data = {**data, "type": doc_type}
    facts = facts_from_dict(data)
    platform = open_platform()
    actor = operator()
    err_console.print(f"[dim]正在起草{facts.type}“{facts.subject}”…[/dim]")
    drafted = service.draft_document(
        platform.db,
        ModelGateway(platform.db, platform.settings),
        actor,
        facts,
        retriever=Retriever(platform.db, platform.settings) if kb else None,
        kb=kb,
        provider=provider,
    )
    _write_stored(platform, drafted.id, output, as_json)


def _export_draft(draft_id: int, output: Path, as_json: bool) -> None:
    _write_stored(open_platform(), draft_id, output, as_json)


def _write_stored(platform: Any, draft_id: int, output: Path, as_json: bool) -> None:
    from govai.scenarios.drafting import service

    with platform.db.session() as session:
        data, layout = service.export_docx(session, operator(), draft_id)
        row = service.get_draft(session, operator(), draft_id)
        warnings = [*row.warnings, *layout.warnings]
        result: dict[str, Any] = {
            "draft": row.id,
            "output": str(output),
            "type": row.doc_type,
            "title": row.title,
            "pages": layout.pages,
            "provider": row.provider,
            "produce_id": row.produce_id,
            "citations": row.citations,
            "warnings": warnings,
        }
    tmp = output.with_name(output.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(output)
    if as_json:
        print_json(result)
        return
    _report_layout(output, layout.pages, warnings)
    console.print(
        f"文稿编号 {result['draft']}，{result['type']}“{result['title']}”，"
        f"模型服务 {result['provider']}，生成标识 {result['produce_id']}"
    )
    for citation in row.citations:
        console.print(f"  引用：{citation['source']}")


@click.command("proofread")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（见 docs/cli.md）。")
def proofread(file: Path, as_json: bool) -> None:
    """公文校对：检查 .docx 的版式、层次序数、发文字号、日期、标点、重复字词、错别字、敏感词
    和引用已废止文件。"""
    from govai.documents.proofread import CATEGORIES
    from govai.scenarios.drafting import service

    try:
        if file.stat().st_size > service.MAX_DOCX:
            # refused before it is read: a wrong path to a disk image should not fill memory
            raise ValidationError(f"文件 {file} 过大，校对的文稿不能超过 20 MB。")
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationError(f"无法读取文件 {file}：{exc.strerror or exc}") from None
    platform = open_platform()
    with platform.db.session() as session:
        report = service.proofread(session, operator(), data, name=file.name)
    if as_json:
        print_json(report.as_dict())
        return
    if not report.findings:
        console.print(f"{file.name}：未发现问题（共 {report.paragraphs} 段）。")
        return
    console.print(f"{file.name}：发现 {len(report.findings)} 处问题（共 {report.paragraphs} 段）")
    for finding in report.findings:
        mark = "[red]错误[/red]" if finding.severity == "error" else "[yellow]提示[/yellow]"
        console.print(
            f"{mark} [{CATEGORIES.get(finding.category, finding.category)}] {finding.where}："
            f"{finding.what}\n    依据：{finding.why}\n    建议：{finding.fix}",
            highlight=False,
        )


def register(cli: click.Group) -> None:
    cli.add_command(draft)
    cli.add_command(proofread)
