"""Writing a plan as a plan file: the YAML that :func:`~tracker.domain.planfile.parse_plan_text`
reads back as the same plan.

Optional fields at their default are left out, so an exported file reads like a hand-written
one; dates are plain ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from tracker.domain.planfile import (
    DepartmentSpec,
    FactSpec,
    GroupSpec,
    IndicatorSpec,
    ItemSpec,
    MeasurementSpec,
    MilestoneSpec,
    PlanSpec,
    Text,
)


def _text(value: Text) -> dict[str, str]:
    return {"zh": value.zh, "en": value.en}


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def plan_data(spec: PlanSpec) -> dict[str, Any]:
    """The plan as the plain values of a plan file."""
    plan: dict[str, Any] = {"code": spec.code, "name": _text(spec.name)}
    if spec.source.zh or spec.source.en:
        plan["source"] = _text(spec.source)
    plan |= {"start": spec.start, "end": spec.end, "report_date": spec.report_date}
    data: dict[str, Any] = {
        "plan": plan,
        "departments": [_department(d) for d in spec.departments],
        "groups": [_group(g) for g in spec.groups],
    }
    if spec.indicators:
        data["indicators"] = [_indicator(i) for i in spec.indicators]
    return data


def _department(spec: DepartmentSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"code": spec.code, "name": _text(spec.name)}
    if spec.coordinating:
        data["coordinating"] = True
    if spec.sample:
        data["sample"] = True
    return data


def _group(spec: GroupSpec) -> dict[str, Any]:
    return {
        "code": spec.code,
        "kind": spec.kind,
        "name": _text(spec.name),
        "items": [_item(i) for i in spec.items],
    }


def _item(spec: ItemSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"code": spec.code, "title": _text(spec.title)}
    if spec.description.zh or spec.description.en:
        data["description"] = _text(spec.description)
    data["lead"] = spec.lead
    if spec.supporting:
        data["supporting"] = list(spec.supporting)
    data |= {"start": spec.start, "due": spec.due}
    if spec.weight != 1:
        data["weight"] = _number(spec.weight)
    if spec.sample:
        data["sample"] = True
    if spec.facts:
        data["facts"] = [_fact(f) for f in spec.facts]
    data["milestones"] = [_milestone(m, spec.lead) for m in spec.milestones]
    return data


def _fact(spec: FactSpec) -> dict[str, Any]:
    """A fact, its date no more precise than its source: ``2019``, ``2019-06`` or a day."""
    when: date | str = spec.date if spec.precision == "day" else spec.date_text
    return {"date": when, "text": _text(spec.text), "source": spec.source}


def _milestone(spec: MilestoneSpec, lead: str) -> dict[str, Any]:
    data: dict[str, Any] = {"code": spec.code, "title": _text(spec.title), "due": spec.due}
    if spec.department != lead:
        data["department"] = spec.department
    if spec.weight != 1:
        data["weight"] = _number(spec.weight)
    if spec.status != "not_started":
        data["status"] = spec.status
    if spec.progress != (100 if spec.status == "done" else 0):
        data["progress"] = spec.progress
    if spec.completed_on is not None:
        key = "completed_on" if spec.completed_on_exact else "completed_by"
        data[key] = spec.completed_on
    data["source"] = spec.source
    return data


def _indicator(spec: IndicatorSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"code": spec.code}
    if spec.item:
        data["item"] = spec.item
    data["name"] = _text(spec.name)
    if spec.unit.zh or spec.unit.en:
        data["unit"] = _text(spec.unit)
    data["baseline"] = {"value": _number(spec.baseline_value), "date": spec.baseline_date}
    if spec.targets:
        data["targets"] = [
            {"date": t.date, "value": _number(t.value), "source": t.source} for t in spec.targets
        ]
    if spec.measurements:
        data["measurements"] = [_measurement(m) for m in spec.measurements]
    return data


def _measurement(spec: MeasurementSpec) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date": spec.date,
        "value": _number(spec.value),
        "source": spec.source,
    }
    if spec.note.zh or spec.note.en:
        data["note"] = _text(spec.note)
    return data


def dump_plan_yaml(spec: PlanSpec) -> str:
    """The plan as plan-file text (UTF-8, Chinese kept readable, keys in the file's order)."""
    header = f"# Plan {spec.code}, exported by Plan Tracker. Format: tracker/plans/README.md\n"
    body = yaml.safe_dump(
        plan_data(spec), allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )
    return header + body
