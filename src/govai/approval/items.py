"""Service items (办事事项) as the approval engines see them.

One :class:`ServiceItem` is one entry of the service catalogue: what it is, who handles it, on
what legal basis, which materials it asks for, its time limits and whether the department allows
it to be approved without a person (秒批/无人干预). The catalogue importer builds items from
portal exports, where conditions and materials are free text; a rule file written by the
department (:mod:`govai.approval.rules`) makes some of them machine-checkable. These dataclasses
are plain values: the scenario stores them, the engines read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MaterialNeed = Literal["required", "optional", "conditional"]
MATERIAL_NEEDS: tuple[MaterialNeed, ...] = ("required", "optional", "conditional")

#: Item types as the national catalogue names them (国家政务服务平台 事项类型).
ITEM_TYPES = (
    "行政许可",
    "行政给付",
    "行政确认",
    "行政裁决",
    "行政奖励",
    "其他行政权力",
    "公共服务",
)

#: The stages an application passes when the item names none of its own.
DEFAULT_STAGES = ("受理", "审查", "决定", "送达")


@dataclass(frozen=True)
class MaterialSpec:
    """One material (申请材料) an item asks for.

    ``need`` is ``required`` (always), ``optional`` (never required) or ``conditional``
    (required when ``condition`` holds: free text for a person, e.g. "委托他人办理的"; a rule
    file may give it a machine-checkable form). ``file_types`` lists the accepted extensions
    without the dot (empty: any type).
    """

    name: str
    need: MaterialNeed = "required"
    condition: str = ""
    file_types: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class ServiceItem:
    """One service item of the catalogue.

    ``legal_days`` is the statutory time limit (法定办结时限) and ``promised_days`` the one the
    department promises (承诺办结时限), both in working days; ``None`` when the source does not
    say. ``conditions_text`` is the acceptance conditions as published (受理条件), shown to the
    reviewer and never decided by a machine. ``auto_approval`` is the department's permission to
    approve without a person; it takes effect only where every condition is machine-checked.
    """

    code: str
    name: str
    department: str
    item_type: str = "公共服务"
    legal_basis: tuple[str, ...] = ()
    materials: tuple[MaterialSpec, ...] = ()
    conditions_text: str = ""
    legal_days: int | None = None
    promised_days: int | None = None
    stages: tuple[str, ...] = DEFAULT_STAGES
    auto_approval: bool = False
    area: str = ""
    service_objects: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    location: str = ""
    phone: str = ""
    url: str = ""
    source: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_licence(self) -> bool:
        """True for 行政许可, where the 行政许可法 deadlines and notices apply."""
        return self.item_type == "行政许可"

    def material(self, name: str) -> MaterialSpec | None:
        """The material of this exact name, or None."""
        for spec in self.materials:
            if spec.name == name:
                return spec
        return None
