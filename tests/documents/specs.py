"""The 公文 specs the documents tests share: one of each format (通知 with attachments and a
版记, 函, 命令, 纪要, a signed 请示), filled in as staff would, and the AI label."""

from __future__ import annotations

from typing import Any

NOTICE: dict[str, Any] = {
    "type": "通知",
    "issuer": "示范市人民政府",
    "doc_number": "示政发〔2026〕12号",
    "title": "示范市人民政府关于做好冬季安全生产工作的通知",
    "recipients": ["各区人民政府", "市政府各部门"],
    "body": "为切实做好今冬明春安全生产工作，现就有关事项通知如下。\n"
    "一、总体要求\n"
    "坚持人民至上、生命至上，统筹发展和安全。\n"
    "（一）压实责任。各区要落实属地管理责任，各部门要落实行业监管责任。\n"
    "1.建立工作台账。\n"
    "（1）每周报送一次。\n"
    "二、工作措施\n"
    "加强隐患排查治理。",
    "attachments": [
        {"name": "安全生产检查表", "body": "一、检查范围\n全市各类企业。"},
        "联系人名单",
    ],
    "date": "2026-11-21",
    "note": "此件公开发布",
    "copy_to": ["市委各部门", "市人大常委会办公室"],
    "printer": "示范市人民政府办公室",
    "print_date": "2026-11-22",
}
LETTER: dict[str, Any] = {
    "type": "函",
    "issuer": "示范市人民政府办公室",
    "doc_number": "示政办函〔2026〕45号",
    "title": "关于商请支持举办营商环境论坛的函",
    "recipients": "示范省商务厅",
    "body": "现就有关事项函商如下。\n盼复。",
    "date": "2026-11-21",
    "copy_to": "市商务局",
    "printer": "示范市人民政府办公室",
    "print_date": "2026-11-21",
}
ORDER: dict[str, Any] = {
    "type": "命令",
    "issuer": "示范市人民政府",
    "doc_number": "第5号",
    "signatory": "李明",
    "signatory_title": "市长",
    "body": "《示范市城市管理办法》已经市人民政府常务会议通过，现予公布。",
    "date": "2026-11-21",
}
MINUTES: dict[str, Any] = {
    "type": "纪要",
    "issuer": {"name": "示范市人民政府", "mark": "示范市人民政府常务会议纪要"},
    "doc_number": "第12期",
    "body": "会议议定如下。\n一、审议通过《示范市城市管理办法》。",
    "attendees": ["李明", "王强", "赵丽"],
    "absentees": "孙伟",
    "observers": ["市政府办公室"],
    "date": "2026-11-21",
}
REQUEST: dict[str, Any] = {
    "type": "请示",
    "issuer": "示范市民政局",
    "doc_number": "示民〔2026〕3号",
    "signatory": ["张三", "李四", "王五"],
    "title": "示范市民政局关于拨付养老服务补贴资金的请示",
    "recipients": "市人民政府",
    "body": "现将有关情况请示如下。\n妥否，请批示。",
    "date": "2026-11-21",
}
LABEL = "本文由人工智能辅助生成，须经人工审核"
