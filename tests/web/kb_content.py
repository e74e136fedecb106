# ruff: noqa: E501  (an article is one line of Markdown, as in the real documents)
"""Small hand-written knowledge bases for the web tests (not the demo's).

- ``citizen`` (示范市, public): a fictional local rule on withdrawing housing provident fund, in
  force, with 第二十四条 on withdrawal after resigning; its superseded 2012 version (已修改); and
  an internal (内部) desk guide that citizens must never see.
- ``hpf-internal`` (示范市住房公积金管理中心, internal): a duty roster rule — not visible to staff
  of the 人社局 (another organisation's line).
- ``hrss-uploads`` (示范市人力资源和社会保障局, internal, empty): where staff of that office upload.
"""

from __future__ import annotations

from govai.accounts.principal import cli_principal
from govai.knowledge import service
from govai.knowledge.importer import import_uploads
from govai.platform import Platform

RULE = """---
id: 示范市/住房公积金提取管理办法
文号: 示范公积金〔2023〕3号
发文机关: 示范市住房公积金管理委员会
成文日期: 2023-04-01
施行日期: 2023-05-01
时效: 现行有效
密级: 公开
---
# 示范市住房公积金提取管理办法

## 第三章 提取

第二十三条 职工提取住房公积金，应当向住房公积金管理中心提出申请，并提供本人身份证件。

第二十四条 职工辞职离开单位、与单位终止劳动关系，未重新就业满六个月的，可以申请提取住房公积金账户内的存储余额。职工离休、退休的，可以提取住房公积金账户内的全部存储余额。

第二十五条 住房公积金管理中心应当自受理提取申请之日起三个工作日内作出准予提取或者不准提取的决定。
"""

OLD_RULE = """---
id: 示范市/住房公积金提取管理办法(2012)
文号: 示范公积金〔2012〕8号
成文日期: 2012-03-01
时效: 已修改
密级: 公开
---
# 示范市住房公积金提取管理办法（2012年）

第二十四条 职工辞职离开单位、与单位终止劳动关系，未重新就业满两年的，可以申请提取住房公积金账户内的存储余额。
"""

DESK_GUIDE = """---
id: 示范市/公积金窗口核验指引
密级: 内部
---
# 公积金窗口核验指引

第三条 窗口人员办理辞职提取时，应当核验离职证明原件，并在内部系统登记绿色通道编号。
"""

DUTY_RULE = """---
id: 示范市/公积金中心值班制度
---
# 公积金中心值班制度

第五条 值班长交接班时，应当当面清点印章和票据，并在值班日志上签字。
"""

PUBLIC_KB = "citizen"
INTERNAL_KB = "hpf-internal"
UPLOAD_KB = "hrss-uploads"


def load_kb_content(platform: Platform) -> None:
    operator = cli_principal("pytest")
    kbs = (
        (PUBLIC_KB, "市民政策问答", "city", True, "公开"),
        (INTERNAL_KB, "公积金中心内部制度", "city-hpf", False, "内部"),
        (UPLOAD_KB, "人社局业务资料", "city-hrss", False, "内部"),
    )
    with platform.db.session() as session:
        for name, title, org, public, level in kbs:
            service.create_kb(
                session, operator, service.NewKnowledgeBase(name, title, org, public, level)
            )
    files = [("rule.md", RULE), ("rule-2012.md", OLD_RULE), ("desk-guide.md", DESK_GUIDE)]
    uploads = [(name, text.encode("utf-8")) for name, text in files]
    report = import_uploads(platform.db, operator, PUBLIC_KB, uploads)
    assert not report.failed, report.as_dict()
    report = import_uploads(platform.db, operator, INTERNAL_KB, [("duty.md", DUTY_RULE.encode())])
    assert not report.failed, report.as_dict()
