"""The service catalogue (办事事项目录): reading it from portal exports and from the project's
own YAML, and storing items as JSON.

Three ways in, one shape out (:class:`~govai.approval.items.ServiceItem`):

* :func:`read_gd_portal` reads the JSON-lines export of the Guangdong government service portal
  (广东政务服务网 办事指南: ``TASK_CODE``, ``TASK_NAME``, ``DEPT_NAME``, ``accept_standard``,
  ``material_intro``, ``handle_time``, ``handle_time_limit`` …; one record per line). What a
  portal publishes is free text written by many hands, so the reader is conservative: the
  acceptance conditions stay text for a reviewer to read and are never decided by a machine; a
  material is required unless its own wording says otherwise; a time limit that is not in
  working days is not guessed into working days. A record that cannot be read is reported with
  its line number and a reason in Chinese and skipped; the rest of the file still imports.
* :func:`read_catalog_yaml` reads the catalogue format the project and departments write by
  hand (the demo city's ``demo/catalog/items.yaml``). A hand-written file is expected to be
  right, so every problem in it is listed at once in one :class:`~govai.errors.ValidationError`
  and nothing is imported.
* :func:`item_to_dict` / :func:`item_from_dict` turn an item into plain JSON values and back,
  for the scenario's database column; ``item_from_dict(item_to_dict(x)) == x``.

Searching the catalogue in a citizen's own words is :class:`CatalogSearch`
(:mod:`govai.approval.catalog_search`, re-exported here).

Mapping of a gd-portal record
-----------------------------
============================ ===========================================================
portal field                 ServiceItem
============================ ===========================================================
TASK_CODE                    ``code`` (required; a later record with the same code wins)
TASK_NAME (else matter_name) ``name`` (required)
DEPT_NAME                    ``department`` (required)
TASK_TYPE_TEXT (matter_type) ``item_type``
handle_time                  ``legal_days`` (法定办结时限) — only ``N(工作日)`` and 即办
handle_time_limit            ``promised_days`` (承诺办结时限) — likewise
accept_standard              ``conditions_text``, as published
material_intro               ``materials`` (see :mod:`~govai.approval.catalog_text`)
《…》 in any text field      ``legal_basis``: names of laws and normative documents, with
                             the article (第…条) where one follows the title
service_object_name          ``service_objects``
theme_category               ``themes``
handle_location              ``location``, without the "办理地点：" label
consult_phone                ``phone`` (the numbers only when the field is a paragraph)
URL                          ``url``
AREA_CODE_TEXT               ``area``
matter_name, matter_short,   ``extra["aliases"]``: the other names of the item (事项名称,
matter_daily, CATANAME,      简称, 俗称, 目录名称), ``；``-separated, which the search
parentCatalogName,           reads too
subCatalogName
anything else                ``extra[field]`` as text (lists joined with ``、``)
============================ ===========================================================

"无" and empty values become empty. A time limit the reader does not convert (``90(自然日)``,
``3个月``, anything unexpected) leaves the days ``None`` and keeps the raw text in
``extra["handle_time"]`` / ``extra["handle_time_limit"]``; natural days are not working days and
converting them needs a start date, which the deadline calculator has and the catalogue does not.

Materials, time limits and legal basis are read from the published text by
:mod:`govai.approval.catalog_text` (its module notes say how).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast

from govai.approval.catalog_search import CatalogHit, CatalogSearch
from govai.approval.catalog_text import (
    TimeLimit,
    clean_value,
    extract_legal_basis,
    parse_materials,
    parse_time_limit,
)
from govai.approval.items import (
    DEFAULT_STAGES,
    ITEM_TYPES,
    MATERIAL_NEEDS,
    MaterialNeed,
    MaterialSpec,
    ServiceItem,
)
from govai.errors import SourceUnreadable, ValidationError
from govai.tabular import decode_text

__all__ = [
    "CatalogCounts",
    "CatalogHit",
    "CatalogImport",
    "CatalogIssue",
    "CatalogSearch",
    "TimeLimit",
    "extract_legal_basis",
    "item_from_dict",
    "item_to_dict",
    "parse_materials",
    "parse_time_limit",
    "read_catalog_yaml",
    "read_gd_portal",
]

GD_PORTAL_SOURCE = "gd-portal"

# ── results ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class CatalogIssue:
    """Something a reader reports about one record: ``line`` is the 1-based line of the file
    (the item's position for YAML), ``message`` the reason in Chinese. ``skipped`` says whether
    the record was left out (a bad record, or one replaced by a later duplicate)."""

    line: int
    message: str
    code: str = ""
    skipped: bool = True

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


@dataclass(frozen=True)
class CatalogCounts:
    """What an import found. ``records`` counts non-blank lines; ``items`` the items returned;
    ``bad`` the records skipped as unreadable; ``duplicates`` the records dropped because a later
    record had the same code. ``*_numeric`` counts records whose time limit field holds a number
    of days in any unit, ``*_days`` those converted to working days."""

    records: int = 0
    items: int = 0
    bad: int = 0
    duplicates: int = 0
    by_type: Mapping[str, int] = field(default_factory=dict)
    legal_numeric: int = 0
    legal_days: int = 0
    promised_numeric: int = 0
    promised_days: int = 0
    materials: int = 0
    conditional_materials: int = 0
    optional_materials: int = 0


@dataclass(frozen=True)
class CatalogImport:
    """The items read from one file, what was reported about its records, and counts."""

    items: tuple[ServiceItem, ...]
    issues: tuple[CatalogIssue, ...]
    counts: CatalogCounts
    source: str = ""

    @property
    def skipped(self) -> tuple[CatalogIssue, ...]:
        return tuple(issue for issue in self.issues if issue.skipped)


# ── the gd-portal reader ──────────────────────────────────────────────────────

_LOCATION_LABEL_RE = re.compile(r"^(?:办理地点|办理地址|受理地点)\s*[：:]\s*")
_PHONE_RE = re.compile(
    r"(?:0\d{2,3}[-－–]?)?\d{7,8}(?:[-－–]\d{1,4}|转\d{1,5})?|\b\d{5}\b|1[3-9]\d{9}"
)
_PHONE_MAX = 60

# Fields mapped to ServiceItem fields (kept nowhere else), and fields that hold nothing.
_MAPPED = frozenset(
    {
        "TASK_CODE",
        "TASK_NAME",
        "DEPT_NAME",
        "TASK_TYPE_TEXT",
        "matter_type",
        "accept_standard",
        "material_intro",
        "service_object_name",
        "theme_category",
        "URL",
        "AREA_CODE_TEXT",
    }
)
_ALIAS_FIELDS = (
    "matter_name",
    "matter_short",
    "matter_daily",
    "CATANAME",
    "parentCatalogName",
    "subCatalogName",
)
_STRING_FIELDS = ("TASK_CODE", "TASK_NAME", "matter_name", "DEPT_NAME", "TASK_TYPE_TEXT")
_LIST_FIELDS = ("theme_category", "service_object_name")


def _texts(values: Sequence[object]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in map(clean_value, values) if t))


class _BadRecord(Exception):
    """A record that cannot become an item; the message is the Chinese reason."""


def _check_types(record: Mapping[str, Any]) -> None:
    for name in _STRING_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise _BadRecord(f"字段 {name} 应为文字，实为 {type(value).__name__}")
    for name in _LIST_FIELDS:
        value = record.get(name)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise _BadRecord(f"字段 {name} 应为文字列表")
    materials = record.get("material_intro")
    if materials is not None and not (
        isinstance(materials, str)
        or (isinstance(materials, list) and all(isinstance(v, str) for v in materials))
    ):
        raise _BadRecord("字段 material_intro 应为文字或文字列表")


def _phone(raw: str) -> str:
    if len(raw) <= _PHONE_MAX:
        return raw
    return "、".join(dict.fromkeys(m.group(0) for m in _PHONE_RE.finditer(raw)))


def _gd_item(record: Mapping[str, Any], source: str) -> tuple[ServiceItem, TimeLimit, TimeLimit]:
    """One portal record as an item, with its two parsed time limits (for the counts)."""
    _check_types(record)
    code = clean_value(record.get("TASK_CODE"))
    if not code:
        raise _BadRecord("缺少事项编码（TASK_CODE）")
    if any(ch.isspace() for ch in code):
        raise _BadRecord(f"事项编码“{code}”含有空白字符")
    name = clean_value(record.get("TASK_NAME")) or clean_value(record.get("matter_name"))
    if not name:
        raise _BadRecord("缺少事项名称（TASK_NAME 与 matter_name 均为空）")
    department = clean_value(record.get("DEPT_NAME"))
    if not department:
        raise _BadRecord("缺少实施部门（DEPT_NAME）")
    item_type = clean_value(record.get("TASK_TYPE_TEXT")) or clean_value(record.get("matter_type"))

    extra: dict[str, str] = {}
    aliases = [a for a in (clean_value(record.get(f)) for f in _ALIAS_FIELDS) if a and a != name]
    if aliases:
        extra["aliases"] = "；".join(dict.fromkeys(aliases))

    legal = parse_time_limit(str(record.get("handle_time") or ""))
    promised = parse_time_limit(str(record.get("handle_time_limit") or ""))
    raw_materials = record.get("material_intro") or ()
    materials, material_note = parse_materials(cast("str | list[str]", raw_materials))
    if material_note:
        extra["material_note"] = material_note
    conditions = clean_value(record.get("accept_standard"))
    material_texts = [raw_materials] if isinstance(raw_materials, str) else list(raw_materials)
    legal_basis = extract_legal_basis(
        [conditions, name, clean_value(record.get("subTaskName")), *material_texts]
    )
    location_raw = clean_value(record.get("handle_location"))
    location = _LOCATION_LABEL_RE.sub("", location_raw)
    if location.startswith("无"):  # 无线下办理窗口: online only
        location = ""
    phone_raw = clean_value(record.get("consult_phone"))
    phone = _phone(phone_raw)

    for key, value in record.items():
        if key in _MAPPED or key in _ALIAS_FIELDS:
            continue
        if key == "handle_time" and legal.working_days is not None:
            continue
        if key == "handle_time_limit" and promised.working_days is not None:
            continue
        if key == "handle_location" and (location or not location_raw):
            continue
        if key == "consult_phone" and phone == phone_raw:
            continue
        if isinstance(value, list):
            text = "、".join(_texts(value))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = str(value)
        else:
            text = clean_value(value)
        if text:
            extra[key] = text

    item = ServiceItem(
        code=code,
        name=name,
        department=department,
        item_type=item_type or "公共服务",
        legal_basis=legal_basis,
        materials=materials,
        conditions_text=conditions,
        legal_days=legal.working_days,
        promised_days=promised.working_days,
        area=clean_value(record.get("AREA_CODE_TEXT")),
        service_objects=_texts(record.get("service_object_name") or ()),
        themes=_texts(record.get("theme_category") or ()),
        location=location,
        phone=phone,
        url=clean_value(record.get("URL")),
        source=source,
        extra=extra,
    )
    return item, legal, promised


def _lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """Non-blank lines with their numbers; ``None`` for a line that is not UTF-8."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceUnreadable(
            f"无法读取事项目录文件 {path}（{exc.strerror or exc.__class__.__name__}）。",
            file=str(path),
        ) from exc
    with handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, None
                continue
            if line.strip():
                yield number, line


def _fingerprint(item: ServiceItem) -> str:
    """The item's content without the export's own record id, to recognise a repeated record."""
    data = item_to_dict(item)
    data["extra"] = {k: v for k, v in item.extra.items() if k != "_id"}
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def read_gd_portal(path: Path | str) -> CatalogImport:
    """Read a Guangdong portal export (JSON lines) into items; see the module notes.

    Bad records are reported and skipped; of two records with the same code the later one is
    kept (an export lists an item again after it changed) and the earlier one is reported.
    Raises :class:`~govai.errors.SourceUnreadable` only when the file cannot be opened or holds
    no record at all.
    """
    path = Path(path)
    source = f"{GD_PORTAL_SOURCE}:{path.name}"
    items: dict[str, tuple[int, ServiceItem]] = {}
    issues: list[CatalogIssue] = []
    records = bad = duplicates = 0
    limits: dict[str, tuple[TimeLimit, TimeLimit]] = {}
    for number, line in _lines(path):
        records += 1
        try:
            if line is None:
                raise _BadRecord("不是 UTF-8 编码的文字")
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _BadRecord(f"不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）") from None
            if not isinstance(record, dict):
                raise _BadRecord("不是一个 JSON 对象（应为一条事项记录）")
            item, legal, promised = _gd_item(record, source)
        except _BadRecord as exc:
            bad += 1
            issues.append(CatalogIssue(number, f"{exc}，已跳过。"))
            continue
        earlier = items.get(item.code)
        if earlier is not None:
            duplicates += 1
            if _fingerprint(earlier[1]) == _fingerprint(item):
                message = f"事项编码 {item.code} 与第 {earlier[0]} 行的记录完全相同，已忽略本行。"
                issues.append(CatalogIssue(number, message, item.code))
                continue
            message = (
                f"事项编码 {item.code} 与第 {earlier[0]} 行重复，内容不同：以后出现的本行为准，"
                f"第 {earlier[0]} 行的记录未导入。"
            )
            issues.append(CatalogIssue(number, message, item.code))
        if item.item_type not in ITEM_TYPES:
            message = (
                f"事项类型“{item.item_type}”不在国家事项类型（{'、'.join(ITEM_TYPES)}）之中；"
                "已按原文导入，请核对。"
            )
            issues.append(CatalogIssue(number, message, item.code, skipped=False))
        items[item.code] = (number, item)
        limits[item.code] = (legal, promised)
    if records == 0:
        raise SourceUnreadable(f"事项目录文件 {path} 中没有任何记录。", file=str(path))
    kept = tuple(entry[1] for entry in items.values())
    if not kept:
        raise SourceUnreadable(
            f"事项目录文件 {path} 的 {records} 条记录都无法读取（第一条原因：{issues[0]}）。"
            "请确认文件是广东政务服务网导出的 JSON lines（每行一条事项）。",
            file=str(path),
        )
    all_materials = [m for item in kept for m in item.materials]
    counts = CatalogCounts(
        records=records,
        items=len(kept),
        bad=bad,
        duplicates=duplicates,
        by_type=dict(Counter(item.item_type for item in kept).most_common()),
        legal_numeric=sum(1 for legal, _ in limits.values() if legal.numeric),
        legal_days=sum(1 for legal, _ in limits.values() if legal.working_days is not None),
        promised_numeric=sum(1 for _, promised in limits.values() if promised.numeric),
        promised_days=sum(1 for _, p in limits.values() if p.working_days is not None),
        materials=len(all_materials),
        conditional_materials=sum(1 for m in all_materials if m.need == "conditional"),
        optional_materials=sum(1 for m in all_materials if m.need == "optional"),
    )
    return CatalogImport(kept, tuple(issues), counts, source)


# ── JSON values ───────────────────────────────────────────────────────────────

_ITEM_FIELDS = tuple(f.name for f in fields(ServiceItem))
_MATERIAL_FIELDS = tuple(f.name for f in fields(MaterialSpec))
_TEXT_TUPLES = ("legal_basis", "stages", "service_objects", "themes")
_TEXTS: tuple[str, ...] = (
    "code",
    "name",
    "department",
    "item_type",
    "conditions_text",
    "area",
    "location",
    "phone",
    "url",
    "source",
)


def item_to_dict(item: ServiceItem) -> dict[str, Any]:
    """``item`` as JSON values (tuples become lists), every field present."""
    return {
        "code": item.code,
        "name": item.name,
        "department": item.department,
        "item_type": item.item_type,
        "legal_basis": list(item.legal_basis),
        "materials": [
            {
                "name": m.name,
                "need": m.need,
                "condition": m.condition,
                "file_types": list(m.file_types),
                "description": m.description,
            }
            for m in item.materials
        ],
        "conditions_text": item.conditions_text,
        "legal_days": item.legal_days,
        "promised_days": item.promised_days,
        "stages": list(item.stages),
        "auto_approval": item.auto_approval,
        "area": item.area,
        "service_objects": list(item.service_objects),
        "themes": list(item.themes),
        "location": item.location,
        "phone": item.phone,
        "url": item.url,
        "source": item.source,
        "extra": dict(item.extra),
    }


class _Problems:
    """Collects every problem of a mapping, so one error lists them all (一次性告知)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.found: list[str] = []

    def add(self, message: str) -> None:
        self.found.append(f"{self.where}{message}")

    def text(self, data: Mapping[str, Any], key: str, *, required: bool = False) -> str:
        value = data.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.add(f"字段 {key} 应为文字。")
            return ""
        value = str(value).strip()
        if required and not value:
            self.add(f"缺少字段 {key}。")
        return value

    def texts(self, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(f"字段 {key} 应为文字列表。")
            return ()
        return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))

    def days(self, data: Mapping[str, Any], key: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.add(f"字段 {key} 应为不小于 0 的整数（工作日），或留空表示未规定。")
            return None
        return value


def _material_from(value: object, problems: _Problems) -> MaterialSpec | None:
    if isinstance(value, str):
        return MaterialSpec(name=value.strip()) if value.strip() else None
    if not isinstance(value, Mapping):
        problems.add("材料应为材料名称，或含 name、need、condition 等字段的映射。")
        return None
    unknown = sorted(set(map(str, value)) - set(_MATERIAL_FIELDS))
    if unknown:
        problems.add(
            f"材料有未知字段 {'、'.join(unknown)}——可用字段：{'、'.join(_MATERIAL_FIELDS)}。"
        )
    name = problems.text(value, "name", required=True)
    need = problems.text(value, "need") or "required"
    if need not in MATERIAL_NEEDS:
        problems.add(f"材料“{name}”的 need 为“{need}”——应为 {'、'.join(MATERIAL_NEEDS)} 之一。")
        need = "required"
    types = tuple(t.lower().lstrip(".") for t in problems.texts(value, "file_types"))
    if not name:
        return None
    return MaterialSpec(
        name=name,
        need=cast(MaterialNeed, need),
        condition=problems.text(value, "condition"),
        file_types=types,
        description=problems.text(value, "description"),
    )


def _item_from(data: object, problems: _Problems) -> ServiceItem | None:
    if not isinstance(data, Mapping):
        problems.add("应为一个映射（字段名: 值）。")
        return None
    unknown = sorted(set(map(str, data)) - set(_ITEM_FIELDS))
    if unknown:
        problems.add(f"有未知字段 {'、'.join(unknown)}——可用字段：{'、'.join(_ITEM_FIELDS)}。")
    texts = {
        key: problems.text(data, key, required=key in ("code", "name", "department"))
        for key in _TEXTS
    }
    tuples = {key: problems.texts(data, key) for key in _TEXT_TUPLES}
    raw_materials = data.get("materials") or []
    materials: list[MaterialSpec] = []
    if not isinstance(raw_materials, list):
        problems.add("字段 materials 应为材料列表。")
        raw_materials = []
    for raw in raw_materials:
        spec = _material_from(raw, problems)
        if spec is None:
            continue
        if any(m.name == spec.name for m in materials):
            problems.add(f"材料“{spec.name}”重复；同一事项的材料名称须各不相同。")
            continue
        materials.append(spec)
    auto = data.get("auto_approval", False)
    if not isinstance(auto, bool):
        problems.add("字段 auto_approval 应为 true 或 false。")
        auto = False
    extra = data.get("extra") or {}
    if not isinstance(extra, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in extra.items()
    ):
        problems.add("字段 extra 应为“文字: 文字”的映射。")
        extra = {}
    return ServiceItem(
        code=texts["code"],
        name=texts["name"],
        department=texts["department"],
        item_type=texts["item_type"] or "公共服务",
        legal_basis=tuples["legal_basis"],
        materials=tuple(materials),
        conditions_text=texts["conditions_text"],
        legal_days=problems.days(data, "legal_days"),
        promised_days=problems.days(data, "promised_days"),
        stages=tuples["stages"] or DEFAULT_STAGES,
        auto_approval=auto,
        area=texts["area"],
        service_objects=tuples["service_objects"],
        themes=tuples["themes"],
        location=texts["location"],
        phone=texts["phone"],
        url=texts["url"],
        source=texts["source"],
        extra=dict(extra),
    )


def item_from_dict(data: Mapping[str, Any]) -> ServiceItem:
    """The item :func:`item_to_dict` made (or a hand-written mapping of the same fields).

    Raises :class:`~govai.errors.ValidationError` listing every problem at once.
    """
    problems = _Problems("")
    item = _item_from(data, problems)
    if problems.found or item is None:
        raise ValidationError("事项数据有误：" + "".join(problems.found), problems=problems.found)
    return item


# ── the project's YAML catalogue ──────────────────────────────────────────────


def read_catalog_yaml(path: Path | str) -> CatalogImport:
    """Read a hand-written catalogue: a YAML list of items (or a mapping with an ``items``
    list), each a mapping of :class:`~govai.approval.items.ServiceItem` field names::

        - code: SF-SYBX-001
          name: 失业保险金申领
          department: 示范市人力资源和社会保障局
          item_type: 公共服务
          legal_basis: [《失业保险条例》第十四条]
          legal_days: 10          # working days; leave out when not set
          promised_days: 5
          conditions_text: 非因本人意愿中断就业……
          auto_approval: false
          materials:
            - 居民身份证           # a name alone: a required material
            - name: 授权委托书
              need: conditional    # required | optional | conditional
              condition: 委托他人代为办理的
              file_types: [pdf, jpg]

    Lists of text (``legal_basis``, ``stages``, ``themes``, ``service_objects``) also accept a
    single string; ``stages`` defaults to 受理/审查/决定/送达. Unknown fields, wrong types,
    a repeated code or material name are errors: all of them are listed in one
    :class:`~govai.errors.ValidationError` (with the item's position and code), and nothing is
    imported.
    """
    import yaml  # only the hand-written catalogue needs it

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceUnreadable(
            f"无法读取事项目录文件 {path}（{exc.strerror or exc.__class__.__name__}）。",
            file=str(path),
        ) from exc
    try:
        data = yaml.safe_load(decode_text(path.name, raw))  # UTF-8, or GB18030 from Windows
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else "某处"
        raise ValidationError(
            f"事项目录文件 {path.name} 不是有效的 YAML（{where}）。", file=str(path)
        ) from exc
    if isinstance(data, Mapping) and "items" in data:
        data = data["items"]
    if not isinstance(data, list):
        raise ValidationError(
            f"事项目录文件 {path.name} 应为事项列表（或含 items 列表的映射）。", file=str(path)
        )
    items: list[ServiceItem] = []
    found: list[str] = []
    positions: dict[str, int] = {}
    for position, raw in enumerate(data, 1):
        code = str(raw.get("code", "")) if isinstance(raw, Mapping) else ""
        problems = _Problems(f"第 {position} 个事项{f'（{code}）' if code else ''}：")
        item = _item_from(raw, problems)
        if item is not None and item.code in positions:
            problems.add(f"事项编码与第 {positions[item.code]} 个事项重复。")
        found.extend(problems.found)
        if item is not None and not problems.found:
            positions[item.code] = position
            items.append(replace(item, source=item.source or f"yaml:{path.name}"))
    if found:
        raise ValidationError(
            f"事项目录文件 {path.name} 有 {len(found)} 处错误，未导入任何事项：" + "；".join(found),
            file=str(path),
            problems=found,
        )
    materials = [m for item in items for m in item.materials]
    counts = CatalogCounts(
        records=len(data),
        items=len(items),
        by_type=dict(Counter(item.item_type for item in items).most_common()),
        legal_numeric=sum(1 for i in items if i.legal_days is not None),
        legal_days=sum(1 for i in items if i.legal_days is not None),
        promised_numeric=sum(1 for i in items if i.promised_days is not None),
        promised_days=sum(1 for i in items if i.promised_days is not None),
        materials=len(materials),
        conditional_materials=sum(1 for m in materials if m.need == "conditional"),
        optional_materials=sum(1 for m in materials if m.need == "optional"),
    )
    return CatalogImport(tuple(items), (), counts, f"yaml:{path.name}")
