import io
import json
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from govai.errors import SourceUnreadable
from govai.knowledge.chunking import split_passages
from govai.knowledge.provenance import Status
from govai.knowledge.sources import (
    SUPPORTED_SUFFIXES,
    ReadResult,
    SourceDocument,
    read_source,
    read_source_bytes,
)


def _only(result: ReadResult) -> SourceDocument:
    assert len(result.documents) == 1
    return result.documents[0]


# --- dispatch ---------------------------------------------------------------------------------


def test_unsupported_suffix_lists_the_supported_ones() -> None:
    with pytest.raises(SourceUnreadable) as info:
        read_source_bytes("名单.pages", b"x")
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in str(info.value)
    assert info.value.detail["supported"] == list(SUPPORTED_SUFFIXES)


def test_old_office_formats_say_how_to_convert() -> None:
    with pytest.raises(SourceUnreadable, match=r"另存为 \.docx"):
        read_source_bytes("通知.doc", b"\xd0\xcf\x11\xe0")
    with pytest.raises(SourceUnreadable, match=r"另存为 \.xlsx"):
        read_source_bytes("问答.XLS", b"\xd0\xcf\x11\xe0")


def test_empty_files_are_refused() -> None:
    for name in ("空.txt", "空.md", "空.jsonl", "空.html"):
        with pytest.raises(SourceUnreadable, match="没有可导入"):
            read_source_bytes(name, b"\n  \n")


def test_read_source_reads_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "办法.txt"
    path.write_text("某市办法\n第一条 内容。", encoding="utf-8")
    doc = _only(read_source(path))
    assert (doc.key, doc.title, doc.text, doc.source_name) == (
        "办法",
        "某市办法",
        "第一条 内容。",
        "办法.txt",
    )
    with pytest.raises(SourceUnreadable, match=r"无法读取文件“不存在\.txt”"):
        read_source(tmp_path / "不存在.txt")


def test_upload_names_keep_only_the_file_name() -> None:
    doc = _only(read_source_bytes("C:\\Users\\张三\\通知.txt", "通知\n正文。".encode()))
    assert doc.source_name == "通知.txt"
    assert doc.key == "通知"


# --- JSONL ------------------------------------------------------------------------------------


def _jsonl(*records: object) -> bytes:
    return "\n".join(
        r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records
    ).encode()


def test_jsonl_reads_documents_with_metadata() -> None:
    data = _jsonl(
        {
            "id": "gjj-2019",
            "title": "住房公积金管理条例",
            "text": "第一条 为了加强对住房公积金的管理。",
            "status": "现行有效",
            "issued_on": "2019-03-24",
            "effective_on": "2019年3月24日",
            "doc_number": "国务院令第710号",
            "issuer": "国务院",
            "region": "全国",
            "category": "行政法规",
            "classification": "公开",
        },
        {"id": 7, "title": "旧办法", "text": "已废止的正文。", "status": "废止", "密级": "内部"},
    )
    result = read_source_bytes("laws.jsonl", data)
    assert result.warnings == []
    first, second = result.documents
    assert first == SourceDocument(
        key="gjj-2019",
        title="住房公积金管理条例",
        text="第一条 为了加强对住房公积金的管理。",
        source_name="laws.jsonl",
        status=Status.CURRENT,
        issued_on=date(2019, 3, 24),
        effective_on=date(2019, 3, 24),
        doc_number="国务院令第710号",
        issuer="国务院",
        region="全国",
        category="行政法规",
        classification="公开",
    )
    assert (second.key, second.status, second.classification) == ("7", Status.REPEALED, "内部")


def test_jsonl_bad_lines_are_warnings_not_fatal() -> None:
    good = {"id": "a", "title": "甲", "text": "正文。"}
    data = _jsonl(
        good,
        "{not json",
        "[1, 2]",
        {"id": "b", "title": "乙"},
        {"id": "c", "title": "丙", "text": "正文。", "status": "大概有效"},
        {"id": "d", "title": "丁", "text": "正文。", "classification": "机密"},
        {"id": "e", "title": "戊", "text": "正文。", "issued_on": "去年"},
        {"id": "a", "title": "重复", "text": "正文。"},
        "",
        {"id": "f", "title": "己", "text": "正文。", "doc_no": "x", "url": "y"},
    )
    result = read_source_bytes("mixed.jsonl", data)
    assert [d.key for d in result.documents] == ["a", "f"]
    warnings = result.warnings
    assert warnings[0] == "第 2 行不是合法的 JSON，已跳过。"
    assert warnings[1] == "第 3 行不是 JSON 对象，已跳过。"
    assert warnings[2] == "第 4 行缺少 text，已跳过。"
    assert warnings[3].startswith("第 5 行：未知的时效状态“大概有效”") and "已废止" in warnings[3]
    assert warnings[4].startswith("第 6 行：未知的数据密级") and warnings[4].endswith("已跳过。")
    assert warnings[5].startswith("第 7 行：无法识别的日期“去年”")
    assert warnings[6] == "第 8 行的 id“a”与第 1 行重复，已跳过。"
    assert warnings[7] == "以下字段无法识别，已忽略：doc_no、url。"
    assert len(warnings) == 8


def test_jsonl_without_any_good_line_is_refused() -> None:
    with pytest.raises(SourceUnreadable) as info:
        read_source_bytes("bad.jsonl", _jsonl("oops", {"id": "x"}))
    assert str(info.value) == (
        "“bad.jsonl”中没有可导入的内容："
        "第 1 行不是合法的 JSON，已跳过；第 2 行缺少 title、text，已跳过。"
    )
    assert len(info.value.detail["warnings"]) == 2
    many = _jsonl(*[f"bad {n}" for n in range(5)])
    with pytest.raises(SourceUnreadable, match=r"第 3 行不是合法的 JSON，已跳过（共 5 个问题）。$"):
        read_source_bytes("many.jsonl", many)


def test_jsonl_field_longer_than_its_column_is_refused() -> None:
    data = _jsonl({"id": "a", "title": "甲", "text": "正文。", "doc_number": "号" * 101})
    with pytest.raises(SourceUnreadable, match="文号（doc_number）不能超过 100 个字符"):
        read_source_bytes("long.jsonl", data)


# --- Markdown and text ------------------------------------------------------------------------

NOTICE_MD = """\
---
文号: 国办发〔2023〕12号
status: 现行有效
effective_on: 2023-06-01
issuer: 国务院办公厅
密级: 内部
---
# 国务院办公厅关于做好就业工作的通知

各省、自治区、直辖市人民政府：
一、总体要求
坚持就业优先。
"""


def test_markdown_front_matter_and_title() -> None:
    doc = _only(read_source_bytes("notice.md", NOTICE_MD.encode()))
    assert doc.title == "国务院办公厅关于做好就业工作的通知"
    assert doc.text == "各省、自治区、直辖市人民政府：\n一、总体要求\n坚持就业优先。"
    assert doc.doc_number == "国办发〔2023〕12号"
    assert doc.issuer == "国务院办公厅"
    assert doc.effective_on == date(2023, 6, 1)
    assert doc.classification == "内部"
    assert doc.key == "notice"


def test_markdown_without_heading_is_titled_by_file_name() -> None:
    doc = _only(read_source_bytes("办事指南.markdown", "## 办理条件\n年满18周岁。".encode()))
    assert doc.title == "办事指南"
    assert doc.text == "## 办理条件\n年满18周岁。"


def test_markdown_unknown_front_matter_key_is_a_warning() -> None:
    text = "---\nauthor: 张三\ntitle: 甲\n---\n正文。"
    result = read_source_bytes("a.md", text.encode())
    assert _only(result).title == "甲"
    assert result.warnings == ["文件开头元数据中的“author: 张三”无法识别，已忽略。"]


def test_markdown_invalid_classification_refuses_the_file() -> None:
    # importing a file marked with an unknown level as the knowledge base default could leak it
    with pytest.raises(SourceUnreadable, match=r"“a\.md”：未知的数据密级") as info:
        read_source_bytes("a.md", "---\n密级: 绝密\n---\n正文。".encode())
    assert "涉密" in str(info.value)


LETTER = """\
人社部发〔2020〕12号
人力资源社会保障部关于做好失业保险稳岗返还工作的通知
各省、自治区、直辖市人力资源社会保障厅（局）：
现就有关事项通知如下。
人力资源社会保障部
2020年3月5日
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_text_in_the_encodings_offices_use(encoding: str) -> None:
    doc = _only(read_source_bytes("letter.txt", LETTER.encode(encoding)))
    assert doc.title == "人力资源社会保障部关于做好失业保险稳岗返还工作的通知"
    assert doc.text.startswith("人社部发〔2020〕12号\n各省、自治区")
    assert doc.doc_number == "人社部发〔2020〕12号"
    assert doc.issued_on == date(2020, 3, 5)


def test_text_whose_first_line_is_a_sentence_is_titled_by_file_name() -> None:
    text = "为了规范管理，现将有关事项通知如下。\n一、总体要求"
    doc = _only(read_source_bytes("说明.txt", text.encode()))
    assert doc.title == "说明"
    assert doc.text == text


def test_binary_data_is_not_read_as_text() -> None:
    with pytest.raises(SourceUnreadable, match="不是文本文件"):
        read_source_bytes("x.txt", b"PK\x03\x04\x00\x00binary")


# --- Word -------------------------------------------------------------------------------------


def _docx(build: object) -> bytes:
    document = docx.Document()
    build(document)  # type: ignore[operator]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_tables_and_title_style() -> None:
    def build(d: docx.document.Document) -> None:
        d.add_paragraph("人社部发〔2020〕12号")
        d.add_paragraph("关于做好失业保险工作的通知", style="Title")
        d.add_heading("一、总体要求", level=1)
        d.add_paragraph("　　坚持稳就业。")
        table = d.add_table(rows=2, cols=3)
        for i, text in enumerate(["事项", "材料", "时限"]):
            table.cell(0, i).text = text
        table.cell(1, 0).merge(table.cell(1, 1)).text = "稳岗返还"
        table.cell(1, 2).text = "5个工作日"
        d.add_paragraph("二、工作要求")
        d.add_paragraph("人力资源社会保障部")
        d.add_paragraph("2020年3月5日")

    doc = _only(read_source_bytes("通知.docx", _docx(build)))
    assert doc.title == "关于做好失业保险工作的通知"
    assert doc.text.splitlines() == [
        "人社部发〔2020〕12号",
        "## 一、总体要求",
        "坚持稳就业。",
        "事项 | 材料 | 时限",
        "稳岗返还 | 5个工作日",
        "二、工作要求",
        "人力资源社会保障部",
        "2020年3月5日",
    ]
    assert doc.doc_number == "人社部发〔2020〕12号"
    assert doc.issued_on == date(2020, 3, 5)
    assert [p.clause for p in split_passages(doc.text)][-2:] == ["一、", "二、"]


def test_docx_title_from_core_properties_or_first_paragraph() -> None:
    def with_core_title(d: docx.document.Document) -> None:
        d.core_properties.title = "居住证办理指南"
        d.add_paragraph("持有人可以享受下列服务。")

    doc = _only(read_source_bytes("a.docx", _docx(with_core_title)))
    assert (doc.title, doc.text) == ("居住证办理指南", "持有人可以享受下列服务。")

    def plain(d: docx.document.Document) -> None:
        d.add_paragraph("居住证暂行条例")
        d.add_paragraph("第一条 为了促进新型城镇化的健康发展，制定本条例。")

    doc = _only(read_source_bytes("b.docx", _docx(plain)))
    assert (doc.title, doc.text) == (
        "居住证暂行条例",
        "第一条 为了促进新型城镇化的健康发展，制定本条例。",
    )


def test_broken_docx_says_how_to_fix_it() -> None:
    with pytest.raises(SourceUnreadable, match=r"另存为 \.docx") as info:
        read_source_bytes("坏.docx", b"this is not a zip file")
    assert info.value.detail["reason"]


# --- PDF --------------------------------------------------------------------------------------


def _pdf(
    pages: list[list[str]], encrypt: StandardEncryption | None = None, width: int = 0
) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for lines in pages:
        y = 800
        for line in lines:
            if line == "<image>":
                pdf.rect(50, 300, 300, 400, fill=1)
                continue
            pdf.setFont("STSong-Light", 12)
            pdf.drawString(50, y, line)
            y -= 20
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_pdf_text_layer_is_reflowed_into_paragraphs() -> None:
    page = [
        "住房公积金管理办法",
        "第一条 为了加强对住房公积金的管理，维护住房公积金所有者的合法权益，促进",
        "城镇住房建设，制定本办法。",
        "第二条 本办法适用于全市。",
        "第三条 缴存基数为职工本人上一年度月平均工资的5%至12%，单位和个人",
        "同比例缴存。",
        "办理网址：https://gjj.example.gov.cn/zwfw/2019/0324/tiqu/index.html。",
        "- 1 -",
    ]
    doc = _only(
        read_source_bytes("办法.pdf", _pdf([page, ["第四条 自发布之日起施行。", "第 2 页"]]))
    )
    assert doc.title == "住房公积金管理办法"
    assert doc.text.splitlines() == [
        "第一条 为了加强对住房公积金的管理，维护住房公积金所有者的合法权益，"
        "促进城镇住房建设，制定本办法。",
        "第二条 本办法适用于全市。",
        # a full line of Latin letters holds more characters than one of Chinese
        "第三条 缴存基数为职工本人上一年度月平均工资的5%至12%，单位和个人同比例缴存。",
        "办理网址：https://gjj.example.gov.cn/zwfw/2019/0324/tiqu/index.html。",
        "第四条 自发布之日起施行。",
    ]
    assert [p.clause for p in split_passages(doc.text)] == ["第一条", "第二条", "第三条", "第四条"]


def test_scanned_pdf_asks_for_ocr() -> None:
    with pytest.raises(SourceUnreadable) as info:
        read_source_bytes("扫描件.pdf", _pdf([["<image>"], ["<image>"]]))
    assert str(info.value) == (
        "“扫描件.pdf”是扫描件或没有文字层，无法提取文字；请先进行文字识别（OCR）后再导入。"
    )


def test_pdf_with_some_scanned_pages_warns_which() -> None:
    result = read_source_bytes(
        "混合.pdf", _pdf([["第一条 内容。"], ["<image>"], ["第二条 内容。"]])
    )
    assert _only(result).text == "第一条 内容。\n第二条 内容。"
    assert result.warnings == ["第 2 页没有文字层（可能是扫描页），这些页的内容未导入。"]


def test_encrypted_pdf() -> None:
    locked = _pdf([["第一条 内容。"]], encrypt=StandardEncryption("user-secret", "owner-secret"))
    with pytest.raises(SourceUnreadable, match=r"加密的 PDF.*去除密码保护"):
        read_source_bytes("加密.pdf", locked)
    # restricted only by an owner password: opens without one, as in any PDF reader
    restricted = _pdf([["第一条 内容。"]], encrypt=StandardEncryption("", "owner-secret"))
    assert _only(read_source_bytes("受限.pdf", restricted)).text == "第一条 内容。"


def test_broken_pdf() -> None:
    with pytest.raises(SourceUnreadable, match="不是有效的 PDF 文件"):
        read_source_bytes("坏.pdf", b"%PDF-1.4\nnot really")


# --- HTML -------------------------------------------------------------------------------------


def test_html_drops_scripts_and_navigation_and_keeps_blocks() -> None:
    page = """<!doctype html><html><head><meta charset="gbk">
    <title>关于开展安全检查的通知_通知公告_某市人民政府</title>
    <style>p { color: red }</style><script>var tracking = 1;</script></head>
    <body><nav><a href="/">首页</a> | <a>政务公开</a></nav>
    <div class="article"><h1>关于开展安全检查的通知</h1>
    <p>一、检查范围</p><p>全市<b>各区</b>的
    在建工地。</p>
    <table><tr><th>时间</th><th>内容</th></tr><tr><td>5月</td><td>自查</td></tr></table>
    <p>二、工作要求<br>各区要认真落实。</p></div></body></html>"""
    doc = _only(read_source_bytes("page.html", page.encode("gbk")))
    assert doc.title == "关于开展安全检查的通知"
    assert doc.text.splitlines() == [
        "一、检查范围",
        "全市各区的 在建工地。",
        "时间 | 内容",
        "5月 | 自查",
        "二、工作要求",
        "各区要认真落实。",
    ]


def test_html_without_title_uses_h1() -> None:
    doc = _only(read_source_bytes("p.htm", "<h1>办事<em>指南</em></h1><p>正文。</p>".encode()))
    assert (doc.title, doc.text) == ("办事指南", "正文。")


# --- FAQ sheets -------------------------------------------------------------------------------


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_faq_with_header_below_a_caption() -> None:
    data = _xlsx(
        {
            "问答": [
                ["公积金常见问题汇编"],
                [],
                ["序号", "问题", "答复", "备注"],
                [1, "如何提取住房公积金？", "持身份证到管理中心办理。", None],
                [None, None, None, None],
                [2, "贷款最高额度是多少？", 600000, ""],
                [3, "没有答案的问题", None, ""],
            ]
        }
    )
    result = read_source_bytes("公积金问答.xlsx", data)
    doc = _only(result)
    assert (doc.key, doc.title) == ("公积金问答", "公积金问答")
    assert doc.faq == [
        ("如何提取住房公积金？", "持身份证到管理中心办理。"),
        ("贷款最高额度是多少？", "600000"),
    ]
    assert (
        doc.text == "问：如何提取住房公积金？\n答：持身份证到管理中心办理。\n\n"
        "问：贷款最高额度是多少？\n答：600000"
    )
    assert result.warnings == ["“公积金问答.xlsx”第 7 行缺少答案，已跳过。"]
    assert [p.clause for p in split_passages(doc.text, faq=doc.faq)] == [
        "问：如何提取住房公积金？",
        "问：贷款最高额度是多少？",
    ]


def test_xlsx_one_document_per_sheet_with_faq_columns() -> None:
    data = _xlsx(
        {
            "社保": [["Question", "Answer"], ["怎么参保？", "到社保经办机构登记。"]],
            "说明": [["本文件由办公室整理"]],
            "医保": [["问", "答"], ["怎么报销？", "持医保卡结算。"]],
        }
    )
    result = read_source_bytes("问答.xlsx", data)
    assert [(d.key, d.title) for d in result.documents] == [
        ("问答/社保", "问答（社保）"),
        ("问答/医保", "问答（医保）"),
    ]
    assert len(result.warnings) == 1 and result.warnings[0].startswith(
        "工作表“说明”中找不到问题列和答案列"
    )


def test_xlsx_without_faq_columns_lists_headers_found_and_accepted() -> None:
    data = _xlsx({"Sheet": [["标题", "正文"], ["甲", "乙"]]})
    with pytest.raises(SourceUnreadable) as info:
        read_source_bytes("表.xlsx", data)
    message = str(info.value)
    assert "（表头：标题、正文）" in message
    assert "问题" in message and "答复" in message and "question" in message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_faq_in_the_encodings_offices_use(encoding: str) -> None:
    text = '问题,答案\r\n如何办理居住证？,"到派出所申领，需提交：\n身份证、居住证明。"\r\n,\r\n'
    doc = _only(read_source_bytes("居住证.csv", text.encode(encoding)))
    assert doc.faq == [("如何办理居住证？", "到派出所申领，需提交：\n身份证、居住证明。")]


def test_csv_without_faq_columns() -> None:
    with pytest.raises(SourceUnreadable, match="找不到问题列和答案列（表头：姓名、电话）"):
        read_source_bytes("通讯录.csv", "姓名,电话\n张三,123\n".encode())


def test_hotline_export_uses_the_message_and_the_reply() -> None:
    text = (
        "留言编号,留言主题,留言详情,答复意见\n"
        "1,公积金,我想提取公积金，需要什么材料？,请携带身份证办理。\n"
    )
    doc = _only(read_source_bytes("12345.csv", text.encode("gb18030")))
    assert doc.faq == [("我想提取公积金，需要什么材料？", "请携带身份证办理。")]
