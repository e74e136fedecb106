"""govai words: the sensitive-word lists (managed by the security administrator)."""

from __future__ import annotations

from pathlib import Path

import click

from govai.cli.common import console, err_console, open_platform, operator
from govai.errors import ValidationError
from govai.gateway import words as wordlists

ACTION = click.Choice(["block", "review"])


@click.group()
def words() -> None:
    """敏感词库：block 拦截，review 放行但标记人工复核。"""


@words.command("add")
@click.argument("word")
@click.option("--list", "list_name", default="default", show_default=True, help="词库名。")
@click.option("--action", type=ACTION, default="block", show_default=True, help="处置方式。")
@click.option("--category", default="", help="分类（可选）。")
def words_add(word: str, list_name: str, action: str, category: str) -> None:
    """新增或修改一个敏感词。"""
    platform = open_platform()
    with platform.db.session() as session:
        outcome = wordlists.add_word(
            session, operator(), word, list_name=list_name, action=action, category=category
        )
    said = {"added": "已新增", "changed": "已修改", "unchanged": "未变化"}[outcome]
    console.print(f"{said}：{word.strip()}（{wordlists.ACTION_LABELS[action]}，词库 {list_name}）")


@words.command("remove")
@click.argument("word")
@click.option("--list", "list_name", default="default", show_default=True, help="词库名。")
def words_remove(word: str, list_name: str) -> None:
    """删除一个敏感词。"""
    platform = open_platform()
    with platform.db.session() as session:
        wordlists.remove_word(session, operator(), word, list_name=list_name)
    console.print(f"已删除：{word.strip()}（词库 {list_name}）")


@words.command("list")
@click.option("--list", "list_name", default=None, help="只列出该词库。")
def words_list(list_name: str | None) -> None:
    """列出敏感词。"""
    platform = open_platform()
    with platform.db.session() as session:
        rows = wordlists.list_words(session, list_name)
    for r in rows:
        console.print(
            f"{r.list_name:<12} {wordlists.ACTION_LABELS.get(r.action, r.action):<6} "
            f"{r.word}  {r.category}"
        )
    console.print(f"共 {len(rows)} 个。")


@words.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "list_name", default="default", show_default=True, help="词库名。")
@click.option("--action", type=ACTION, default="block", show_default=True, help="处置方式。")
def words_import(file: Path, list_name: str, action: str) -> None:
    """从 UTF-8 文本文件导入：每行一个词，# 开头为注释；有问题的行会逐一列出。"""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{file} 不是 UTF-8 编码的文本文件，请转换编码后重试。") from None
    platform = open_platform()
    with platform.db.session() as session:
        report = wordlists.import_words(
            session, operator(), text, list_name=list_name, action=action
        )
    console.print(
        f"导入完成（词库 {list_name}，{wordlists.ACTION_LABELS[action]}）：新增 "
        f"{report.added}，修改 {report.changed}，未变 {report.unchanged}，"
        f"错误行 {len(report.bad_lines)}。"
    )
    for number, line, why in report.bad_lines:
        err_console.print(f"  第 {number} 行 {line.strip()[:40]!r}：{why}")


def register(cli: click.Group) -> None:
    cli.add_command(words)
