from datetime import timedelta

import pytest
from sqlalchemy import func, select

from govai.accounts import service as acc
from govai.accounts.models import LoginSession, User
from govai.accounts.principal import Principal, cli_principal
from govai.accounts.roles import Role, parse_roles
from govai.demo import ACCOUNTS, DEMO_PASSWORD
from govai.errors import (
    AccountLocked,
    Conflict,
    InvalidCredentials,
    PermissionDenied,
    RoleConflict,
    SessionExpired,
    ValidationError,
)
from govai.governance.models import AuditEntry
from govai.platform import Platform
from govai.storage.base import utcnow

OP = cli_principal("pytest")


def _as(platform: Platform, username: str) -> Principal:
    return acc.login(platform.db, platform.settings, username, DEMO_PASSWORD).principal


def _audit_actions(platform: Platform) -> list[str]:
    with platform.db.session() as s:
        return list(s.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


@pytest.mark.parametrize(
    "roles",
    [
        ("sys_admin", "sec_admin"),
        ("sys_admin", "auditor"),
        ("sec_admin", "auditor"),
        ("系统管理员", "安全审计员"),
    ],
)
def test_no_account_holds_two_of_the_three_administrator_roles(roles: tuple[str, ...]) -> None:
    with pytest.raises(RoleConflict, match="三员分立"):
        parse_roles(roles)


def test_unknown_role_lists_the_choices() -> None:
    with pytest.raises(ValidationError) as err:
        parse_roles(("boss",))
    assert "reviewer" in err.value.message and "安全审计员" in err.value.message


def test_role_conflict_leaves_nothing_written(demo_platform: Platform) -> None:
    before = _audit_actions(demo_platform)
    with pytest.raises(RoleConflict), demo_platform.db.session() as s:
        acc.set_roles(s, OP, "sysadmin", ["sys_admin", "auditor"])
    with demo_platform.db.session() as s:
        assert acc.get_user(s, "sysadmin").roles == {"sys_admin"}
    assert _audit_actions(demo_platform) == before


def test_passwords_are_argon2_hashed(demo_platform: Platform) -> None:
    with demo_platform.db.session() as s:
        user = acc.get_user(s, "staff")
        assert user.password_hash.startswith("$argon2id$")
        assert DEMO_PASSWORD not in user.password_hash


def test_weak_password_is_refused(demo_platform: Platform) -> None:
    with pytest.raises(ValidationError, match="至少"), demo_platform.db.session() as s:
        acc.create_user(
            s, OP, acc.NewUser("weak", "弱", "city", ("staff",), "abc"), demo_platform.settings
        )


def test_duplicate_username_is_a_conflict(demo_platform: Platform) -> None:
    with pytest.raises(Conflict), demo_platform.db.session() as s:
        acc.create_user(
            s,
            OP,
            acc.NewUser("staff", "重复", "city", ("staff",), DEMO_PASSWORD),
            demo_platform.settings,
        )


def test_wrong_password_is_recorded_and_locks_after_the_limit(demo_platform: Platform) -> None:
    limit = demo_platform.settings.login_max_failures
    for _ in range(limit - 1):
        with pytest.raises(InvalidCredentials, match="用户名或密码错误"):
            acc.login(demo_platform.db, demo_platform.settings, "staff", "wrong-password")
    with pytest.raises(AccountLocked, match="锁定"):
        acc.login(demo_platform.db, demo_platform.settings, "staff", "wrong-password")
    # even the right password is refused while locked
    with pytest.raises(AccountLocked):
        acc.login(demo_platform.db, demo_platform.settings, "staff", DEMO_PASSWORD)
    actions = _audit_actions(demo_platform)
    assert actions.count("login.failure") == limit - 1
    assert "login.lockout" in actions and "login.locked" in actions
    with demo_platform.db.session() as s:
        acc.unlock(s, OP, "staff")
    assert acc.login(demo_platform.db, demo_platform.settings, "staff", DEMO_PASSWORD)


def test_unknown_user_gets_the_same_message(demo_platform: Platform) -> None:
    with pytest.raises(InvalidCredentials, match="用户名或密码错误"):
        acc.login(demo_platform.db, demo_platform.settings, "nobody", DEMO_PASSWORD)


def test_idle_session_expires(demo_platform: Platform) -> None:
    result = acc.login(demo_platform.db, demo_platform.settings, "staff", DEMO_PASSWORD)
    assert acc.resume(demo_platform.db, demo_platform.settings, result.token).username == "staff"
    with demo_platform.db.session() as s:
        row = s.get(LoginSession, result.principal.session_id)
        assert row is not None
        row.last_seen_at = utcnow() - timedelta(
            minutes=demo_platform.settings.session_idle_minutes + 1
        )
    with pytest.raises(SessionExpired, match="超时"):
        acc.resume(demo_platform.db, demo_platform.settings, result.token)
    # and it stays expired
    with pytest.raises(SessionExpired):
        acc.resume(demo_platform.db, demo_platform.settings, result.token)
    assert "session.expire" in _audit_actions(demo_platform)


def test_disabling_a_user_ends_their_sessions(demo_platform: Platform) -> None:
    result = acc.login(demo_platform.db, demo_platform.settings, "staff", DEMO_PASSWORD)
    with demo_platform.db.session() as s:
        acc.set_active(s, OP, "staff", False)
    with pytest.raises(SessionExpired):
        acc.resume(demo_platform.db, demo_platform.settings, result.token)
    with pytest.raises(InvalidCredentials):
        acc.login(demo_platform.db, demo_platform.settings, "staff", DEMO_PASSWORD)


def test_dept_admin_manages_only_their_subtree_and_low_roles(demo_platform: Platform) -> None:
    admin = _as(demo_platform, "deptadmin")  # 示范市人力资源和社会保障局
    with demo_platform.db.session() as s:
        acc.create_user(
            s,
            admin,
            acc.NewUser("clerk", "新同事", "city-hrss", ("staff",), DEMO_PASSWORD),
            demo_platform.settings,
        )
    with pytest.raises(PermissionDenied, match="本机构"), demo_platform.db.session() as s:
        acc.create_user(
            s,
            admin,
            acc.NewUser("x1", "外局", "city-hpf", ("staff",), DEMO_PASSWORD),
            demo_platform.settings,
        )
    with pytest.raises(PermissionDenied, match="安全保密管理员"), demo_platform.db.session() as s:
        acc.set_roles(s, admin, "clerk", ["sec_admin"])
    with demo_platform.db.session() as s:
        names = {u.username for u in acc.list_users(s, admin)}
    assert "clerk" in names and "sysadmin" not in names


def test_staff_cannot_manage_users(demo_platform: Platform) -> None:
    staff = _as(demo_platform, "staff")
    with pytest.raises(PermissionDenied), demo_platform.db.session() as s:
        acc.set_active(s, staff, "reviewer", False)


def test_security_admin_grants_any_single_admin_role(demo_platform: Platform) -> None:
    sec = _as(demo_platform, "secadmin")
    with demo_platform.db.session() as s:
        user = acc.set_roles(s, sec, "staff", ["staff", "auditor"])
        assert user.roles == {"staff", "auditor"}


def test_api_token_is_stored_hashed_and_can_be_revoked(demo_platform: Platform) -> None:
    staff = _as(demo_platform, "staff")
    with demo_platform.db.session() as s:
        row, plain = acc.create_token(s, staff, "staff", "集成测试")
        token_id = row.id
        assert row.token_hash != plain and plain not in row.prefix + row.token_hash
    with demo_platform.db.session() as s:
        assert acc.authenticate_token(s, plain).username == "staff"
        acc.revoke_token(s, staff, token_id)
    with pytest.raises(SessionExpired), demo_platform.db.session() as s:
        acc.authenticate_token(s, plain)


def test_org_tree_and_subtree(demo_platform: Platform) -> None:
    with demo_platform.db.session() as s:
        city = acc.get_org(s, "city")
        east = acc.get_org(s, "east-hrss")
        assert east.id in acc.subtree_ids(s, city.id)
        assert (
            acc.org_path(s, east) == "示范省 / 示范市 / 示范市东城区 / 东城区人力资源和社会保障局"
        )
        assert s.execute(select(func.count()).select_from(User)).scalar_one() == len(ACCOUNTS)
    with pytest.raises(ValidationError, match="上级"), demo_platform.db.session() as s:
        acc.create_org(s, OP, code="x", name="第二个根", kind="province")
    with pytest.raises(ValidationError, match="机构类型"), demo_platform.db.session() as s:
        acc.create_org(s, OP, code="x", name="某局", kind="bureau", parent_code="city")


def test_role_enum_labels_are_chinese() -> None:
    assert Role.AUDITOR.label == "安全审计员"


def test_dept_admin_cannot_touch_an_account_holding_a_role_they_cannot_grant(
    demo_platform: Platform,
) -> None:
    with demo_platform.db.session() as s:
        acc.create_user(
            s,
            OP,
            acc.NewUser("hrss-aud", "审计", "city-hrss", ("auditor",), DEMO_PASSWORD),
            demo_platform.settings,
        )
    admin = _as(demo_platform, "deptadmin")
    with pytest.raises(PermissionDenied), demo_platform.db.session() as s:
        acc.set_roles(s, admin, "hrss-aud", ["auditor", "staff"])
    with demo_platform.db.session() as s:
        assert acc.get_user(s, "hrss-aud").roles == {"auditor"}


def test_dept_admin_manages_below_their_org_but_not_their_org_itself(
    demo_platform: Platform,
) -> None:
    admin = _as(demo_platform, "deptadmin")  # 示范市人力资源和社会保障局
    with demo_platform.db.session() as s:
        acc.create_org(
            s, admin, code="hrss-jy", name="就业科", kind="department", parent_code="city-hrss"
        )
        acc.rename_org(s, admin, "hrss-jy", "就业促进科")
    with pytest.raises(PermissionDenied), demo_platform.db.session() as s:
        acc.rename_org(s, admin, "city-hrss", "改名")


def test_duplicate_org_name_under_one_parent_is_a_conflict(demo_platform: Platform) -> None:
    with pytest.raises(Conflict, match="示范市东城区"), demo_platform.db.session() as s:
        acc.create_org(s, OP, code="dup", name="示范市东城区", kind="county", parent_code="city")
    with pytest.raises(Conflict), demo_platform.db.session() as s:
        acc.rename_org(s, OP, "city-hpf", "示范市东城区")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "u\x00x", "控制字符"),
        ("username", "u" * 65, "64"),
        ("display_name", "名" * 101, "100"),
        ("org_code", "", "不存在|不能为空|没有编码"),
    ],
)
def test_bad_account_text_is_refused_before_the_database(
    demo_platform: Platform, field: str, value: str, message: str
) -> None:
    fields = {
        "username": "ok-user",
        "display_name": "某人",
        "org_code": "city",
        "roles": ("staff",),
        "password": DEMO_PASSWORD,
        field: value,
    }
    with (
        pytest.raises((ValidationError, acc.NotFound), match=message),
        demo_platform.db.session() as s,
    ):
        acc.create_user(s, OP, acc.NewUser(**fields), demo_platform.settings)  # type: ignore[arg-type]


def test_org_name_length_and_control_characters(demo_platform: Platform) -> None:
    with pytest.raises(ValidationError, match="200"), demo_platform.db.session() as s:
        acc.create_org(s, OP, code="long", name="局" * 201, kind="department", parent_code="city")
    with pytest.raises(ValidationError, match="控制字符"), demo_platform.db.session() as s:
        acc.create_org(s, OP, code="nul", name="某\x00局", kind="department", parent_code="city")


def test_unknown_usernames_lock_exactly_like_real_ones(demo_platform: Platform) -> None:
    limit = demo_platform.settings.login_max_failures
    outcomes = {}
    for name in ("staff", "no-such-user"):
        seen = []
        for _ in range(limit + 1):
            try:
                acc.login(demo_platform.db, demo_platform.settings, name, "wrong-password")
            except (InvalidCredentials, AccountLocked) as exc:
                seen.append((type(exc).__name__, exc.message.split("至")[0]))
        outcomes[name] = seen
    assert outcomes["staff"] == outcomes["no-such-user"]
    assert outcomes["staff"][-1][0] == "AccountLocked"


def test_token_lifetime_must_be_sensible(demo_platform: Platform) -> None:
    staff = _as(demo_platform, "staff")
    for days in (0, -5, 99_999_999):
        with pytest.raises(ValidationError, match="有效天数"), demo_platform.db.session() as s:
            acc.create_token(s, staff, "staff", "t", days=days)
