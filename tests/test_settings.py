from pathlib import Path

import pytest

from govai.errors import ConfigError
from govai.settings import SETTINGS, Settings, settings_markdown

DOCS = Path(__file__).parent.parent / "docs" / "settings.md"


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    s = Settings.load({"GOVAI_HOME": str(tmp_path)})
    assert s.port == 8000
    assert s.database == f"sqlite:///{tmp_path.resolve() / 'govai.db'}"
    assert s.default_provider == "extractive"


def test_environment_beats_toml_beats_default(tmp_path: Path) -> None:
    (tmp_path / "govai.toml").write_text(
        '[govai]\nport = 9001\nsite_name = "某市平台"\nsession_idle_minutes = 10\n',
        encoding="utf-8",
    )
    s = Settings.load({"GOVAI_HOME": str(tmp_path), "GOVAI_SESSION_IDLE_MINUTES": "5"})
    assert s.port == 9001
    assert s.site_name == "某市平台"
    assert s.session_idle_minutes == 5


def test_port_variable_sets_port(tmp_path: Path) -> None:
    assert Settings.load({"GOVAI_HOME": str(tmp_path), "PORT": "8123"}).port == 8123


def test_unknown_setting_in_toml_lists_the_valid_names(tmp_path: Path) -> None:
    (tmp_path / "govai.toml").write_text("prot = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Settings.load({"GOVAI_HOME": str(tmp_path)})
    assert "'prot'" in err.value.message
    assert "port" in err.value.message and "govai settings" in err.value.message


def test_secret_setting_refused_from_file(tmp_path: Path) -> None:
    (tmp_path / "govai.toml").write_text(
        'database_url = "postgresql+psycopg://u:pw@h/db"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as err:
        Settings.load({"GOVAI_HOME": str(tmp_path)})
    assert "GOVAI_DATABASE_URL" in err.value.message


def test_secret_is_masked_when_shown(tmp_path: Path) -> None:
    s = Settings.load(
        {"GOVAI_HOME": str(tmp_path), "GOVAI_DATABASE_URL": "postgresql+psycopg://u:pw@h/db"}
    )
    shown = dict(s.public_items())
    assert shown["database_url"] == "******"
    assert "pw" not in repr(s.public_items())


def test_bad_value_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        Settings.load({"GOVAI_HOME": str(tmp_path), "GOVAI_PORT": "eighty"})
    assert "port" in err.value.message and "GOVAI_PORT" in err.value.message


def test_call_log_retention_cannot_go_below_six_months(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        Settings.load({"GOVAI_HOME": str(tmp_path), "GOVAI_CALL_LOG_RETENTION_DAYS": "30"})


def test_broken_toml_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "govai.toml").write_text("port = = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="无法解析"):
        Settings.load({"GOVAI_HOME": str(tmp_path)})


def test_settings_doc_is_generated_from_the_table() -> None:
    assert DOCS.read_text(encoding="utf-8") == settings_markdown(), (
        "docs/settings.md is stale: run `govai settings --markdown > docs/settings.md`"
    )
    for s in SETTINGS:
        assert s.env_var in settings_markdown()
