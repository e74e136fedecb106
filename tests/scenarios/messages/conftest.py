"""Small labelled message sets written for these tests, and helpers to act as demo accounts."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from govai.accounts import service as accounts
from govai.accounts.models import User
from govai.accounts.principal import Principal, cli_principal
from govai.platform import Platform

OPERATOR = cli_principal("pytest")
HOUSING = "示范市住房和城乡建设局"
TRANSPORT = "示范市交通运输局"
SCHOOLS = "示范市教育局"

TOPICS = {
    HOUSING: (
        ["小区物业", "电梯", "老旧小区改造", "违章搭建", "房产证", "楼顶漏水"],
        [
            "物业不作为，电梯坏了半个月没人修",
            "违建占用消防通道",
            "房产证办了三年还没下来",
            "改造工程拖了一年",
            "楼顶漏水物业推诿",
        ],
    ),
    TRANSPORT: (
        ["公交线路", "出租车", "红绿灯", "道路坑洼", "停车收费", "驾照"],
        [
            "公交车班次太少，等车要四十分钟",
            "出租车拒载绕路",
            "路口红绿灯时间太短",
            "路面坑洼多次发生事故",
            "路边停车乱收费",
        ],
    ),
    SCHOOLS: (
        ["学位", "校车", "课后服务", "教师", "学校收费", "幼儿园"],
        ["孩子入学没有学位", "校车超载很危险", "课后服务乱收费", "老师体罚学生", "幼儿园收费太高"],
    ),
}
PLACES = ["东城区", "西城区", "高新区", "南湖街道", "北山镇"]


def labelled_rows() -> list[tuple[str, str, str]]:
    """(title, text, department): 30 distinct messages per department."""
    rows = []
    for department, (subjects, complaints) in TOPICS.items():
        combos = itertools.product(subjects, complaints, PLACES)
        for subject, complaint, place in itertools.islice(combos, 0, None, 5):
            title = f"{place}{subject}问题"
            text = f"尊敬的领导：我是{place}居民，{complaint}，希望尽快解决{subject}的问题，谢谢！"
            rows.append((title, text, department))
    return rows


def write_export(
    path: Path,
    rows: list[tuple[str, str, str]],
    *,
    label: bool = True,
    start: datetime = datetime(2026, 10, 1, 9, 0),
    step: timedelta = timedelta(hours=7),
    first_id: int = 1000,
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        header = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"]
        out.writerow([*header, "一级分类"] if label else header)
        for i, (title, text, department) in enumerate(rows):
            when = (start + step * i).strftime("%Y/%m/%d %H:%M:%S")
            row = [str(first_id + i), f"U{i:05d}", title, when, text, str(i % 3), "0"]
            out.writerow([*row, department] if label else row)
    return path


@pytest.fixture
def as_user(demo_platform: Platform) -> Callable[[str], Principal]:
    def principal(username: str) -> Principal:
        with demo_platform.db.read() as session:
            user = session.execute(select(User).where(User.username == username)).scalar_one()
            return accounts.principal_for(user, via="session")

    return principal
