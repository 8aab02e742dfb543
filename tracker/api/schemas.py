"""Reading API input and writing API output.

Input is checked for shape only (JSON object, known fields, types, dates written YYYY-MM-DD);
whether a report is acceptable is decided by the domain rules, exactly as for the pages.
Output is plain JSON built from the models and the roll-up results; titles and names come in
both languages, ``{"zh": …, "en": …}``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from tracker.api.problems import ApiProblem, FieldError, invalid
from tracker.domain.reminders import parse_day
from tracker.domain.rollup import ItemResult, MilestoneResult, Summary
from tracker.domain.status import STATUSES
from tracker.models import Department, Group, Indicator, Item, Milestone, Plan, Report, Update

# Ids are 32-bit in the database; a larger one names nothing (and is never sent to it).

SOURCE_MAX = 200
TEXT_MAX = 4000 * 4  # well over any rule's limit; the rules word the real ones
# Dates the API accepts at all: the plan runs 2020–2022; this leaves room on both sides.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


# Input.


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; 400 for anything that is not one (or not UTF-8 JSON)."""

    def refuse_constant(name: str) -> float:
        raise ValueError(name)

    try:
        value = json.loads(body.decode("utf-8"), parse_constant=refuse_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiProblem("malformed-request", _l("The body is not valid JSON.")) from None
    if not isinstance(value, dict):
        raise ApiProblem("malformed-request", _l("The body must be a JSON object."))
    return value


def clean_text(value: str) -> bool:
    """Text the database can store: no NUL characters, no lone surrogates."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_date(raw: object, name: str, errors: list[FieldError]) -> date | None:
    """A YYYY-MM-DD string between 2000 and 2100, else an error noted in ``errors``."""
    if not isinstance(raw, str):
        errors.append(FieldError(name, "type", _l("Write the date as a string YYYY-MM-DD.")))
        return None
    try:
        day = parse_day(raw) if clean_text(raw) else None
    except ValueError:
        day = None
    if day is None:
        errors.append(
            FieldError(name, "format", _l("The date is not valid. Write dates as YYYY-MM-DD."))
        )
        return None
    if not EARLIEST <= day <= LATEST:
        errors.append(
            FieldError(name, "range", _l("The date must lie between 2000-01-01 and 2100-12-31."))
        )
        return None
    return day


def parse_text(
    raw: object, name: str, errors: list[FieldError], *, limit: int = TEXT_MAX
) -> str | None:
    if not isinstance(raw, str):
        errors.append(FieldError(name, "type", _l("This must be a string.")))
        return None
    if not clean_text(raw):
        errors.append(
            FieldError(name, "invalid_characters", _l("The text has invalid characters."))
        )
        return None
    if len(raw) > limit:
        errors.append(FieldError(name, "too_long", _l("At most %(n)d characters.", n=limit)))
        return None
    return raw


def parse_int(raw: object, name: str, errors: list[FieldError]) -> int | None:
    """A JSON integer (``3`` or ``3.0``, never ``true``), else an error in ``errors``."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        errors.append(FieldError(name, "type", _l("This must be a whole number.")))
        return None
    if isinstance(raw, float):
        if not raw.is_integer():
            errors.append(FieldError(name, "type", _l("This must be a whole number.")))
            return None
        return int(raw)
    return raw


def parse_number(raw: object, name: str, errors: list[FieldError]) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        errors.append(FieldError(name, "type", _l("This must be a number.")))
        return None
    try:
        value = float(raw)
    except OverflowError:
        value = math.inf
    return value


def check_fields(
    body: dict[str, Any], required: set[str], optional: set[str], errors: list[FieldError]
) -> None:
    for name in sorted(required - body.keys()):
        errors.append(FieldError(name, "required", _l("This field is required.")))
    for name in sorted(body.keys() - required - optional):
        errors.append(
            FieldError(str(name)[:64], "unknown_field", _l("This field is not known here."))
        )


@dataclass(frozen=True)
class MilestoneUpdateInput:
    status: str
    progress: int
    note: str
    completed_on: date | None
    version: int


def milestone_update_input(body: dict[str, Any]) -> MilestoneUpdateInput:
    """``{"status", "progress", "version", "note"?, "completed_on"?}``; 422 for wrong shapes."""
    errors: list[FieldError] = []
    check_fields(body, {"status", "progress", "version"}, {"note", "completed_on"}, errors)
    status = body.get("status")
    if "status" in body and status not in STATUSES:
        errors.append(
            FieldError(
                "status",
                "unknown_status",
                _l("Unknown status. Use one of: %(statuses)s.", statuses=", ".join(STATUSES)),
            )
        )
    progress = parse_int(body["progress"], "progress", errors) if "progress" in body else None
    version = parse_int(body["version"], "version", errors) if "version" in body else None
    note = parse_text(body.get("note", ""), "note", errors)
    completed_on = None
    if body.get("completed_on") is not None:
        completed_on = parse_date(body["completed_on"], "completed_on", errors)
    if errors:
        raise invalid(errors)
    return MilestoneUpdateInput(
        status=str(status),
        progress=int(progress or 0),
        note=note or "",
        completed_on=completed_on,
        version=int(version or 0),
    )


@dataclass(frozen=True)
class MeasurementInput:
    value: float
    measured_on: date
    source: str
    note: str
    version: int | None


def measurement_input(body: dict[str, Any]) -> MeasurementInput:
    """``{"value", "date", "source"?, "note"?, "version"?}``; 422 for wrong shapes."""
    errors: list[FieldError] = []
    check_fields(body, {"value", "date"}, {"source", "note", "version"}, errors)
    value = parse_number(body["value"], "value", errors) if "value" in body else None
    measured_on = parse_date(body["date"], "date", errors) if "date" in body else None
    source = parse_text(body.get("source", ""), "source", errors, limit=SOURCE_MAX)
    note = parse_text(body.get("note", ""), "note", errors)
    version = None
    if body.get("version") is not None:
        version = parse_int(body["version"], "version", errors)
    if errors:
        raise invalid(errors)
    return MeasurementInput(
        value=value if value is not None else math.nan,
        measured_on=measured_on or EARLIEST,
        source=source or "",
        note=note or "",
        version=version,
    )


# Output.


def both(obj: object, attribute: str) -> dict[str, str]:
    return {
        "zh": getattr(obj, f"{attribute}_zh", "") or "",
        "en": getattr(obj, f"{attribute}_en", "") or "",
    }


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def figure(value: float) -> float:
    """Percentages to one decimal, as the board shows them."""
    return round(float(value), 1)


def summary_json(summary: Summary) -> dict[str, Any]:
    return {
        "progress": figure(summary.progress),
        "expected_progress": figure(summary.expected),
        "behind": summary.behind,
        "status": str(summary.status),
        "status_counts": {str(s): n for s, n in summary.status_counts.items()},
    }


def milestone_json(
    milestone: Milestone, result: MilestoneResult, pending: Report | None = None
) -> dict[str, Any]:
    return {
        "id": milestone.id,
        "code": milestone.code,
        "item": milestone.item.code,
        "title": both(milestone, "title"),
        "due": day(milestone.due),
        "baseline_due": day(milestone.baseline_due),
        "department": milestone.department.code,
        "status": str(result.status),
        "reported_status": str(result.reported_status),
        "progress": figure(result.progress),
        "overdue": result.overdue,
        "completed_on": day(result.completed_on),
        "version": milestone.version,
        "pending_report": pending.id if pending is not None else None,
    }


def item_json(
    item: Item,
    result: ItemResult,
    *,
    pending: int = 0,
    last_report_state: str | None = None,
) -> dict[str, Any]:
    results = {m.key: m for m in result.milestones}
    return {
        "code": item.code,
        "group": item.group.code,
        "title": both(item, "title"),
        "lead_department": item.lead_department.code,
        "supporting_departments": [d.code for d in item.supporting_departments],
        "start": day(item.start),
        "due": day(item.due),
        "focus": item.focus,
        "progress": figure(result.progress),
        "expected_progress": figure(result.expected),
        "behind": result.behind,
        "status": str(result.status),
        "reported_status": last_report_state,
        "pending_reports": pending,
        "version": item.version,
        "milestones": [
            milestone_json(m, results[m.id]) for m in item.milestones if m.id in results
        ],
    }


def group_json(group: Group, summary: Summary, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "code": group.code,
        "kind": group.kind,
        "position": group.position,
        "name": both(group, "name"),
        **summary_json(summary),
        "items": items,
    }


def plan_json(plan: Plan, as_of: date, summary: Summary, groups: list[dict[str, Any]]) -> dict:
    return {
        "code": plan.code,
        "name": both(plan, "name"),
        "start": day(plan.start),
        "end": day(plan.end),
        "as_of": day(as_of),
        **summary_json(summary),
        "groups": groups,
    }


def department_json(department: Department) -> dict[str, Any]:
    return {
        "code": department.code,
        "name": both(department, "name"),
        "coordinating": department.is_coordinating,
        "active": department.active,
    }


def indicator_json(indicator: Indicator) -> dict[str, Any]:
    return {
        "id": indicator.id,
        "code": indicator.code,
        "item": indicator.item.code if indicator.item is not None else None,
        "name": both(indicator, "name"),
        "unit": both(indicator, "unit"),
        "baseline": {"value": indicator.baseline_value, "date": day(indicator.baseline_date)},
        "targets": [{"due": day(t.due), "value": t.value} for t in indicator.targets],
        "measurements": [
            {"date": day(m.measured_on), "value": m.value, "source": m.source}
            for m in indicator.measurements
        ],
    }


def update_json(update: Update, item_code: str, milestone_code: str | None) -> dict[str, Any]:
    return {
        "id": update.id,
        "item": item_code,
        "milestone": update.milestone_id,
        "milestone_code": milestone_code,
        "field": update.field,
        "old_value": update.old_value,
        "new_value": update.new_value,
        "note": update.note,
        "effective_on": day(update.effective_on),
        "created_at": moment(update.created_at),
        "user": update.user.username if update.user is not None else None,
        "origin": update.origin,
        "report": update.report_id,
    }


def report_json(report: Report) -> dict[str, Any]:
    """A stored report, as the write endpoints answer with it."""
    return {
        "id": report.id,
        "state": report.state,
        "item": report.item.code,
        "milestone": report.milestone_id,
        "indicator": report.indicator.code if report.indicator is not None else None,
        "submitted_at": moment(report.submitted_at),
        "author": report.author.username,
        "department": report.department.code if report.department is not None else None,
        "status": report.status,
        "progress": report.progress,
        "completed_on": day(report.completed_on),
        "note": report.note,
        "value": report.measurement_value,
        "date": day(report.measured_on),
        "source": report.measurement_source,
        "base_version": report.base_version,
    }
