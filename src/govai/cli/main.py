"""Entry point of the ``govai`` command; each group lives in its own module."""

from __future__ import annotations

import click

from govai import __version__
from govai.cli import (
    accounts,
    approval,
    audit,
    drafting,
    kb,
    messages,
    models,
    process,
    rules,
    system,
    words,
)
from govai.cli.common import GovaiGroup


@click.group(cls=GovaiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govai")
def cli() -> None:
    """govai 政务大模型平台：初始化、运行与管理。

    数据目录由 GOVAI_HOME 指定（默认 ./var），配置见 `govai settings`。
    """


for module in (
    system,
    accounts,
    audit,
    models,
    words,
    kb,
    messages,
    approval,
    rules,
    process,
    drafting,
):
    module.register(cli)
