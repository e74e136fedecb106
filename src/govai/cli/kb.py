"""govai kb / govai ask: knowledge bases, import, search, and answering from them.

The JSON printed by ``kb search --json`` and ``ask --json`` (and their ``--batch`` forms, one
object per line in input order) is a documented, stable contract: staff use batch mode to test a
knowledge base against their own question lists.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from govai.classification import LEVEL_LABELS
from govai.cli.common import console, err_console, open_platform, operator, print_json
from govai.errors import ValidationError
from govai.gateway import ModelGateway
from govai.knowledge import service
from govai.knowledge.importer import Progress as ImportProgress
from govai.knowledge.importer import import_files, reindex
from govai.knowledge.retrieval import Retriever
from govai.knowledge.service import NewKnowledgeBase
from govai.platform import Platform
from govai.scenarios.qa import QaService
from govai.storage.base import beijing


@click.group()
def kb() -> None:
    """知识库：新建、导入文件、检索、同义词表。"""


@kb.command("create")
@click.argument("name")
@click.option("--org", "org_code", required=True, help="所属机构编码（见 `govai org list`）。")
@click.option("--title", required=True, help="知识库标题，如“住房公积金政策”。")
@click.option(
    "--level", default="内部", show_default=True, help=f"默认密级：{'/'.join(LEVEL_LABELS)}。"
)
@click.option(
    "--public", is_flag=True, help="向公众开放（市民问答页与匿名 API 可用，仅限公开文件）。"
)
@click.option("--description", default="", help="说明。")
def kb_create(
    name: str, org_code: str, title: str, level: str, public: bool, description: str
) -> None:
    """新建知识库；NAME 也是 /v1/chat/completions 中的 model 名。"""
    platform = open_platform()
    with platform.db.session() as session:
        created = service.create_kb(
            session,
            operator(),
            NewKnowledgeBase(name, title, org_code, public, level, description),
        )
        console.print(f"已新建知识库 {created.name}（{created.title}）。")


@kb.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def kb_list(as_json: bool) -> None:
    """列出知识库及其文件、段落数。"""
    platform = open_platform()
    with platform.db.read() as session:
        rows = service.summaries(session, operator())
        data = [
            {
                "name": s.kb.name,
                "title": s.kb.title,
                "org": s.kb.org.name,
                "public": s.kb.public,
                "documents": s.documents,
                "passages": s.passages,
                "updated_at": beijing(s.kb.updated_at),
            }
            for s in rows
        ]
    if as_json:
        print_json(data)
        return
    for d in data:
        console.print(
            f"{d['name']:<20} {d['title']}（{d['org']}，{'公众可用' if d['public'] else '内部'}）"
            f"  文件 {d['documents']}，段落 {d['passages']}，更新于 {d['updated_at']}"
        )
    console.print(f"共 {len(data)} 个知识库。")


@kb.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="不再确认。")
def kb_delete(name: str, yes: bool) -> None:
    """删除知识库及其全部文件。"""
    if not yes:
        click.confirm(f"确定删除知识库 {name} 及其全部文件？", abort=True)
    platform = open_platform()
    with platform.db.session() as session:
        service.delete_kb(session, operator(), name)
    console.print(f"已删除知识库 {name}。")


@kb.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kb", "kb_name", required=True, help="目标知识库。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出导入报告。")
def kb_import(files: tuple[Path, ...], kb_name: str, as_json: bool) -> None:
    """导入文件：JSONL、Markdown、txt、docx、pdf（需有文字层）、html，以及 xlsx/csv 问答表。

    同一文件（或 JSONL 中同一 id）再次导入时整体替换；某个文件出错不影响其他文件，
    出错的文件会逐一列出，退出状态为 2。"""
    platform = open_platform()
    with _progress_bar(hidden=as_json) as progress:
        report = import_files(platform.db, operator(), kb_name, list(files), progress=progress)
        _build_index(platform, kb_name, progress)
    if as_json:
        print_json(report.as_dict())
    else:
        for f in report.files:
            if f.error:
                err_console.print(f"[red]失败[/red] {f.name}：{f.error}")
                continue
            console.print(
                f"{f.name}：新增 {f.added}，替换 {f.replaced}，"
                f"未变 {f.unchanged}，段落 {f.passages}"
            )
            for w in f.warnings:
                err_console.print(f"  [yellow]提示[/yellow] {w}")
        summary = report.as_dict()
        console.print(
            f"完成：{summary['documents']} 篇文件、{summary['passages']} 个段落，"
            f"用时 {summary['seconds']} 秒；失败 {summary['failed']} 个文件。"
        )
    if report.failed:
        sys.exit(2)


@kb.command("reindex")
@click.option("--kb", "kb_name", required=True, help="知识库。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def kb_reindex(kb_name: str, as_json: bool) -> None:
    """用当前的分词器和同义词表重新切分知识库的全部段落，并重建检索索引。

    修改同义词表、更新用户词典或升级 govai 之后运行：新增的词语此后才会作为完整的词被检索。

    重建期间知识库照常可检索；权限与导入相同。"""
    platform = open_platform()
    with _progress_bar(hidden=as_json) as progress:
        report = reindex(platform.db, operator(), kb_name, progress=progress)
        _build_index(platform, kb_name, progress)
    if as_json:
        print_json(report.as_dict())
        return
    console.print(
        f"完成：重新分词 {report.passages} 个段落，其中 {report.changed} 个有变化，"
        f"用时 {report.seconds:.2f} 秒；索引已重建。"
    )


@contextmanager
def _progress_bar(*, hidden: bool) -> Iterator[ImportProgress]:
    """A progress bar on stderr (only on a terminal) and the callback that moves it."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        transient=True,
        disable=hidden or not err_console.is_terminal,
    ) as bar:
        task = bar.add_task("读取", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        yield progress


def _build_index(platform: Platform, kb_name: str, progress: ImportProgress) -> None:
    """Build (and save) the knowledge base's index now, so the first search is fast."""
    progress("建索引", 0, 1)
    retriever = Retriever(platform.db, platform.settings)
    with platform.db.read() as session:
        retriever.index_for(service.get_kb(session, kb_name, operator()))
    progress("建索引", 1, 1)


@kb.command("docs")
@click.option("--kb", "kb_name", required=True, help="知识库。")
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def kb_docs(kb_name: str, limit: int, as_json: bool) -> None:
    """列出知识库中的文件及其效力状态。"""
    platform = open_platform()
    with platform.db.read() as session:
        docs = service.list_documents(session, operator(), kb_name, limit=limit)
        data = [
            {
                "doc_id": d.key,
                "title": d.title,
                "doc_number": d.doc_number,
                "status": d.status,
                "issued_on": d.issued_on,
                "effective_on": d.effective_on,
                "passages": d.passage_count,
            }
            for d in docs
        ]
    if as_json:
        print_json(data)
        return
    for d in data:
        console.print(f"{d['status']:<5} {d['title']}  {d['doc_number']}  [{d['doc_id']}]")


def _lines(batch: Path) -> Iterator[str]:
    try:
        text = batch.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{batch} 不是 UTF-8 编码的文本文件。") from None
    for line in text.splitlines():
        if line.strip():
            yield line.strip()


def _emit(data: dict[str, object]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


@kb.command("search")
@click.argument("query", required=False)
@click.option("--kb", "kb_name", required=True, help="知识库。")
@click.option("--top-k", default=5, show_default=True, help="返回条数。")
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="批量：每行一个查询，逐行输出 JSON。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def kb_search(
    query: str | None, kb_name: str, top_k: int, batch: Path | None, as_json: bool
) -> None:
    """检索知识库（已废止的文件不会出现，已修改的旧版本排在现行版本之后）。"""
    if (query is None) == (batch is None):
        raise ValidationError("请给出一个查询，或用 --batch 指定查询文件（二者选一）。")
    platform = open_platform()
    retriever = Retriever(platform.db, platform.settings)
    queries = [query] if query is not None else list(_lines(batch))  # type: ignore[arg-type]
    for q in queries:
        result = retriever.search(kb_name, q, operator(), top_k=top_k)
        if batch is not None:
            _emit(result.as_dict())
        elif as_json:
            print_json(result.as_dict())
        else:
            for i, hit in enumerate(result.hits, 1):
                console.print(
                    f"[bold]{i}. {hit.citation}[/bold]（{hit.status}）  得分 {hit.score:.2f}"
                )
                console.print(f"   {hit.text[:160]}")
            if not result.hits:
                console.print("没有找到相关内容。")


def qa_service(platform: Platform) -> QaService:
    return QaService(
        platform.db,
        platform.settings,
        Retriever(platform.db, platform.settings),
        ModelGateway(platform.db, platform.settings),
    )


@click.command("ask")
@click.argument("question", required=False)
@click.option("--kb", "kb_name", required=True, help="知识库。")
@click.option("--provider", default=None, help="模型服务名（默认 GOVAI_DEFAULT_PROVIDER）。")
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='批量：每行一个问题，或 {"question": …, "history": […]}，逐行输出 JSON。',
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
def ask(
    question: str | None, kb_name: str, provider: str | None, batch: Path | None, as_json: bool
) -> None:
    """依据知识库回答问题并注明条款出处；没有依据时如实说明并提示转人工。"""
    if (question is None) == (batch is None):
        raise ValidationError("请给出一个问题，或用 --batch 指定问题文件（二者选一）。")
    platform = open_platform()
    qa = qa_service(platform)
    items: list[tuple[str, list[str]]] = []
    if batch is not None:
        for line in _lines(batch):
            if line.startswith("{"):
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    raise ValidationError(f"批量文件中有一行不是合法的 JSON：{line[:50]}") from None
                items.append(
                    (str(obj.get("question", "")), [str(h) for h in obj.get("history", [])])
                )
            else:
                items.append((line, []))
    else:
        items.append((question or "", []))
    for q, history in items:
        answer = qa.ask(kb_name, q, operator(), history=history, channel="cli", provider=provider)
        if batch is not None:
            _emit(answer.as_dict())
        elif as_json:
            print_json(answer.as_dict())
        else:
            console.print(answer.answer)
            if answer.refused:
                console.print(answer.handoff)
            for c in answer.citations:
                console.print(f"  依据：《{c.title}》{c.clause}（{c.status}）")


@kb.group("lexicon")
def lexicon() -> None:
    """同义词表：内置词表之外，管理员补充的同义词组（第一个词为规范用语）。"""


@lexicon.command("list")
def lexicon_list() -> None:
    """列出管理员补充的同义词组。"""
    platform = open_platform()
    with platform.db.read() as session:
        groups = service.lexicon_groups(session)
        for g in groups:
            console.print(f"{g.id:>4}  {g.terms}  （{g.created_by}，{beijing(g.created_at)}）")
    console.print(f"共 {len(groups)} 组（另有内置词表）。")


@lexicon.command("add")
@click.argument("terms", nargs=-1, required=True)
def lexicon_add(terms: tuple[str, ...]) -> None:
    """新增同义词组，如：govai kb lexicon add 灵活就业 打零工 自由职业。"""
    platform = open_platform()
    with platform.db.session() as session:
        group = service.add_lexicon_group(session, operator(), list(terms))
        console.print(f"已新增同义词组 {group.id}：{group.terms}（检索时立即生效）。")


@lexicon.command("remove")
@click.argument("group_id", type=int)
def lexicon_remove(group_id: int) -> None:
    """删除同义词组。"""
    platform = open_platform()
    with platform.db.session() as session:
        service.remove_lexicon_group(session, operator(), group_id)
    console.print(f"已删除同义词组 {group_id}。")


def register(cli: click.Group) -> None:
    cli.add_command(kb)
    cli.add_command(ask)
