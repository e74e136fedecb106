"""The service catalogue: the gd-portal reader on a project-written sample in the portal's own
field layout (``data/gd_portal_sample.jsonl``: fictional 示范省 items, every time-limit layout
the real export uses plus others portals write, bad and duplicate lines), the free-text readers,
the JSON round trip, the YAML catalogue and the search in a citizen's words."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from govai.approval.catalog import (
    CatalogHit,
    CatalogImport,
    CatalogSearch,
    item_from_dict,
    item_to_dict,
    read_catalog_yaml,
    read_gd_portal,
)
from govai.approval.catalog_search import catalog_synonyms
from govai.approval.catalog_text import extract_legal_basis, parse_materials, parse_time_limit
from govai.approval.items import MaterialSpec, ServiceItem
from govai.errors import SourceUnreadable, ValidationError
from govai.knowledge.index import BM25sBackend, LexicalIndex
from govai.knowledge.text import Lexicon, get_tokenizer

SAMPLE = Path(__file__).parent / "data" / "gd_portal_sample.jsonl"
CODE = "11990000SF000000"  # + two digits: the sample's codes


@pytest.fixture(scope="module")
def sample() -> CatalogImport:
    return read_gd_portal(SAMPLE)


def item(sample: CatalogImport, number: int) -> ServiceItem:
    return next(i for i in sample.items if i.code == f"{CODE}{number:02d}")


# ── time limits ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "working_days", "value", "unit"),
    [
        ("20(工作日)", 20, 20, "工作日"),  # the layout of 1,538 + 1,721 values in the real export
        ("180(工作日)", 180, 180, "工作日"),
        ("20（工作日）", 20, 20, "工作日"),
        ("２０(工作日)", 20, 20, "工作日"),
        ("15个工作日", 15, 15, "工作日"),
        ("二十个工作日", 20, 20, "工作日"),
        ("即办", 0, 0, "即办"),
        ("当场办结", 0, 0, "即办"),
        ("90(自然日)", None, 90, "自然日"),  # the real export's other layout: not working days
        ("30天", None, 30, "天"),
        ("3个月", None, 3, "个月"),
        ("30个自然日", None, 30, "个自然日"),
        ("无", None, None, ""),
        ("", None, None, ""),
        ("尽快办理", None, None, ""),
    ],
)
def test_time_limit_layouts(
    text: str, working_days: int | None, value: int | None, unit: str
) -> None:
    limit = parse_time_limit(text)
    assert (limit.working_days, limit.value, limit.unit) == (working_days, value, unit)


def test_time_limits_of_the_sample(sample: CatalogImport) -> None:
    assert (item(sample, 1).legal_days, item(sample, 1).promised_days) == (20, 10)
    assert (item(sample, 2).legal_days, item(sample, 2).promised_days) == (None, 1)  # 无
    assert (item(sample, 4).legal_days, item(sample, 4).promised_days) == (20, 0)  # 即办
    natural = item(sample, 3)  # 90(自然日) / 30(自然日): kept as text, not converted
    assert (natural.legal_days, natural.promised_days) == (None, None)
    assert natural.extra["handle_time"] == "90(自然日)"
    assert natural.extra["handle_time_limit"] == "30(自然日)"
    assert item(sample, 5).extra["handle_time"] == "3个月"
    assert item(sample, 6).extra["handle_time_limit"] == "尽快办理"
    assert "handle_time" not in item(sample, 1).extra  # converted: no raw copy


# ── legal basis ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("根据《失业保险条例》第十四条规定", ("《失业保险条例》第十四条",)),
        (
            "《中华人民共和国义务教育法》（中华人民共和国主席令第五十二号）第三十九条",
            ("《中华人民共和国义务教育法》第三十九条",),
        ),
        (
            "《广东省实施〈中华人民共和国价格法〉办法》第二十九条",
            ("《广东省实施〈中华人民共和国价格法〉办法》第二十九条",),
        ),
        (
            "符合《广东省实施<中华人民共和国海洋环境保护法>办法》",
            ("《广东省实施〈中华人民共和国海洋环境保护法〉办法》",),
        ),
        (
            "《海域使用管理法》第三十条、《海域使用管理法》第十六条",
            ("《海域使用管理法》第三十条", "《海域使用管理法》第十六条"),
        ),
        ("依照《高等职业学校设置标准（暂行）》", ("《高等职业学校设置标准（暂行）》",)),
        ("《教师法》与《教师法》第三十九条", ("《教师法》第三十九条",)),  # bare title dropped
        ("填写《人口信息查询登记表》并持《实验动物使用许可证》", ()),  # forms and certificates
        ("根据《条例》第二十九条规定", ()),  # which 条例? nothing to cite
        ("《海域使用权争议调解处理办法 》", ("《海域使用权争议调解处理办法》",)),
    ],
)
def test_legal_basis(text: str, expected: tuple[str, ...]) -> None:
    assert extract_legal_basis([text]) == expected


def test_legal_basis_of_the_sample(sample: CatalogImport) -> None:
    assert item(sample, 1).legal_basis == (
        "《中华人民共和国民办教育促进法》第十二条",
        "《示范省职业技能培训管理办法》",
    )
    assert item(sample, 4).legal_basis == ("《失业保险条例》第十四条",)
    assert item(sample, 4).conditions_text.startswith("符合《失业保险条例》第十四条")
    assert item(sample, 2).conditions_text == "无条件受理"  # kept as published


# ── materials ─────────────────────────────────────────────────────────────────


def needs(raw: str | list[str]) -> list[tuple[str, str, str]]:
    specs, _note = parse_materials(raw)
    return [(m.name, m.need, m.condition) for m in specs]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("居民身份证", [("居民身份证", "required", "")]),
        ("消防验收意见（如有）", [("消防验收意见", "optional", "")]),
        ("检测报告(选填)", [("检测报告", "optional", "")]),
        ("授权委托书（委托办理的）", [("授权委托书", "conditional", "委托办理的")]),
        ("农药登记申请表（适用于农药制剂）", [("农药登记申请表", "conditional", "适用于农药制剂")]),
        (
            "水产良种场资格证明材料（省级以上水产良种场才需提供）",
            [("水产良种场资格证明材料", "conditional", "省级以上水产良种场才需提供")],
        ),
        (
            "台站技术参数变更的，需提供新的无线电网络设计方案",
            [("新的无线电网络设计方案", "conditional", "台站技术参数变更的")],
        ),
        (
            "如涉刑律者，须附法院判决书",
            [("法院判决书", "conditional", "如涉刑律者")],
        ),
        (
            "设置于新建港口、航道的，应当附有完整的航标配布图",
            [("完整的航标配布图", "conditional", "设置于新建港口、航道的")],
        ),
        (
            "离退休人员所在单位转制的提供相应的转制文件",
            [("相应的转制文件", "conditional", "离退休人员所在单位转制的")],
        ),
        ("委托他人办理：个人委托书", [("个人委托书", "conditional", "委托他人办理")]),
        (
            "参保人档案材料原件，有工作调动经历的，提供调动材料",
            [
                ("参保人档案材料原件", "required", ""),
                ("调动材料", "conditional", "有工作调动经历的"),
            ],
        ),
        # a generic power of attorney or the agent's papers: needed only when someone else applies
        ("代办委托书", [("代办委托书", "conditional", "委托他人代为办理的")]),
        ("代办人身份证", [("代办人身份证", "conditional", "委托他人代为办理的")]),
        # conservative: anything else stays required
        ("村民代表授权委托书", [("村民代表授权委托书", "required", "")]),
        ("名称使用授权书", [("名称使用授权书", "required", "")]),
        (
            "申请人身份证明文件（含营业执照、授权委托书等）",
            [("申请人身份证明文件（含营业执照、授权委托书等）", "required", "")],
        ),
        (
            "旅行社证明函件和行程计划安排，或个人行程计划安排",
            [("旅行社证明函件和行程计划安排，或个人行程计划安排", "required", "")],
        ),
        (
            "跨市就医往返交通费:往返交通费有效发票",
            [("跨市就医往返交通费:往返交通费有效发票", "required", "")],
        ),
        (
            "授权委托书（深圳市/广州市）",
            [("授权委托书（深圳市/广州市）", "conditional", "委托他人代为办理的")],
        ),
        ("营业执照（深圳市/广州市）", [("营业执照（深圳市/广州市）", "required", "")]),
        (
            "退休证复印件或军官转业证书复印件；",
            [("退休证复印件或军官转业证书复印件", "required", "")],
        ),
        (
            "水域、滩涂界至图；承包经营合同",
            [("水域、滩涂界至图", "required", ""), ("承包经营合同", "required", "")],
        ),
    ],
)
def test_material_wording(entry: str, expected: list[tuple[str, str, str]]) -> None:
    assert needs([entry]) == expected


def test_materials_from_a_numbered_string() -> None:
    text = (
        "1.居民身份证 2.解除或终止劳动合同证明；3.委托他人办理：个人委托书\n"
        "4.非本省户籍的，需提供户口簿"
    )
    assert needs(text) == [
        ("居民身份证", "required", ""),
        ("解除或终止劳动合同证明", "required", ""),
        ("个人委托书", "conditional", "委托他人办理"),
        ("户口簿", "conditional", "非本省户籍的"),
    ]


def test_material_wording_is_kept_and_formats_read() -> None:
    specs, _ = parse_materials(
        ["授权委托书（委托办理的）", "《地球站技术资料申报表》（txt格式）", "代办委托书"]
    )
    assert specs[0].description == "授权委托书（委托办理的）"
    assert specs[1] == MaterialSpec("《地球站技术资料申报表》（txt格式）", file_types=("txt",))
    assert "推断" in specs[2].description  # the inference is said, not hidden


def test_materials_that_would_share_a_name_keep_their_wording() -> None:
    specs, _ = parse_materials(
        ["申请表（新开展移植工作的）", "申请表（已从事移植工作的）", "身份证", "身份证"]
    )
    assert [(m.name, m.need, m.condition) for m in specs] == [
        ("申请表（新开展移植工作的）", "conditional", "新开展移植工作的"),
        ("申请表（已从事移植工作的）", "conditional", "已从事移植工作的"),
        ("身份证", "required", ""),
    ]


def test_no_material_entries(sample: CatalogImport) -> None:
    assert parse_materials("无") == ((), "")
    assert parse_materials([]) == ((), "")
    school = item(sample, 7)
    assert [m.name for m in school.materials] == ["户口簿", "适龄儿童出生医学证明", "居住证"]
    assert school.extra["material_note"] == "非依申请事项，无需提供申请材料"


def test_materials_of_the_sample(sample: CatalogImport) -> None:
    licence = item(sample, 1)
    assert [(m.name, m.need) for m in licence.materials] == [
        ("设立申请书", "required"),
        ("办学场地证明", "required"),
        ("授权委托书", "conditional"),
        ("举办者资产证明", "required"),
        ("章程", "required"),
        ("消防验收意见", "optional"),
    ]
    assert licence.material("授权委托书") == MaterialSpec(
        "授权委托书", "conditional", "委托办理的", description="授权委托书（委托办理的）"
    )
    drawings = item(sample, 6).material("设备布局和工艺流程（PDF格式）")
    assert drawings is not None and drawings.file_types == ("pdf",)


# ── the record as a whole, bad and duplicate lines ────────────────────────────


def test_a_record_is_mapped_field_by_field(sample: CatalogImport) -> None:
    licence = item(sample, 1)
    assert licence.name == "职业技能培训机构设立许可"
    assert licence.department == "示范省人力资源和社会保障厅"
    assert licence.item_type == "行政许可" and licence.is_licence
    assert licence.location == "示范市中山路1号政务服务大厅3号窗口"  # label stripped
    assert licence.phone == "0990-12345678"
    assert licence.url.endswith(licence.code)
    assert licence.area == "示范省"
    assert licence.themes == ("就业创业", "教育科研")
    assert licence.service_objects == ("企业法人", "社会组织法人")
    assert licence.auto_approval is False  # a portal never grants it
    assert licence.source == "gd-portal:gd_portal_sample.jsonl"
    assert licence.extra["aliases"] == "培训学校开办"
    assert licence.extra["ORGCODE"] == "SF0000001"
    assert licence.extra["complain_phone"] == "0990-12345679"
    assert "matter_code" not in licence.extra  # 无
    assert "TASK_STATE" not in licence.extra  # null
    assert all(isinstance(v, str) for i in sample.items for v in i.extra.values())

    online = item(sample, 2)
    assert online.location == "" and online.extra["handle_location"] == "无线下办理窗口"
    assert online.materials == ()

    foreigners = item(sample, 3)
    assert foreigners.phone == "0990-22223333、0990-22224444"  # numbers out of a paragraph
    assert foreigners.extra["consult_phone"].startswith("咨询地址")
    assert foreigners.extra["subTaskName"] == "工作类"
    assert foreigners.extra["aliases"] == "外国人居留许可签发"

    fallback = item(sample, 15)
    assert fallback.name == "仅有事项名称的事项"  # TASK_NAME empty: matter_name
    assert fallback.extra["aliases"] == "目录名称不同的事项"


def test_bad_and_duplicate_lines_are_reported_and_skipped(sample: CatalogImport) -> None:
    skipped = {issue.line: issue for issue in sample.skipped}
    assert sorted(skipped) == [12, 13, 14, 15, 16, 17, 18, 19]
    assert "不是有效的 JSON" in skipped[12].message
    assert "不是一个 JSON 对象" in skipped[13].message
    assert "缺少事项编码" in skipped[14].message
    assert "缺少事项名称" in skipped[15].message
    assert "material_intro" in skipped[16].message
    assert "缺少实施部门" in skipped[17].message
    assert "完全相同" in skipped[18].message and skipped[18].code == f"{CODE}02"
    assert "以后出现的本行为准" in skipped[19].message and "第 8 行" in skipped[19].message
    assert str(skipped[12]).startswith("第 12 行：")
    # the later of two different records with one code wins, in the earlier one's place
    assert item(sample, 8).promised_days == 2
    codes = [i.code for i in sample.items]
    assert len(codes) == len(set(codes))
    assert codes.index(f"{CODE}08") < codes.index(f"{CODE}09")
    # an unknown type is imported as published, with a note that is not a skip
    (note,) = [i for i in sample.issues if not i.skipped]
    assert note.line == 10 and "便民服务" in note.message
    assert item(sample, 10).item_type == "便民服务"


def test_counts(sample: CatalogImport) -> None:
    counts = sample.counts
    assert counts.records == 19  # the blank line is not a record
    assert counts.items == len(sample.items) == 11
    assert (counts.bad, counts.duplicates) == (6, 2)
    assert counts.records == counts.items + counts.bad + counts.duplicates
    assert counts.by_type == {"公共服务": 5, "行政许可": 4, "行政确认": 1, "便民服务": 1}
    limits = [(parse_time_limit(t), parse_time_limit(p)) for t, p in _raw_limits(sample)]
    assert counts.legal_numeric == sum(1 for legal, _ in limits if legal.numeric)
    assert counts.legal_days == sum(1 for i in sample.items if i.legal_days is not None) == 5
    assert counts.promised_days == sum(1 for i in sample.items if i.promised_days is not None) == 8
    assert counts.optional_materials == 1
    assert counts.conditional_materials == sum(
        1 for i in sample.items for m in i.materials if m.need == "conditional"
    )


def _raw_limits(sample: CatalogImport) -> list[tuple[str, str]]:
    """The time-limit fields of the records that became items, read straight from the file."""
    kept = {i.code for i in sample.items}
    found: dict[str, tuple[str, str]] = {}
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("TASK_CODE") in kept:
            found[record["TASK_CODE"]] = (record["handle_time"], record["handle_time_limit"])
    return list(found.values())


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SourceUnreadable, match="无法读取"):
        read_gd_portal(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(SourceUnreadable, match="没有任何记录"):
        read_gd_portal(empty)
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("TASK_CODE,TASK_NAME\nA,B\n", encoding="utf-8")
    with pytest.raises(SourceUnreadable, match="都无法读取"):
        read_gd_portal(garbage)


def test_a_line_that_is_not_utf8_is_skipped(tmp_path: Path) -> None:
    lines = SAMPLE.read_bytes().splitlines()
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + lines[0] + b"\n" + "记录".encode("gbk") + b"\n" + lines[1])
    result = read_gd_portal(path)
    assert [i.code for i in result.items] == [f"{CODE}01", f"{CODE}02"]  # BOM ignored
    assert [(i.line, "UTF-8" in i.message) for i in result.issues] == [(2, True)]


# ── JSON round trip ───────────────────────────────────────────────────────────


def test_json_round_trip(sample: CatalogImport) -> None:
    for original in sample.items:
        stored = json.loads(json.dumps(item_to_dict(original), ensure_ascii=False))
        assert item_from_dict(stored) == original


def test_item_from_dict_lists_every_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        item_from_dict(
            {
                "code": "",
                "name": "某事项",
                "department": ["不是文字"],
                "legal_days": -1,
                "auto_approval": "yes",
                "materials": ["身份证", {"name": "身份证"}, {"name": "照片", "need": "maybe"}],
                "colour": "red",
            }
        )
    problems = caught.value.detail["problems"]
    text = "".join(problems)
    for expected in ("colour", "缺少字段 code", "department", "legal_days", "auto_approval"):
        assert expected in text
    assert "材料“身份证”重复" in text and "maybe" in text
    assert len(problems) == 7


# ── the YAML catalogue ────────────────────────────────────────────────────────

YAML = """\
- code: SF-SYBX-001
  name: 失业保险金申领
  department: 示范市人力资源和社会保障局
  legal_basis: 《失业保险条例》第十四条
  legal_days: 10
  promised_days: 5
  conditions_text: 非因本人意愿中断就业的
  materials:
    - 居民身份证
    - name: 授权委托书
      need: conditional
      condition: 委托他人代为办理的
      file_types: [.PDF, jpg]
- code: SF-JYDJ-001
  name: 就业登记
  department: 示范市人力资源和社会保障局
  stages: [受理, 决定]
  auto_approval: true
"""


def test_yaml_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "items.yaml"
    path.write_text(YAML, encoding="utf-8")
    result = read_catalog_yaml(path)
    first, second = result.items
    assert first.legal_basis == ("《失业保险条例》第十四条",)
    assert first.item_type == "公共服务" and first.stages == ("受理", "审查", "决定", "送达")
    assert first.materials == (
        MaterialSpec("居民身份证"),
        MaterialSpec("授权委托书", "conditional", "委托他人代为办理的", ("pdf", "jpg")),
    )
    assert (first.legal_days, first.promised_days) == (10, 5)
    assert first.source == "yaml:items.yaml"
    assert second.stages == ("受理", "决定") and second.auto_approval is True
    assert result.counts.items == 2 and result.issues == ()
    wrapped = tmp_path / "wrapped.yaml"
    wrapped.write_text("items:\n" + "".join(f"  {line}\n" for line in YAML.splitlines()), "utf-8")
    assert [replace(i, source="") for i in read_catalog_yaml(wrapped).items] == [
        replace(i, source="") for i in result.items
    ]
    for original in result.items:
        assert item_from_dict(item_to_dict(original)) == original


def test_yaml_catalogue_saved_by_windows_in_gb18030_is_read(tmp_path: Path) -> None:
    path = tmp_path / "items.yaml"
    path.write_bytes(YAML.encode("gb18030"))
    assert read_catalog_yaml(path).items[0].name == "失业保险金申领"
    path.write_bytes(b"\x00\x01 binary")
    with pytest.raises(SourceUnreadable, match="不是文本文件"):
        read_catalog_yaml(path)


def test_yaml_catalogue_errors_are_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "items.yaml"
    path.write_text(
        YAML
        + "- code: SF-SYBX-001\n  name: 重复\n  department: 某局\n"
        + "- name: 无编码\n  department: 某局\n  legal_days: 十天\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        read_catalog_yaml(path)
    problems = caught.value.detail["problems"]
    assert problems == [
        "第 3 个事项（SF-SYBX-001）：事项编码与第 1 个事项重复。",
        "第 4 个事项：缺少字段 code。",
        "第 4 个事项：字段 legal_days 应为不小于 0 的整数（工作日），或留空表示未规定。",
    ]
    assert "未导入任何事项" in caught.value.message

    broken = tmp_path / "broken.yaml"
    broken.write_text("- code: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="不是有效的 YAML"):
        read_catalog_yaml(broken)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("就是一句话\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="应为事项列表"):
        read_catalog_yaml(scalar)


DEMO = Path(__file__).parents[2] / "src" / "govai" / "demo" / "catalog" / "items.yaml"


def test_the_demo_catalogue_reads() -> None:
    if not DEMO.exists():
        pytest.skip(f"no demo catalogue at {DEMO} yet")
    result = read_catalog_yaml(DEMO)
    assert result.items
    assert all(i.department and i.materials for i in result.items)


# ── search ────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def search(sample: CatalogImport) -> CatalogSearch:
    return CatalogSearch(sample.items)


def names(hits: list[CatalogHit]) -> list[str]:
    return [hit.item.name for hit in hits]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("我失业了，想领失业金", "失业保险金申领"),
        ("孩子要上小学怎么登记", "义务教育阶段新生入学登记"),
        ("开个小饭馆要办什么证", "食品经营许可（餐饮服务）"),
        ("护照办到哪一步了", "普通护照办证进度查询"),
        ("驾照丢了怎么补", "机动车驾驶证补领"),
        ("想开个店办营业执照", "个体工商户设立登记"),
        ("外国人来这里工作要办居留证吗", "外国人居留许可签发(工作类)"),
    ],
)
def test_a_citizen_finds_the_item_in_their_own_words(
    search: CatalogSearch, question: str, expected: str
) -> None:
    hits = search.search(question, k=3)
    assert names(hits)[0] == expected
    assert hits[0].coverage > 0.5
    assert hits[0].matched and hits[0].fields


def test_a_hit_says_why(search: CatalogSearch) -> None:
    (hit,) = search.search("失业救济金", k=1)
    assert hit.item.name == "失业保险金申领"
    assert "失业保险金" in hit.matched  # the item's word, reached from 失业救济金
    assert hit.fields[0] == "name"
    shown = hit.as_dict()
    assert shown["fields"][0] == "事项名称" and shown["code"] == hit.item.code


def test_the_name_counts_more_than_the_materials(search: CatalogSearch) -> None:
    # 护照 is in one item's name and in another's materials (有效护照或者国际旅行证件)
    first, second = search.search("护照", k=5)
    assert first.item.name == "普通护照办证进度查询" and first.fields[0] == "name"
    assert second.item.name == "外国人居留许可签发(工作类)" and second.fields == ("materials",)
    assert first.score > 2 * second.score
    # 居民身份证 is a material of two items; 代办人身份证 shares a part of it
    hits = search.search("居民身份证", k=5)
    assert set(names(hits[:2])) == {"失业保险金申领", "机动车驾驶证补领"}
    assert names(hits[2:3]) == ["外国人居留许可签发(工作类)"]
    assert all(hit.fields == ("materials",) for hit in hits)


def test_fields_of_equal_weight_are_listed_in_the_same_order_every_run(
    search: CatalogSearch,
) -> None:
    both = [hit.fields for hit in search.search("申请", k=5) if "conditions" in hit.fields]
    assert both and all(f[-2:] == ("materials", "conditions") for f in both)  # 0.5 each


def test_nothing_found_and_coverage(search: CatalogSearch) -> None:
    assert search.search("") == []
    assert search.search("   ") == []
    assert search.search("的了吗") == []  # stop words only
    assert search.search("量子计算机") == []
    weak = search.search("明天天气怎么样，要不要办证", k=5)
    assert all(hit.coverage < 0.5 for hit in weak)
    assert search.search("明天天气怎么样，要不要办证", k=5, min_coverage=0.5) == []
    assert search.search("失业金", k=0) == []


def test_the_longest_phrase_wins() -> None:
    # With an empty knowledge lexicon, only the catalogue map below expands anything.
    tokenizer = get_tokenizer(Lexicon([]))
    synonyms = Lexicon([["营业执照", "执照"], ["机动车驾驶证", "驾驶执照"]])
    items = [
        ServiceItem("A", "个体工商户营业执照核发", "市场监管局"),
        ServiceItem("B", "机动车驾驶证补领", "公安局"),
    ]
    search = CatalogSearch(items, tokenizer=tokenizer, synonyms=synonyms)
    groups, _ = search.query_groups("驾驶执照丢了")
    alternatives = {alt for group in groups for alt in group}
    assert ("机动车驾驶证",) in alternatives
    assert ("营业执照",) not in alternatives  # 执照 inside 驾驶执照 is no 营业执照
    first, second = search.search("驾驶执照丢了")
    assert first.item.code == "B" and first.matched == ("机动车驾驶证", "驾驶")
    assert second.item.code == "A" and second.matched == ("执照",)  # a part of what was typed
    assert names(search.search("执照丢了"))[0] == "个体工商户营业执照核发"


def test_another_backend_through_the_protocol(sample: CatalogImport) -> None:
    class Wrapped:
        """An index that is not the built-in class: searched only through the protocol."""

        def __init__(self, inner: LexicalIndex) -> None:
            self.inner = inner

        def __len__(self) -> int:
            return len(self.inner)

        def search(self, query_tokens, k, weights=None):  # type: ignore[no-untyped-def]
            return self.inner.search(query_tokens, k, weights)

        def search_groups(self, groups, k, weights=None):  # type: ignore[no-untyped-def]
            return self.inner.search_groups(groups, k, weights)

        def save(self, path: Path) -> None:
            self.inner.save(path)

    class WrappingBackend:
        name = "wrapped"

        def build(self, corpus_tokens):  # type: ignore[no-untyped-def]
            return Wrapped(BM25sBackend().build(corpus_tokens))

        def load(self, path: Path) -> LexicalIndex:
            raise NotImplementedError

    builtin = CatalogSearch(sample.items)
    wrapped = CatalogSearch(sample.items, backend=WrappingBackend())
    for question in ("我失业了，想领失业金", "开个小饭馆要办什么证", "驾照丢了"):
        a, b = builtin.search(question), wrapped.search(question)
        assert names(a) == names(b)
        assert np.allclose([h.score for h in a], [h.score for h in b], rtol=1e-5)


def test_the_shipped_colloquial_map() -> None:
    synonyms = catalog_synonyms()
    groups = {group[0]: group[1:] for group in synonyms.groups}
    assert "失业金" in groups["失业保险金"]
    assert "上小学" in groups["入学"]
    assert "饭馆" in groups["餐饮服务"]
    assert all(" " not in term for group in synonyms.groups for term in group)
