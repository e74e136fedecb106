"""辅助办理: what a citizen needs for one service item, given the answers they have given so far.

The citizen describes their situation (:func:`govai.scenarios.approval.catalog.search` finds the
items); for the chosen item :func:`guide` answers three things at once:

- the questions still open whose answers decide which conditional materials apply (a rule file's
  ``when:``; e.g. 委托他人代办 → 授权委托书), so the applicant is asked only what matters — a
  fact's default (which the pre-check uses) does not count as an answer here;
- the checklist: the materials needed now, the ones still undecided (with the condition in words),
  the optional ones;
- the whole application form: every fact the rule file reads, with its question, type and choices.

An item without a rule file (one imported from the provincial catalogue) has no questions: its
materials are listed as published, conditional ones with their condition in words for the
applicant to judge. Nothing here is stored or logged: it is the public 办事指南 made personal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from govai.approval.items import MaterialSpec, ServiceItem
from govai.approval.precheck import material_specs
from govai.approval.rulemodel import FieldSpec
from govai.scenarios.approval import catalog
from govai.scenarios.approval.models import CatalogItem

__all__ = ["Guide", "correction_fields", "form_fields", "guide"]


@dataclass
class Guide:
    item: ServiceItem
    has_rules: bool
    fields: list[FieldSpec]  # the application form (facts from the applicant block excluded)
    questions: list[FieldSpec]  # open questions that decide undecided materials
    needed: list[MaterialSpec]
    undecided: list[MaterialSpec]
    optional: list[MaterialSpec]
    answers: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # answers that cannot be used

    @property
    def materials(self) -> list[MaterialSpec]:
        """Every material an application may carry, in the checklist's order."""
        return [*self.needed, *self.undecided, *self.optional]


def form_fields(row: CatalogItem) -> list[FieldSpec]:
    """The facts the item's rule file reads from the application form (``fields``)."""
    rules = catalog.ruleset_of(row)
    if rules is None:
        return []
    return [spec for spec in rules.fields if spec.source == "fields"]


def guide(row: CatalogItem, answers: Mapping[str, Any], today: date) -> Guide:
    """The checklist and open questions of item ``row`` for ``answers`` (empty ones ignored)."""
    item = catalog.service_item(row)
    rules = catalog.ruleset_of(row)
    given = {k: str(v).strip() for k, v in answers.items() if str(v).strip()}
    specs = material_specs(item, rules)
    if rules is None:
        return Guide(
            item,
            False,
            [],
            [],
            [s for s in specs if s.need == "required"],
            [s for s in specs if s.need == "conditional"],
            [s for s in specs if s.need == "optional"],
            given,
        )
    known = {spec.name for spec in rules.fields}
    facts = {k: v for k, v in given.items() if k in known}
    needed_rules, undecided_rules, _ = rules.checklist(facts, today)
    needed_names = {m.name for m in needed_rules}
    undecided_names = {m.name for m in undecided_rules}
    # A conditional material is settled by the applicant's own answers, not by a field's
    # default (委托他人代办 defaults to 否 for the pre-check, but the guide asks).
    asked: set[str] = set()
    for rule in rules.materials:
        if rule.when is None:
            continue
        deciding: set[str] = set()
        for name in rule.when.names:
            deciding |= rules.deps.get(name, frozenset())
        unanswered = deciding - facts.keys()
        if unanswered:
            asked |= unanswered
            undecided_names.add(rule.name)
            needed_names.discard(rule.name)
    questions = [s for s in rules.fields if s.name in asked and s.source == "fields"]
    ruled = {m.name for m in rules.materials}
    needed: list[MaterialSpec] = []
    undecided: list[MaterialSpec] = []
    optional: list[MaterialSpec] = []
    for spec in specs:
        if spec.name in needed_names or (spec.name not in ruled and spec.need == "required"):
            needed.append(spec)
        elif spec.name in undecided_names or (
            spec.name not in ruled and spec.need == "conditional"
        ):
            undecided.append(spec)
        elif spec.need == "optional":
            optional.append(spec)
        # a rule material whose condition is false for these answers is not needed: left out
    evaluation = rules.evaluate(facts, {}, today)
    problems = [
        issue.message
        for issue in evaluation.field_issues
        if issue.kind == "invalid" and issue.field.name in facts
    ]
    return Guide(
        item,
        True,
        [spec for spec in rules.fields if spec.source == "fields"],
        questions,
        needed,
        undecided,
        optional,
        given,
        problems,
    )


def correction_fields(row: CatalogItem, unmet: list[dict[str, Any]]) -> list[FieldSpec]:
    """The form facts an applicant may correct for the unmet fixable conditions of a
    pre-check (a missing fact ``field.<name>``, or the facts a condition reads)."""
    rules = catalog.ruleset_of(row)
    if rules is None:
        return []
    wanted: set[str] = set()
    by_id = {cond.id: cond for cond in rules.conditions}
    for entry in unmet:
        if not entry.get("fixable"):
            continue
        ident = str(entry.get("id", ""))
        if ident.startswith("field."):
            wanted.add(ident.removeprefix("field."))
        elif ident in by_id:
            wanted |= by_id[ident].fields
    return [spec for spec in rules.fields if spec.source == "fields" and spec.name in wanted]
