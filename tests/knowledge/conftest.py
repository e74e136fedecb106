from __future__ import annotations

from pathlib import Path

import pytest

from govai.accounts import service as accounts
from govai.accounts.principal import Principal, cli_principal
from govai.knowledge import service
from govai.knowledge.importer import import_files
from govai.knowledge.retrieval import Retriever
from govai.platform import Platform

OPERATOR = cli_principal("pytest")

GONGJIJIN = """---
doc_number: 国务院令第710号
issuer: 国务院
issued_on: 2019-03-24
status: 现行有效
---

# 住房公积金管理条例

## 第三章 缴存

第十六条 职工住房公积金的月缴存额为职工本人上一年度月平均工资乘以职工住房公积金缴存比例。

## 第四章 提取和使用

第二十四条 职工有下列情形之一的，可以提取职工住房公积金账户内的存储余额：

（一）购买、建造、翻建、大修自住住房的；

（二）离休、退休的；

（三）完全丧失劳动能力，并与单位终止劳动关系的；

（四）出境定居的。

职工提取住房公积金账户内的存储余额的，所在单位应当予以核实，并出具提取证明。

第二十五条 职工提取住房公积金，应当持提取证明向住房公积金管理中心申请。
"""

OLD_RULES = """---
status: 已废止
---

# 示范市公积金提取旧办法

第一条 职工辞职离职满二年后方可提取住房公积金。
"""

AMENDED = """---
status: 已修改
---

# 住房公积金管理条例（2002年）

第二十四条 职工离休、退休的，可以提取职工住房公积金账户内的存储余额。
"""

INTERNAL = """---
classification: 内部
---

# 热线工单规程

第一条 热线工单应当在受理后两小时内派发至承办单位。
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def user(platform: Platform, username: str) -> Principal:
    with platform.db.read() as session:
        return accounts.principal_for(accounts.get_user(session, username), via="session")


def make_kb(
    platform: Platform, name: str = "kt", *, org: str = "city", public: bool = True
) -> None:
    with platform.db.session() as session:
        service.create_kb(
            session,
            OPERATOR,
            service.NewKnowledgeBase(name, "测试知识库", org, public, "公开" if public else "内部"),
        )


@pytest.fixture
def kb_platform(demo_platform: Platform, tmp_path: Path) -> Platform:
    """The demo platform plus knowledge base ``kt`` (public, city) holding the sample texts."""
    make_kb(demo_platform)
    files = [
        write(tmp_path, "gjj.md", GONGJIJIN),
        write(tmp_path, "old.md", OLD_RULES),
        write(tmp_path, "amended.md", AMENDED),
    ]
    report = import_files(demo_platform.db, OPERATOR, "kt", files)
    assert not report.failed, report.as_dict()
    return demo_platform


@pytest.fixture
def retriever(kb_platform: Platform) -> Retriever:
    return Retriever(kb_platform.db, kb_platform.settings)
