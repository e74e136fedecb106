"""What every command group shares: opening the platform, errors, output."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Any

import click
from rich.console import Console

from govai.accounts.principal import Principal, cli_principal
from govai.errors import GovaiError
from govai.platform import Platform

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


class GovaiGroup(click.Group):
    """Turns every :class:`GovaiError` into a one-line Chinese message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GovaiError as exc:
            err_console.print(f"[red]错误：[/red]{exc.message}")
            sys.exit(1)


def open_platform(*, require_schema: bool = True) -> Platform:
    """The platform for this command; its connections are closed when the command ends."""
    platform = Platform.open()
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(platform.close)
    if require_schema:
        platform.require_schema()
    return platform


def operator() -> Principal:
    """The person at the server's shell, recorded in the audit trail as cli:<os user>."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return cli_principal(f"cli:{name}")


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
