"""Data classification levels (公开/内部/敏感/涉密).

Every piece of data and every model request carries a level; every model provider declares the
highest level it may receive. 《政务领域人工智能大模型部署应用指引》: 涉密不上网、上网不涉密 — the
gateway refuses anything above a provider's level, and 涉密 never goes to a non-local model.
"""

from __future__ import annotations

from enum import IntEnum

from govai.errors import ValidationError


class Level(IntEnum):
    PUBLIC = 0
    INTERNAL = 1
    SENSITIVE = 2
    SECRET = 3

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def parse(cls, value: str | int | Level) -> Level:
        if isinstance(value, Level):
            return value
        if isinstance(value, int):
            try:
                return cls(value)
            except ValueError:
                pass
        text = str(value).strip()
        for level, label in _LABELS.items():
            if text in (label, level.name.lower(), level.name):
                return level
        choices = "、".join(_LABELS.values())
        raise ValidationError(f"未知的数据密级 {value!r}，可选：{choices}。", value=str(value))


_LABELS = {
    Level.PUBLIC: "公开",
    Level.INTERNAL: "内部",
    Level.SENSITIVE: "敏感",
    Level.SECRET: "涉密",
}

LEVEL_LABELS: tuple[str, ...] = tuple(_LABELS.values())
