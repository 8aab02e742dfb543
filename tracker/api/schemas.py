"""Reading API input and writing API output.

Every input (a JSON body, a query parameter) is declared once here: its published JSON schema
together with the reader that checks it. Views read requests with these declarations and the
OpenAPI document (:mod:`tracker.api.openapi`) publishes them, so the two cannot drift apart.

Readers check shape only (JSON object, known fields, types, dates written YYYY-MM-DD); whether
a report is acceptable is decided by the domain rules, exactly as for the pages. A schema may
therefore publish bounds its reader leaves to those rules (a progress from 0 to 100, a note of
at most 4000 characters), which refuse with their own codes and sentences.

Output is plain JSON built from the models and the roll-up results; titles and names come in
both languages, ``{"zh": …, "en": …}``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from tracker.api.problems import ApiProblem, FieldError, invalid
from tracker.domain.dates import EARLIEST, LATEST, days_pattern
from tracker.domain.evaluation import CRITERIA, Finding
from tracker.domain.planfile import fact_date_text
from tracker.domain.reminders import parse_day
from tracker.domain.reporting import MEASUREMENT_MAX, NOTE_MAX, ItemReport, MilestoneReport
from tracker.domain.rollup import ItemResult, MilestoneResult, Summary
from tracker.domain.status import STATUSES, Status
from tracker.domain.text import NOT_BLANK, has_control_characters, text_pattern
from tracker.loaders import CODE_MAX
from tracker.models import (
    Department,
    Fact,
    Group,
    Indicator,
    Item,
    Milestone,
    Plan,
    Receipt,
    Report,
    Update,
)
from tracker.models.types import MAX_ID
from tracker.services.queries.api_reads import UpdateRow
from tracker.services.queries.evaluation import Evaluation
from tracker.services.queries.progress import PlanProgress

SOURCE_MAX = 200
TEXT_MAX = 4000 * 4  # well over any rule's limit; the rules word the real ones
# Dates the API accepts at all: the plan runs 2020–2022; this leaves room on both sides.
UPDATES_DEFAULT_LIMIT = 50
UPDATES_MAX_LIMIT = 200
CURSOR_DIGITS = 10
# The note of a figure sent without note or source: the item-report rule wants a summary.
DEFAULT_MEASUREMENT_NOTE = "通过接口报送的指标数据 (figure sent through the API)"

# Schema pieces, shared with the published output schemas.
# The years the server takes (domain.dates: 2000 to 2100), said in the pattern too.
DATE = {
    "type": "string",
    "format": "date",
    "pattern": days_pattern(EARLIEST, LATEST),
    "description": f"A day from {EARLIEST} to {LATEST}.",
}
NULLABLE_DATE = {**DATE, "type": ["string", "null"]}
TEXT = {"type": "string", "pattern": text_pattern()}
LONG_TEXT = {"type": "string", "pattern": text_pattern(multiline=True)}
STATUS = {"type": "string", "enum": list(STATUSES)}
CODE = {"type": "string", "pattern": f"^[A-Za-z0-9_-]{{1,{CODE_MAX}}}$"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


# Reading values: each reader notes what is wrong in ``errors`` and answers None for it.


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
    raw: object,
    name: str,
    errors: list[FieldError],
    *,
    limit: int = TEXT_MAX,
    multiline: bool = False,
) -> str | None:
    """A string without control characters (line breaks only in ``multiline`` text), of at
    most ``limit`` characters: what the forms take too.
    """
    if not isinstance(raw, str):
        errors.append(FieldError(name, "type", _l("This must be a string.")))
        return None
    if not clean_text(raw) or has_control_characters(raw, multiline=multiline):
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
    """A JSON number as a float (too large ones as infinity, for the rules to refuse)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        errors.append(FieldError(name, "type", _l("This must be a number.")))
        return None
    try:
        value = float(raw)
    except OverflowError:
        value = math.inf
    return value


def parse_status(raw: object, name: str, errors: list[FieldError]) -> str | None:
    """One of the status names, else an error listing them."""
    if raw in STATUSES:
        return str(raw)
    errors.append(
        FieldError(
            name,
            "unknown_status",
            _l("Unknown status. Use one of: %(statuses)s.", statuses=", ".join(STATUSES)),
        )
    )
    return None


def check_fields(
    body: dict[str, Any], required: set[str], optional: set[str], errors: list[FieldError]
) -> None:
    """Note each required field missing and each field not known, in name order."""
    for name in sorted(required - body.keys()):
        errors.append(FieldError(name, "required", _l("This field is required.")))
    for name in sorted(body.keys() - required - optional):
        errors.append(
            FieldError(str(name)[:64], "unknown_field", _l("This field is not known here."))
        )


# Declaring bodies: fields with their published schema and their reader.

Reader = Callable[[object, str, list[FieldError]], Any]


@dataclass(frozen=True)
class Field:
    """One field of a JSON body: the schema the document publishes and the reader of its shape.

    An absent field, and a null one when the schema allows null, takes ``default`` unread.
    """

    name: str
    schema: dict[str, Any]
    read: Reader
    required: bool = True
    default: object = None
    until_today: bool = False

    def document(self, today: date) -> dict[str, Any]:
        """The schema as published on ``today``: a day that may not be after today says so
        in its pattern (the reader's rule checks it again, with its own words).
        """
        if not self.until_today:
            return self.schema
        return {
            **self.schema,
            "pattern": days_pattern(EARLIEST, today),
            "description": f"A day from {EARLIEST} to today ({today} when this document was "
            "made). " + self.schema.get("description", ""),
        }

    @property
    def nullable(self) -> bool:
        kind = self.schema["type"]
        return "null" in kind if isinstance(kind, list) else kind == "null"

    def value(self, body: dict[str, Any], errors: list[FieldError]) -> Any:
        """The field's value in ``body``, read (errors go to ``errors``) or defaulted."""
        if self.name not in body or (body[self.name] is None and self.nullable):
            return self.default
        return self.read(body[self.name], self.name, errors)


def integer_field(
    name: str, *, required: bool = True, nullable: bool = False, **published: Any
) -> Field:
    """An integer; bounds in ``published`` are documented and left to the rules."""
    kind: str | list[str] = ["integer", "null"] if nullable else "integer"
    return Field(name, {"type": kind, **published}, parse_int, required)


def number_field(name: str, **published: Any) -> Field:
    """A number; bounds in ``published`` are documented and left to the rules."""
    return Field(name, {"type": "number", **published}, parse_number)


def date_field(
    name: str,
    *,
    required: bool = True,
    nullable: bool = False,
    until_today: bool = False,
    **published: Any,
) -> Field:
    """A YYYY-MM-DD date between 2000 and 2100 (and not after today, ``until_today``)."""
    schema = {**(NULLABLE_DATE if nullable else DATE), **published}
    return Field(name, schema, parse_date, required, until_today=until_today)


def text_field(
    name: str, *, limit: int | None = None, multiline: bool = False, **published: Any
) -> Field:
    """Optional text (default empty) without control characters (tab and line breaks pass in
    ``multiline`` text): at most ``limit`` characters checked here; a ``maxLength`` in
    ``published`` instead is a rule's limit, checked and worded by the rule.
    """
    schema = {
        **(LONG_TEXT if multiline else TEXT),
        **({"maxLength": limit} if limit else {}),
        **published,
    }

    def read(raw: object, field: str, errors: list[FieldError]) -> str | None:
        return parse_text(raw, field, errors, limit=limit or TEXT_MAX, multiline=multiline)

    return Field(name, schema, read, required=False, default="")


@dataclass(frozen=True)
class Body:
    """A JSON body the API takes: its component name in the document and its fields, in the
    order they are read (and their problems listed).

    ``rules`` publish, as JSON Schema, the domain rules that tie fields together and depend
    on nothing but the body; the domain checks them (and words their refusals). ``example``
    is a body the document shows, which a test sends.
    """

    name: str
    fields: tuple[Field, ...]
    rules: tuple[dict[str, Any], ...] = ()
    example: dict[str, Any] | None = None

    def schema(self, today: date) -> dict[str, Any]:
        """The JSON schema published on ``today``: these fields, the required ones present,
        no others.
        """
        described: dict[str, Any] = {
            "type": "object",
            "required": [f.name for f in self.fields if f.required],
            "properties": {f.name: f.document(today) for f in self.fields},
            "additionalProperties": False,
        }
        if self.rules:
            described["allOf"] = list(self.rules)
        return described

    def read(self, body: dict[str, Any]) -> dict[str, Any]:
        """Each field's value by name; 422 listing every problem when any is found."""
        errors: list[FieldError] = []
        required = {f.name for f in self.fields if f.required}
        check_fields(body, required, {f.name for f in self.fields} - required, errors)
        values = {f.name: f.value(body, errors) for f in self.fields}
        if errors:
            raise invalid(errors)
        return values


def when_status(statuses: tuple[Status, ...], then: dict[str, Any], otherwise: Any = None) -> dict:
    """A rule of a milestone update: what the body must hold when its status is one of these."""
    rule: dict[str, Any] = {
        "if": {"required": ["status"], "properties": {"status": {"enum": list(statuses)}}},
        "then": then,
    }
    if otherwise is not None:
        rule["else"] = otherwise
    return rule


MILESTONE_UPDATE = Body(
    "MilestoneUpdate",
    (
        Field("status", STATUS, parse_status),
        integer_field(
            "progress",
            minimum=0,
            maximum=100,
            description="In percent. A milestone reported done counts as 100, whatever "
            "progress (from 0 to 100) is sent with it.",
        ),
        integer_field(
            "version",
            description="The milestone's `version` you read; another one answers 409.",
        ),
        text_field(
            "note",
            multiline=True,
            maxLength=NOTE_MAX,
            description="Why: required (not blank) when the status is at_risk or delayed, "
            "when progress goes down, and when nothing else changes.",
        ),
        date_field(
            "completed_on",
            required=False,
            nullable=True,
            until_today=True,
            description="Required for status done, and only then.",
        ),
    ),
    rules=(
        when_status(
            (Status.AT_RISK, Status.DELAYED),
            {"required": ["note"], "properties": {"note": {"pattern": NOT_BLANK}}},
        ),
        when_status(
            (Status.DONE,),
            {"required": ["completed_on"], "properties": {"completed_on": {"type": "string"}}},
            {"properties": {"completed_on": {"type": "null"}}},
        ),
    ),
    example={
        "status": "on_track",
        "progress": 40,
        "version": 1,
        "note": "平台选型已完成，进入部署阶段。",
    },
)

MEASUREMENT = Body(
    "MeasurementInput",
    (
        number_field("value", minimum=0, maximum=MEASUREMENT_MAX),
        date_field("date", until_today=True, description="When it was measured."),
        text_field("source", limit=SOURCE_MAX),
        text_field(
            "note",
            multiline=True,
            maxLength=NOTE_MAX,
            description="The report's summary; defaults to the source, else to "
            f"“{DEFAULT_MEASUREMENT_NOTE}”.",
        ),
        integer_field(
            "version",
            required=False,
            nullable=True,
            description="The item's `version` you read, to refuse (409) a figure sent "
            "against an item that changed since; omit it to report on the current one.",
        ),
    ),
    example={"value": 12, "date": "2020-12-31", "source": "区工业和信息化局统计"},
)

BODIES = (MILESTONE_UPDATE, MEASUREMENT)


@dataclass(frozen=True)
class MilestoneUpdateInput:
    """A milestone update as sent: the report and the milestone version it was based on."""

    status: str
    progress: int
    version: int
    note: str
    completed_on: date | None

    def report(self) -> MilestoneReport:
        return MilestoneReport(
            status=Status(self.status),
            progress=self.progress,
            completed_on=self.completed_on,
            note=self.note,
        )


def milestone_update_input(body: dict[str, Any]) -> MilestoneUpdateInput:
    """``{"status", "progress", "version", "note"?, "completed_on"?}``; 422 for wrong shapes."""
    return MilestoneUpdateInput(**MILESTONE_UPDATE.read(body))


@dataclass(frozen=True)
class MeasurementInput:
    """A figure as sent; ``version`` (the item's) is None when not given."""

    value: float
    measured_on: date
    source: str
    note: str
    version: int | None

    def report(self) -> ItemReport:
        """The item report carrying the figure; its note defaults to the source, else to a
        fixed text (the item-report rule wants a summary).
        """
        return ItemReport(
            note=self.note.strip() or self.source.strip() or DEFAULT_MEASUREMENT_NOTE,
            value=self.value,
            measured_on=self.measured_on,
            has_indicator=True,
        )


def measurement_input(body: dict[str, Any]) -> MeasurementInput:
    """``{"value", "date", "source"?, "note"?, "version"?}``; 422 for wrong shapes."""
    values = MEASUREMENT.read(body)
    return MeasurementInput(
        value=values["value"],
        measured_on=values["date"],
        source=values["source"],
        note=values["note"],
        version=values["version"],
    )


# Query parameters, declared the same way.


def read_date(raw: str, name: str) -> date | None:
    errors: list[FieldError] = []
    value = parse_date(raw, name, errors)
    if errors:
        raise invalid(errors)
    return value


def read_limit(raw: str, name: str) -> int:
    if (
        not (raw.isascii() and raw.isdigit())
        or not 1 <= int(raw[:6]) <= UPDATES_MAX_LIMIT
        or len(raw) > 6
    ):
        raise invalid(
            [
                FieldError(
                    name,
                    "range",
                    _l("The limit is a whole number from 1 to %(n)d.", n=UPDATES_MAX_LIMIT),
                )
            ]
        )
    return int(raw)


def encode_cursor(last_id: int) -> str:
    """The cursor of the page after the row ``last_id``: that row's id, as text."""
    return str(last_id)


def decode_cursor(raw: str, name: str = "cursor") -> int:
    """The last id the previous page held; any id is a place in the history (a page after the
    last row is empty), so only a value that is not one is refused.
    """
    if not (raw.isascii() and raw.isdigit() and len(raw) <= CURSOR_DIGITS):
        raise invalid([FieldError(name, "invalid_cursor", _l("This cursor is not valid."))])
    return min(int(raw), MAX_ID)  # past every id there can be (PostgreSQL compares int4)


@dataclass(frozen=True)
class Query:
    """An optional query parameter: its published schema and description, and its reader."""

    name: str
    schema: dict[str, Any]
    description: str
    read: Callable[[str, str], Any]
    required: bool = False

    def value(self) -> Any:
        """Its value in this request; None when absent (422 when ``required``). An empty
        value is read like any other (and refused where the schema wants more): the document
        describes no empty one.
        """
        raw = request.args.get(self.name)
        if raw is None and self.required:
            raise invalid([FieldError(self.name, "required", _l("This value is required."))])
        return None if raw is None else self.read(raw, self.name)

    def document(self) -> dict[str, Any]:
        """As an OpenAPI parameter."""
        return {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "schema": self.schema,
            "description": self.description,
        }


AS_OF = Query(
    "as_of",
    DATE,
    "The day to roll up at (default today); a past day is rebuilt "
    "from the history, counting only approved reports.",
    read_date,
)
SINCE = Query("since", DATE, "Only changes that count from this day on.", read_date)
ITEM = Query("item", CODE, "Only this item's rows (its code).", lambda raw, _name: raw)
LIMIT = Query(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": UPDATES_MAX_LIMIT},
    f"Rows per page (default {UPDATES_DEFAULT_LIMIT}).",
    read_limit,
)
CURSOR = Query(
    "cursor",
    {"type": "string", "pattern": f"^[0-9]{{1,{CURSOR_DIGITS}}}$"},
    "The `next_cursor` of the previous page: the id of its last row.",
    decode_cursor,
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
        "awaiting_close_out": summary.awaiting_close_out,
    }


def receipt_json(receipt: Receipt | None) -> dict[str, Any] | None:
    """The milestone's current receipt (签收); None when it has none."""
    if receipt is None:
        return None
    return {
        "state": receipt.state,
        "department": receipt.department.code,
        "assigned_at": moment(receipt.assigned_at),
        "answered_at": moment(receipt.answered_at),
        "answered_by": receipt.answered_by.username if receipt.answered_by else None,
        "responsible": receipt.responsible,
        "reason": receipt.decline_reason,
    }


def milestone_json(
    milestone: Milestone,
    result: MilestoneResult,
    pending: Report | None = None,
    receipt: Receipt | None = None,
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
        "completed_on_exact": result.completed_on_exact,
        "timeliness": str(result.timeliness),
        "source": milestone.source,
        "version": milestone.version,
        "pending_report": pending.id if pending is not None else None,
        # Sub-tasks themselves are the department's business and not in the API.
        "progress_mode": milestone.progress_mode,
        "close_out": result.close_out,
        "receipt": receipt_json(receipt),
    }


def fact_json(fact: Fact) -> dict[str, Any]:
    """A background fact, dated no more precisely than its source dates it."""
    return {
        "date": fact_date_text(fact.happened_on, fact.date_precision),
        "date_precision": fact.date_precision,
        "text": both(fact, "text"),
        "source": fact.source,
    }


def item_json(
    item: Item,
    result: ItemResult,
    *,
    pending: int = 0,
    last_report_state: str | None = None,
    facts: list[Fact] | None = None,
    receipts: dict[int, Receipt] | None = None,
) -> dict[str, Any]:
    """An item; ``facts`` are its facts when the caller read them with others' (else loaded);
    ``receipts`` its milestones' current receipts (read with others', in one query).
    """
    receipts = receipts or {}
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
        "source": "sample" if item.is_sample else "report",
        "facts": [
            fact_json(f) for f in sorted(item.facts if facts is None else facts, key=_fact_order)
        ],
        "progress": figure(result.progress),
        "expected_progress": figure(result.expected),
        "behind": result.behind,
        "status": str(result.status),
        "reported_status": last_report_state,
        "pending_reports": pending,
        "version": item.version,
        "milestones": [
            milestone_json(m, results[m.id], receipt=receipts.get(m.id))
            for m in item.milestones
            if m.id in results
        ],
    }


def _fact_order(fact: Fact) -> tuple[date, int]:
    return (fact.happened_on, fact.position)


def group_json(group: Group, summary: Summary, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "code": group.code,
        "kind": group.kind,
        "position": group.position,
        "name": both(group, "name"),
        **summary_json(summary),
        "items": items,
    }


def plan_summary_json(plan: Plan, as_of: date, summary: Summary) -> dict[str, Any]:
    """A plan as the plan list shows it: what it is, its state, and its headline figures."""
    return {
        "code": plan.code,
        "name": both(plan, "name"),
        "state": plan.state,
        "start": day(plan.start),
        "end": day(plan.end),
        "closed_on": day(plan.closed_on),
        "as_of": day(as_of),
        **summary_json(summary),
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


def progress_json(
    progress: PlanProgress,
    as_of: date,
    report_states: dict[int, str],
    facts: dict[int, list[Fact]] | None = None,
    receipts: dict[int, Receipt] | None = None,
) -> dict[str, Any]:
    """The plan rolled up: each group with its items, their facts and their milestones.

    ``facts`` are the plan's facts by item, read at once (else each item loads its own).
    """
    groups = []
    for section, group_result in zip(progress.sections, progress.result.groups, strict=True):
        items = [
            item_json(
                row.item,
                row.result,
                pending=progress.pending_by_item.get(row.item.id, 0),
                last_report_state=report_states.get(row.item.id),
                facts=None if facts is None else facts.get(row.item.id, []),
                receipts=receipts,
            )
            for row in section.rows
        ]
        groups.append(group_json(section.group, group_result.summary, items))
    return plan_json(progress.plan, as_of, progress.result.summary, groups)


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
        "targets": [
            {"due": day(t.due), "value": t.value, "source": t.source} for t in indicator.targets
        ],
        "measurements": [
            {"date": day(m.measured_on), "value": m.value, "source": m.source}
            for m in indicator.measurements
        ],
    }


def update_json(
    update: Update, item_code: str, milestone_code: str | None, *, readable: bool = True
) -> dict[str, Any]:
    """One history row; a row of a report the caller may not read yet keeps no values or text."""
    return {
        "id": update.id,
        "item": item_code,
        "milestone": update.milestone_id,
        "milestone_code": milestone_code,
        "field": update.field,
        "old_value": update.old_value if readable else None,
        "new_value": update.new_value if readable else None,
        "note": update.note if readable else "",
        "effective_on": day(update.effective_on),
        "created_at": moment(update.created_at),
        "user": update.user.username if update.user is not None else None,
        "origin": update.origin,
        "report": update.report_id,
    }


def updates_json(
    rows: list[UpdateRow], more: bool, may_read: Callable[[Report], bool]
) -> dict[str, Any]:
    """A page of the history, with the cursor of the next page (null on the last one)."""
    return {
        "updates": [
            update_json(u, code, m_code, readable=u.report is None or may_read(u.report))
            for u, code, m_code in rows
        ],
        "next_cursor": encode_cursor(rows[-1][0].id) if more and rows else None,
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


# ---- The department evaluation (考评) --------------------------------------------------------

# Exactly the real days from 2000-01-01 to 2100-12-31: a period takes two required days, and a
# looser pattern (left to ``format: date``) would have fuzzers throw away nearly every pair.
_YEAR = r"(?:20\d\d|2100)"
_LEAP_YEAR = r"20(?:0[048]|[2468][048]|[13579][26])"
EXACT_DAY_PATTERN = (
    rf"^(?:{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])"
    rf"|{_YEAR}-(?:0[13-9]|1[0-2])-(?:29|30)"
    rf"|{_YEAR}-(?:0[13578]|1[02])-31"
    rf"|{_LEAP_YEAR}-02-29)$"
)
EXACT_DATE = {**DATE, "pattern": EXACT_DAY_PATTERN}
EVALUATION_FROM = Query("from", EXACT_DATE, "The period's first day.", read_date, required=True)
EVALUATION_TO = Query(
    "to",
    EXACT_DATE,
    "The period's last day. The period is the days between `from` and `to`, both included "
    "(should `to` come before `from`, the two are read the other way round).",
    read_date,
    required=True,
)


def evaluation_period() -> tuple[date, date]:
    """The days between ``from`` and ``to``, both included, whichever comes first: every pair
    of days the document allows names a period (a query cannot say "not before `from`").
    """
    first, second = EVALUATION_FROM.value(), EVALUATION_TO.value()
    return min(first, second), max(first, second)


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind.value,
        "code": finding.code,
        "day": finding.day.isoformat(),
        "happened_on": finding.happened_on.isoformat() if finding.happened_on else None,
        "days_late": finding.days_late,
        "points": finding.points,
    }


def evaluation_json(evaluation: Evaluation) -> dict[str, Any]:
    """Each department's points per criterion, deductions, total and rank, with the events
    behind every point lost; best first.
    """
    scheme = evaluation.scheme
    valid_from = evaluation.scheme_valid_from
    return {
        "plan": evaluation.plan.code,
        "from": evaluation.start.isoformat(),
        "to": evaluation.end.isoformat(),
        "as_of": evaluation.as_of.isoformat(),
        "scheme": {
            "valid_from": valid_from.isoformat() if valid_from else None,
            "points": {c.value: scheme.points(c) for c in CRITERIA},
            "receipt_days": scheme.receipt_days,
            "overdue_deduction": scheme.overdue_deduction,
            "deduction_cap": scheme.deduction_cap,
        },
        "departments": [
            {
                "department": evaluation.departments[result.department_id].code,
                "name": both(evaluation.departments[result.department_id], "name"),
                "rank": result.rank,
                "total": result.total,
                "criteria": [
                    {
                        "criterion": score.criterion.value,
                        "points": score.points,
                        "max_points": score.max_points,
                        "judged": score.judged,
                        "good": score.good,
                        "events": [finding_json(f) for f in score.findings],
                    }
                    for score in result.criteria
                ],
                "deducted": result.deducted,
                "deductions": [finding_json(f) for f in result.deductions],
            }
            for result in evaluation.results
        ],
    }
