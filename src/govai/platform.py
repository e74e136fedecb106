"""The composition root: settings plus the database, shared by the CLI and the web app."""

from __future__ import annotations

from dataclasses import dataclass

from govai.errors import ConfigError
from govai.settings import Settings
from govai.storage.db import Database


@dataclass
class Platform:
    settings: Settings
    db: Database

    @classmethod
    def open(cls, settings: Settings | None = None) -> Platform:
        settings = settings or Settings.load()
        settings.home_path.mkdir(parents=True, exist_ok=True)
        return cls(settings=settings, db=Database(settings.database))

    def require_schema(self) -> None:
        if not self.db.has_schema():
            raise ConfigError(
                f"数据库尚未初始化（{self.settings.home_path}）。请先运行 `govai init`。"
            )

    def close(self) -> None:
        self.db.dispose()
