import pytest
from click.testing import CliRunner

from govai.cli.main import cli
from govai.demo import DEMO_PASSWORD
from govai.platform import Platform


@pytest.fixture
def run(demo_platform: Platform, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("GOVAI_HOME", demo_platform.settings.home)
    monkeypatch.setenv("GOVAI_DATABASE_URL", demo_platform.settings.database)
    monkeypatch.setenv("NEW_PW", DEMO_PASSWORD)
    return CliRunner()


def test_init_is_idempotent(run: CliRunner) -> None:
    result = run.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert "已是最新版本" in result.output


def test_uninitialised_home_says_what_to_run(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVAI_HOME", str(tmp_path))
    monkeypatch.delenv("GOVAI_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["user", "list"])
    assert result.exit_code == 1
    assert "govai init" in result.output


def test_add_user_and_list(run: CliRunner) -> None:
    result = run.invoke(
        cli,
        [
            "user",
            "add",
            "newbie",
            "--name",
            "新人",
            "--org",
            "city-hpf",
            "--role",
            "staff",
            "--password-env",
            "NEW_PW",
        ],
    )
    assert result.exit_code == 0, result.output
    listing = run.invoke(cli, ["user", "list"])
    assert "newbie" in listing.output and "示范市住房公积金管理中心" in listing.output


def test_role_conflict_is_refused_with_a_chinese_message(run: CliRunner) -> None:
    result = run.invoke(
        cli, ["user", "roles", "sysadmin", "--role", "sys_admin", "--role", "sec_admin"]
    )
    assert result.exit_code == 1
    assert "三员分立" in result.output
    assert "Traceback" not in result.output


def test_unknown_org_names_the_fix(run: CliRunner) -> None:
    result = run.invoke(
        cli, ["user", "add", "x", "--org", "nowhere", "--role", "staff", "--password-env", "NEW_PW"]
    )
    assert result.exit_code == 1
    assert "govai org list" in result.output


def test_token_create_shows_the_token_once(run: CliRunner) -> None:
    created = run.invoke(cli, ["token", "create", "staff", "--name", "工单系统"])
    assert created.exit_code == 0, created.output
    assert "govai_" in created.output
    listing = run.invoke(cli, ["token", "list", "staff"])
    plain = next(w for w in created.output.split() if w.startswith("govai_"))
    assert plain not in listing.output and "工单系统" in listing.output


def test_lock_and_unlock_via_cli(run: CliRunner, demo_platform: Platform) -> None:
    from govai.accounts import service as acc
    from govai.errors import AccountLocked, InvalidCredentials

    for _ in range(demo_platform.settings.login_max_failures):
        with pytest.raises((InvalidCredentials, AccountLocked)):
            acc.login(demo_platform.db, demo_platform.settings, "reviewer", "nope")
    with pytest.raises(AccountLocked):
        acc.login(demo_platform.db, demo_platform.settings, "reviewer", DEMO_PASSWORD)
    assert run.invoke(cli, ["user", "unlock", "reviewer"]).exit_code == 0
    assert acc.login(demo_platform.db, demo_platform.settings, "reviewer", DEMO_PASSWORD)
