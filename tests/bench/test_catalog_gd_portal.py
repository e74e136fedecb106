"""The gd-portal reader and the catalogue search on the real Guangdong export (2,262 service
items): every record read or reported, the item types as SOURCE.md counts them, time limits
converted for nearly every record that has a number of working days, and a citizen's questions
finding the right family of items.

Reads /work/shared/data/gd_service_guides (or ``GOVAI_SHARED_DATA``) and skips when it is absent:
the data is never copied into the repository.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from govai.approval.catalog import CatalogImport, CatalogSearch, read_gd_portal
from govai.approval.catalog_text import parse_time_limit

DATA = Path(os.environ.get("GOVAI_SHARED_DATA", "/work/shared/data")) / "gd_service_guides"
GUIDES = DATA / "service_guides.jsonl"


@pytest.fixture(scope="module")
def imported() -> CatalogImport:
    if not GUIDES.exists():
        pytest.skip(
            f"gd_service_guides not found at {GUIDES} (set GOVAI_SHARED_DATA to its parent)"
        )
    return read_gd_portal(GUIDES)


@pytest.fixture(scope="module")
def search(imported: CatalogImport) -> CatalogSearch:
    return CatalogSearch(imported.items)


def raw_records() -> list[dict[str, object]]:
    with GUIDES.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_every_record_is_read_or_reported(imported: CatalogImport) -> None:
    counts = imported.counts
    assert counts.records == 2262
    assert counts.items + counts.bad + counts.duplicates == counts.records
    assert len(imported.skipped) == counts.bad + counts.duplicates
    assert counts.items == len({item.code for item in imported.items})
    assert counts.items >= 2250  # a few bad records would be reported; the export has none


def test_counts_by_type_match_source_md(imported: CatalogImport) -> None:
    # SOURCE.md: 公共服务 1,586, 行政许可 510, 其他行政权力 77, 行政奖励 52, 行政确认 26,
    # 行政给付 8, 行政裁决 3
    assert imported.counts.by_type == {
        "公共服务": 1586,
        "行政许可": 510,
        "其他行政权力": 77,
        "行政奖励": 52,
        "行政确认": 26,
        "行政给付": 8,
        "行政裁决": 3,
    }
    departments = {item.department for item in imported.items}
    assert len(departments) == 177  # SOURCE.md: 177 departments


def test_time_limits_are_converted(imported: CatalogImport) -> None:
    counts = imported.counts
    records = raw_records()
    for field, numeric, converted in (
        ("handle_time", counts.legal_numeric, counts.legal_days),
        ("handle_time_limit", counts.promised_numeric, counts.promised_days),
    ):
        with_number = [r for r in records if any(ch.isdigit() for ch in str(r[field]))]
        assert numeric == len(with_number)
        working = [r for r in with_number if "工作日" in str(r[field])]
        assert converted >= 0.95 * numeric
        assert converted == len(working)  # every working-day value, and nothing else
        assert all(parse_time_limit(str(r[field])).working_days for r in working)


def test_conditions_stay_text_and_materials_stay_mostly_required(imported: CatalogImport) -> None:
    example = next(i for i in imported.items if i.code == "11440000006939756B2440101007000")
    # data_model.json's example record
    assert example.legal_basis == ("《广东省实施〈中华人民共和国价格法〉办法》第二十九条",)
    assert example.conditions_text.startswith(
        "《广东省实施〈中华人民共和国价格法〉办法》第二十九条规定"
    )
    assert (example.legal_days, example.promised_days) == (30, 7)
    assert [m.name for m in example.materials] == ["提价申报申请报告"]
    materials = [m for item in imported.items for m in item.materials]
    conditional = [m for m in materials if m.need != "required"]
    # SOURCE.md: material_intro is present in 809 records
    assert sum(1 for item in imported.items if item.materials) >= 800
    assert 0 < len(conditional) < 0.1 * len(materials)  # conservative: required by default
    assert all(m.condition for m in conditional if m.need == "conditional")
    assert not any(item.auto_approval for item in imported.items)


@pytest.mark.parametrize(
    ("question", "top", "name_has", "department_has"),
    [
        ("我想申请律师执业", 3, ("律师", "执业"), "司法"),
        ("护照办到哪一步了", 3, ("护照", "进度查询"), "公安厅"),
        ("残疾人证丢了怎么补办", 1, ("残疾人证", "补办"), "残疾人联合会"),
        ("评职称的证书丢了怎么办", 1, ("职称", "补发"), "人力资源和社会保障厅"),
        ("结婚登记要预约吗", 1, ("结婚登记", "预约"), "民政厅"),
        ("退伍军人驾照怎么换", 3, ("机动车驾驶证", "退役军人"), "公安局"),
        ("工伤了看病的钱怎么报", 2, ("工伤",), "人力资源和社会保障厅"),
    ],
)
def test_questions_find_the_right_family(
    search: CatalogSearch,
    question: str,
    top: int,
    name_has: tuple[str, ...],
    department_has: str,
) -> None:
    hits = search.search(question, k=top)
    assert len(hits) == top
    for hit in hits:
        assert all(word in hit.item.name for word in name_has), (question, hit.item.name)
        assert department_has in hit.item.department, (question, hit.item.department)
        assert hit.coverage >= 0.5 and hit.matched


def test_no_item_for_what_the_catalogue_lacks(search: CatalogSearch) -> None:
    # The crawl has no unemployment-benefit item: a few items are themed 失业, none matches 失业金
    hits = search.search("我失业了，想领失业金", k=10)
    assert hits and all(hit.coverage <= 0.5 for hit in hits)
    assert search.search("我失业了，想领失业金", k=10, min_coverage=0.75) == []
