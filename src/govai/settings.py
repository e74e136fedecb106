"""The one settings table of govai.

Each :class:`Setting` has a name, a default and a help text; the same table drives the loader,
``govai settings`` (CLI help) and ``docs/settings.md`` (a test keeps that file in step).

A value is read, first match wins, from the environment variable ``GOVAI_<NAME>`` (upper case),
then from ``govai.toml`` (path in ``GOVAI_CONFIG``, else ``$GOVAI_HOME/govai.toml``, else
``./govai.toml``), then the default. Settings marked ``secret`` are read from the environment only
and never written to a file, a log or a page (the pattern of haystack's ``Secret.from_env_var``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govai.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    secret: bool = False

    @property
    def env_var(self) -> str:
        return "GOVAI_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "./var", "Directory for the SQLite database, indexes and files."),
    Setting(
        "database_url",
        "",
        "SQLAlchemy database URL; empty means SQLite at $GOVAI_HOME/govai.db. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/govai. May hold a password, so it is "
        "read from the environment only.",
        secret=True,
    ),
    Setting("host", "127.0.0.1", "Address the web console listens on."),
    Setting("port", 8000, "Port the web console listens on (the variable PORT also sets it)."),
    Setting("site_name", "govai 政务大模型平台", "Name shown in the console header."),
    Setting("session_idle_minutes", 30, "A login session ends after this many idle minutes."),
    Setting("session_max_hours", 12, "A login session ends this many hours after login."),
    Setting("login_max_failures", 5, "Failed logins in a row before an account is locked."),
    Setting("login_lockout_minutes", 15, "How long a locked account stays locked."),
    Setting("password_min_length", 10, "Minimum length of a new password."),
    Setting(
        "cookie_secure",
        False,
        "Send the session cookie only over HTTPS; turn on behind a TLS proxy.",
    ),
    Setting(
        "call_log_retention_days",
        183,
        "Days model-call records are kept; at least 180, the six months of "
        "《人工智能生成合成内容标识办法》.",
    ),
    Setting("default_provider", "extractive", "Model provider used when a scenario names none."),
    Setting("provider_timeout_seconds", 60.0, "Seconds before a model call is abandoned."),
    Setting(
        "content_producer",
        "govai",
        "Name written as ContentProducer/ContentPropagator in the AIGC implicit label.",
    ),
    Setting("index_backend", "bm25s", "Lexical index backend of the knowledge bases."),
    Setting("kb_top_k", 5, "Passages given to the model as evidence for one answer."),
    Setting(
        "kb_embedding_provider",
        "",
        "Model provider for dense retrieval (an OpenAI-compatible /v1/embeddings endpoint, "
        "fused with the lexical ranking by reciprocal rank fusion); empty turns it off.",
    ),
    Setting("kb_embedding_model", "", "Embedding model name sent to that provider."),
    Setting(
        "kb_rerank_provider",
        "",
        "Model provider with a /rerank endpoint that reorders the candidates; empty turns it off.",
    ),
    Setting("kb_rerank_model", "", "Rerank model name sent to that provider."),
    Setting(
        "qa_min_coverage",
        0.5,
        "Share (by IDF weight) of the question's key terms (topic words; a term the knowledge "
        "base lacks weighs as one found in 1 passage in 400) the best passage must contain "
        "before an answer is attempted; below it the question is refused as not covered.",
    ),
    Setting(
        "qa_refusal_text",
        "抱歉，现有政策资料中没有找到能够回答这个问题的依据，暂时无法答复。",
        "Fixed text of a refusal when the knowledge base does not cover the question.",
    ),
    Setting(
        "dispatch_model",
        "default",
        "Name of the dispatch model (`govai dispatch train --model`) whose active version "
        "suggests a department for each new message; empty turns automatic dispatch off.",
    ),
    Setting(
        "dispatch_min_confidence",
        0.7,
        "Probability at or above which a suggested department is applied; below it the message "
        "waits in the human dispatch queue. On the Teddy Cup test split 0.7 routes 91 % of "
        "messages at 95 % accuracy (0.6: 94 % at 94 %).",
    ),
    Setting(
        "dispatch_provider",
        "",
        "Model provider (`govai model list`, a chat model allowed 内部 data) that routes new "
        "messages instead of the trained classifier: through the model gateway it picks one "
        "department of the list (zero-shot), one call per message, made after the message is "
        "saved. Its self-stated confidence is compared with dispatch_min_confidence; an answer "
        "outside the list, a blocked message or a failed call sends the message to the human "
        "dispatch queue. Empty: the trained classifier (dispatch_model). Measure it on your own "
        "routed messages first: `govai dispatch predict --provider`.",
    ),
    Setting(
        "dispatch_departments",
        "",
        "CSV/XLSX file of the departments dispatch_provider chooses from, columns 部门 and 职责 "
        "(each department's duties in a sentence or two); a relative path is under GOVAI_HOME. "
        "Empty: the departments of the active dispatch model, without duties.",
    ),
    Setting(
        "approval_prefill_provider",
        "",
        "Model provider (`govai model list`, a chat model allowed 内部 data: an applicant's "
        "documents are personal data) that pre-fills an application form from an uploaded "
        "document (表单预填: .txt, .md, .docx, or a PDF with a text layer — there is no OCR): "
        "through the model gateway, one call per document, it proposes values for the fields of "
        "the item's rule file, which the applicant checks. A value the rule file would refuse "
        "is left empty with a note. Empty: no pre-filling. Try it with "
        "`govai approval prefill --item CODE FILE`.",
    ),
    Setting(
        "hotspot_window_days",
        90,
        "Messages further apart than this many days are never one hot problem.",
    ),
    Setting(
        "surge_threshold",
        0.01,
        "p-value below which a day's or week's message count counts as a surge against the "
        "same category's, department's or place's own history.",
    ),
    Setting("surge_min_count", 5, "Fewest messages in a day or week that can raise a surge."),
    Setting(
        "surge_per_handler",
        20,
        "Messages one handler clears in a day; sizes the extra handlers an alert suggests.",
    ),
    Setting(
        "alert_webhook_url",
        "",
        "URL that receives each new alert as a JSON POST (e.g. a 政务微信/钉钉 robot relay); "
        "empty sends none.",
    ),
    Setting(
        "qa_handoff_text",
        "如需人工帮助，请拨打 12345 政务服务便民热线，或在工作时间转人工客服。",
        "Hand-off offer shown with every refusal.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _convert(setting: Setting, raw: Any, source: str) -> Any:
    kind = type(setting.default)
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(text)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(
            f"配置项 {setting.name}（来自 {source}）的值 {raw!r} 无效，应为 {kind.__name__} 类型。",
            setting=setting.name,
        ) from None


@dataclass(frozen=True)
class Settings:
    """Resolved settings; attribute access by setting name."""

    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        raise AttributeError(name)

    @property
    def home_path(self) -> Path:
        return Path(self.values["home"]).expanduser().resolve()

    @property
    def database(self) -> str:
        url = str(self.values["database_url"])
        return url or f"sqlite:///{self.home_path / 'govai.db'}"

    def public_items(self) -> list[tuple[str, Any]]:
        """Name/value pairs safe to show: secrets are replaced by a mask."""
        return [
            (s.name, "******" if s.secret and self.values[s.name] else self.values[s.name])
            for s in SETTINGS
        ]

    def replace(self, **changes: Any) -> Settings:
        unknown = set(changes) - set(_BY_NAME)
        if unknown:
            raise ConfigError(_unknown_message(sorted(unknown)[0]))
        return Settings({**self.values, **changes})

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = env.get("GOVAI_HOME", _BY_NAME["home"].default)
        file_values = _read_toml(env, Path(home))
        values: dict[str, Any] = {}
        for s in SETTINGS:
            if s.env_var in env:
                values[s.name] = _convert(s, env[s.env_var], f"环境变量 {s.env_var}")
            elif s.name == "port" and "PORT" in env:
                values[s.name] = _convert(s, env["PORT"], "环境变量 PORT")
            elif s.name in file_values and not s.secret:
                values[s.name] = _convert(s, file_values[s.name], "govai.toml")
            else:
                values[s.name] = s.default
        for name in file_values:
            if name not in _BY_NAME:
                raise ConfigError(_unknown_message(name))
            if _BY_NAME[name].secret:
                raise ConfigError(
                    f"配置项 {name} 含密钥，只能通过环境变量 {_BY_NAME[name].env_var} 设置，"
                    "请从 govai.toml 中删除。"
                )
        if values["call_log_retention_days"] < 180:
            raise ConfigError(
                "call_log_retention_days 不得少于 180 天（模型调用日志至少保存六个月）。"
                "请修改 GOVAI_CALL_LOG_RETENTION_DAYS。"
            )
        return cls(values)


def _unknown_message(name: str) -> str:
    choices = "、".join(s.name for s in SETTINGS)
    return f"没有名为 {name!r} 的配置项。可用的配置项：{choices}。运行 `govai settings` 查看说明。"


def _read_toml(env: Mapping[str, str], home: Path) -> dict[str, Any]:
    if "GOVAI_CONFIG" in env:
        candidates = [Path(env["GOVAI_CONFIG"])]
        if not candidates[0].is_file():
            raise ConfigError(f"找不到 GOVAI_CONFIG 指定的配置文件 {candidates[0]}。")
    else:
        candidates = [home / "govai.toml", Path("govai.toml")]
    for path in candidates:
        if path.is_file():
            try:
                with path.open("rb") as fh:
                    data = tomllib.load(fh)
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"配置文件 {path} 无法解析：{exc}") from None
            section = data.get("govai", data)
            if not isinstance(section, dict):
                raise ConfigError(f"配置文件 {path} 的 [govai] 节格式不正确。")
            return section
    return {}


def settings_markdown() -> str:
    """The settings table as Markdown, for docs/settings.md."""
    lines = [
        "# Settings",
        "",
        "Generated from `govai.settings.SETTINGS` (`govai settings --markdown`); a test keeps it "
        "in step.",
        "",
        "Each setting is read from the environment variable, then `govai.toml` (`[govai]` "
        "section), then the default. Secret settings are read from the environment only.",
        "",
        "| setting | environment variable | default | help |",
        "|---|---|---|---|",
    ]
    for s in SETTINGS:
        default = "(empty)" if s.default == "" else f"`{s.default}`"
        secret = " **Secret: environment only.**" if s.secret else ""
        lines.append(f"| `{s.name}` | `{s.env_var}` | {default} | {s.help}{secret} |")
    return "\n".join(lines) + "\n"
