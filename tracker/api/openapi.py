"""The OpenAPI 3.1 description of the API, served at ``/api/v1/openapi.json``, and a page that
lists it for people (``/api/v1/docs``, server-rendered, no script from elsewhere).

Both are public: they describe the API and hold no data. The request bodies and query
parameters are published from the declarations the views read them with
(:mod:`tracker.api.schemas`); the answers' schemas are listed here. A test validates the
document and checks that every ``/api/`` route is in it; another fuzzes the API from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, jsonify, render_template

from tracker.api import bp
from tracker.api.auth import MAX_BODY, api_view
from tracker.api.problems import TYPES
from tracker.api.schemas import (
    AS_OF,
    BODIES,
    CODE,
    CURSOR,
    DATE,
    EVALUATION_FROM,
    EVALUATION_TO,
    ID,
    ITEM,
    LIMIT,
    MEASUREMENT,
    MILESTONE_UPDATE,
    NULLABLE_DATE,
    SINCE,
    STATUS,
    Body,
    Query,
)
from tracker.clock import today
from tracker.domain.evaluation import CRITERIA, FindingKind
from tracker.domain.plan_states import PLAN_STATES
from tracker.domain.planfile import CODE_PATTERN

BILINGUAL = {
    "type": "object",
    "required": ["zh", "en"],
    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
    "additionalProperties": False,
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Any]) -> dict[str, Any]:
    """An object whose properties are all present, and no others."""
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }


# Where a milestone, target or fact comes from: the plan's source (for the Shinan plan, the
# Qingdao News report of 2020-09-25) or sample data; a milestone may also be an admin's.
REPORT_OR_SAMPLE = (
    "`report`: stated in the plan's source (for the Shinan plan, the Qingdao News report of "
    "2020-09-25); `sample`: sample data, invented so the product has something to show."
)
SOURCE = {"type": "string", "enum": ["report", "sample"], "description": REPORT_OR_SAMPLE}

# What the API answers with (the request bodies come from their declarations).
SUMMARY = {
    "progress": {"type": "number", "description": "Weighted progress in percent (0–100)."},
    "expected_progress": {
        "type": "number",
        "description": "The share of the time span elapsed at the as-of day, in percent.",
    },
    "behind": {"type": "boolean"},
    "status": STATUS,
    "status_counts": {
        "type": "object",
        "description": "Items by computed status; a done item with a milestone awaiting "
        "close-out (销号) is counted in `awaiting_close_out`, not under `done`.",
        "additionalProperties": {"type": "integer"},
    },
    "awaiting_close_out": {
        "type": "integer",
        "description": "Items done but awaiting close-out (已完成待销号): their progress counts "
        "100, their count is kept apart from `done` until the coordinating office closes out.",
    },
}
# The close-out (销号) of a milestone.
CLOSE_OUT = {
    "type": ["string", "null"],
    "enum": ["awaiting", "closed", "reopened", None],
    "description": "Close-out (销号) at the as-of day: `awaiting` (reported done, approved, "
    "waiting for the coordinating office to check the evidence), `closed` (closed out), "
    "`reopened` (sent back to its department with a reason), or null (not done, or done "
    "before close-out was kept; counted as closed out).",
}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "An RFC 9457 problem; `title` and `detail` follow Accept-Language.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": obj(
                    {
                        "field": {"type": "string"},
                        "code": {"type": "string"},
                        "detail": {"type": "string"},
                    }
                ),
            },
            "current_version": {"type": "integer"},
        },
    },
    "Milestone": obj(
        {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "item": {"type": "string"},
            "title": BILINGUAL,
            "due": DATE,
            "baseline_due": DATE,
            "department": {"type": "string", "description": "Department code."},
            "status": {**STATUS, "description": "Computed at the as-of day."},
            "reported_status": {**STATUS, "description": "What the department last said."},
            "progress": {"type": "number"},
            "progress_mode": {
                "type": "string",
                "enum": ["direct", "subtasks"],
                "description": "How the department keeps the milestone's progress: reported "
                "directly (`direct`) or rolled up from its own sub-tasks (`subtasks`, the "
                "weighted mean of their progress; the sub-tasks are not in the API).",
            },
            "overdue": {"type": "boolean"},
            "completed_on": {
                **NULLABLE_DATE,
                "description": "The day it was done, or, when `completed_on_exact` is false, "
                "the day it was done by (the source gives no exact day).",
            },
            "completed_on_exact": {
                "type": "boolean",
                "description": 'False when only "done by `completed_on`" is known, e.g. '
                '"done by 2020-09-25 (date not given in the report)"; such a milestone '
                "counts as done from that day but is left out of on-time figures.",
            },
            "timeliness": {
                "type": "string",
                "enum": ["on_time", "late", "not_done", "date_unknown"],
                "description": "Done by its due date (`on_time`) or after it (`late`), not "
                "done at the as-of day, or done on a day not given (`date_unknown`): the rule "
                "every on-time figure uses.",
            },
            "source": {
                "type": "string",
                "enum": ["report", "sample", "admin"],
                "description": f"{REPORT_OR_SAMPLE} `admin`: added by an administrator.",
            },
            "version": {"type": "integer", "description": "Send it back with an update."},
            "pending_report": {"type": ["integer", "null"]},
            "close_out": CLOSE_OUT,
            "receipt": {
                "oneOf": [{"type": "null"}, ref("Receipt")],
                "description": "The department's receipt (签收) of its current assignment; "
                "null when the milestone was assigned before receipts were kept (or was done "
                "when its plan was loaded).",
            },
        }
    ),
    "Receipt": obj(
        {
            "state": {
                "type": "string",
                "enum": ["pending", "signed", "declined"],
                "description": "`pending` until the department's lead signs for it (`signed`) "
                "or declines it with a reason (`declined`, back to the coordinating office).",
            },
            "department": {"type": "string", "description": "The assigned department's code."},
            "assigned_at": {"type": "string", "format": "date-time"},
            "answered_at": {"type": ["string", "null"], "format": "date-time"},
            "answered_by": {
                "type": ["string", "null"],
                "description": "The user name of who signed or declined.",
            },
            "responsible": {
                "type": "string",
                "description": "Who answers for the milestone, named when signing.",
            },
            "reason": {"type": "string", "description": "Why it was declined."},
        }
    ),
    "Item": obj(
        {
            "code": {"type": "string"},
            "group": {"type": "string"},
            "title": BILINGUAL,
            "lead_department": {"type": "string"},
            "supporting_departments": {"type": "array", "items": {"type": "string"}},
            "start": DATE,
            "due": DATE,
            "focus": {"type": "boolean"},
            "source": {
                "type": "string",
                "enum": ["report", "sample"],
                "description": "Where the item's departments and dates come from: `report` "
                "the plan's source, `sample` sample data. The split of the plan into items "
                "and their titles is a reading of the source (see the plan's source note).",
            },
            "facts": {
                "type": "array",
                "description": "Background facts, oldest first.",
                "items": ref("Fact"),
            },
            **{
                k: v for k, v in SUMMARY.items() if k not in {"status_counts", "awaiting_close_out"}
            },
            "reported_status": {
                "type": ["string", "null"],
                "description": "Review state of the item's latest own report (summary or "
                "figure): submitted, approved, returned or withdrawn; null when none.",
            },
            "pending_reports": {"type": "integer"},
            "version": {"type": "integer"},
            "milestones": {"type": "array", "items": ref("Milestone")},
        }
    ),
    "Fact": obj(
        {
            "date": {
                "type": "string",
                "pattern": "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
                "description": "When it happened, no more precisely than the source says: "
                "a day (2019-06-28), a month (2019-06) or a year (2019). A fact the source "
                "states without a date carries the source's date.",
            },
            "date_precision": {"type": "string", "enum": ["day", "month", "year"]},
            "text": BILINGUAL,
            "source": SOURCE,
        }
    ),
    "Group": obj(
        {
            "code": {"type": "string"},
            "kind": {"type": "string"},
            "position": {"type": "integer"},
            "name": BILINGUAL,
            **SUMMARY,
            "items": {"type": "array", "items": ref("Item")},
        }
    ),
    "PlanSummary": obj(
        {
            "code": {"type": "string"},
            "name": BILINGUAL,
            "state": {"type": "string", "enum": list(PLAN_STATES)},
            "start": DATE,
            "end": DATE,
            "closed_on": {**NULLABLE_DATE, "description": "The day it closed (its figures' day)."},
            "as_of": DATE,
            **SUMMARY,
        }
    ),
    "Plan": obj(
        {
            "code": {"type": "string"},
            "name": BILINGUAL,
            "start": DATE,
            "end": DATE,
            "as_of": DATE,
            **SUMMARY,
            "groups": {"type": "array", "items": ref("Group")},
        }
    ),
    "Department": obj(
        {
            "code": {"type": "string"},
            "name": BILINGUAL,
            "coordinating": {"type": "boolean"},
            "active": {"type": "boolean"},
        }
    ),
    "Indicator": obj(
        {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "item": {"type": ["string", "null"]},
            "name": BILINGUAL,
            "unit": BILINGUAL,
            "baseline": obj({"value": {"type": "number"}, "date": DATE}),
            "targets": {
                "type": "array",
                "items": obj({"due": DATE, "value": {"type": "number"}, "source": SOURCE}),
            },
            "measurements": {
                "type": "array",
                "description": "Approved measurements, oldest first.",
                "items": obj(
                    {"date": DATE, "value": {"type": "number"}, "source": {"type": "string"}}
                ),
            },
        }
    ),
    "Update": obj(
        {
            "id": {"type": "integer"},
            "item": {"type": "string"},
            "milestone": {"type": ["integer", "null"]},
            "milestone_code": {"type": ["string", "null"]},
            "field": {"type": "string"},
            "old_value": {"type": ["string", "null"]},
            "new_value": {"type": ["string", "null"]},
            "note": {"type": "string"},
            "effective_on": DATE,
            "created_at": {"type": "string", "format": "date-time"},
            "user": {"type": ["string", "null"]},
            "origin": {"type": "string"},
            "report": {"type": ["integer", "null"]},
        }
    ),
    "UpdatePage": obj(
        {
            "updates": {"type": "array", "items": ref("Update")},
            "next_cursor": {
                **CURSOR.schema,
                "type": ["string", "null"],
                "description": "Send it as `cursor` for the next page; null on the last.",
            },
        }
    ),
    "Report": obj(
        {
            "id": {"type": "integer"},
            "state": {"type": "string", "enum": ["submitted"]},
            "item": {"type": "string"},
            "milestone": {"type": ["integer", "null"]},
            "indicator": {"type": ["string", "null"]},
            "submitted_at": {"type": "string", "format": "date-time"},
            "author": {"type": "string"},
            "department": {"type": ["string", "null"]},
            "status": {"type": ["string", "null"]},
            "progress": {"type": ["integer", "null"]},
            "completed_on": NULLABLE_DATE,
            "note": {"type": "string"},
            "value": {"type": ["number", "null"]},
            "date": NULLABLE_DATE,
            "source": {"type": "string"},
            "base_version": {"type": "integer"},
        }
    ),
}

# The department evaluation (考评): answers of /api/v1/evaluation.
FINDING = obj(
    {
        "kind": {
            "type": "string",
            "enum": [k.value for k in FindingKind],
            "description": "What happened: a milestone done late or not done, a month without "
            "a report, an assignment signed for late or not at all, a report returned, an "
            "instruction handled late or not at all, a milestone overdue at the period's end.",
        },
        "code": {"type": "string", "description": "The milestone's (or item's) code."},
        "day": {**DATE, "description": "The day it was due (or assigned, or submitted)."},
        "happened_on": {**NULLABLE_DATE, "description": "The day it happened, if it did."},
        "days_late": {
            "type": ["integer", "null"],
            "description": "Days late (working days for receipts) at the period's end.",
        },
        "points": {
            "type": ["number", "null"],
            "description": "Points this deduction takes off (null for a lost point).",
        },
    }
)
SCHEMAS["Evaluation"] = obj(
    {
        "plan": {"type": "string"},
        "from": DATE,
        "to": DATE,
        "as_of": {**DATE, "description": "The day judged: the period's end, or today."},
        "scheme": obj(
            {
                "valid_from": {
                    **NULLABLE_DATE,
                    "description": "Null: the default scheme (the plan has none configured).",
                },
                "points": obj({c.value: {"type": "integer", "minimum": 0} for c in CRITERIA}),
                "receipt_days": {"type": "integer", "minimum": 0},
                "overdue_deduction": {"type": "integer", "minimum": 0},
                "deduction_cap": {"type": "integer", "minimum": 0},
            }
        ),
        "departments": {
            "type": "array",
            "description": "Best first; equal totals share a rank.",
            "items": obj(
                {
                    "department": {"type": "string", "description": "The department's code."},
                    "name": BILINGUAL,
                    "rank": {"type": "integer", "minimum": 1},
                    "total": {"type": "number"},
                    "criteria": {
                        "type": "array",
                        "items": obj(
                            {
                                "criterion": {"type": "string", "enum": list(CRITERIA)},
                                "points": {"type": "number", "minimum": 0},
                                "max_points": {"type": "integer", "minimum": 0},
                                "judged": {
                                    "type": "integer",
                                    "minimum": 0,
                                    "description": "0: nothing to judge, full points.",
                                },
                                "good": {"type": "integer", "minimum": 0},
                                "events": {"type": "array", "items": FINDING},
                            }
                        ),
                    },
                    "deducted": {"type": "number", "minimum": 0},
                    "deductions": {"type": "array", "items": FINDING},
                }
            ),
        },
    }
)

ERRORS = {
    400: "Malformed request (the body is not a JSON object).",
    401: "Missing, unknown or revoked token, or a deactivated user.",
    403: "The token's user may not do this.",
    404: "Not found.",
    409: "The version sent is not the current one (`stale-version`), or the request is "
    "valid but the current state refuses it (`state-conflict`: a milestone update that "
    "lowers progress, or changes nothing, without a note); `errors` then names the field.",
    413: "The body is over 1 MB.",
    415: "The body is not JSON.",
    422: "Invalid values; `errors` lists each field with a code.",
}
READ = (422,)
WRITE = (400, 403, 409, 413, 415, 422)

INFO = {
    "title": "Plan Tracker API",
    "version": "1.0.0",
    "description": (
        "Progress of the plan 《工业互联网·市南在行动》 for other systems, and reports "
        "from departments' own tools. Send a personal token (made on the profile page "
        "or with `flask --app tracker tokens create NAME`) as `Authorization: Bearer "
        "TOKEN`; it acts with its user's role. Reports sent here wait for review like "
        "those sent on the pages. Errors are RFC 9457 problems whose `title` and "
        "`detail` follow `Accept-Language` (zh or en; Chinese by default). Bodies may "
        f"be at most {MAX_BODY // 1024 // 1024} MB. This document and the page "
        "/api/v1/docs need no token."
    ),
}


def path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def list_of(key: str, name: str) -> dict[str, Any]:
    return obj({key: {"type": "array", "items": ref(name)}})


@dataclass(frozen=True)
class Link:
    """Where an answer leads: another operation, with values taken from this answer's body
    (JSON pointers), for clients and for schemathesis's stateful phase.
    """

    name: str
    operation_id: str
    parameters: dict[str, str]
    body: dict[str, str] | None = None

    def document(self) -> dict[str, Any]:
        described: dict[str, Any] = {
            "operationId": self.operation_id,
            "parameters": {k: f"$response.body#{v}" for k, v in self.parameters.items()},
        }
        if self.body is not None:
            described["requestBody"] = {k: f"$response.body#{v}" for k, v in self.body.items()}
        return described


@dataclass(frozen=True)
class Operation:
    """One operation of the API: where it is, what it takes and what it answers.

    ``problems`` are the error statuses beyond 401 and 404, which every operation that needs
    a token may answer; a ``public`` one needs no token and answers only ``answer``.
    """

    method: str
    path: str
    operation_id: str
    summary: str
    answer: dict[str, Any]
    parameters: tuple[dict[str, Any] | Query, ...] = ()
    body: Body | None = None
    problems: tuple[int, ...] = ()
    public: bool = False
    media: str = "application/json"
    links: tuple[Link, ...] = ()

    @property
    def conditional(self) -> bool:
        """Reads that need a token carry an ETag and answer 304 to a current one."""
        return self.method == "get" and not self.public

    def document(self) -> dict[str, Any]:
        """The operation object of the document."""
        described: dict[str, Any] = {"operationId": self.operation_id, "summary": self.summary}
        if self.public:
            described["security"] = []
        parameters = [p.document() if isinstance(p, Query) else p for p in self.parameters]
        if self.conditional:
            parameters.append(IF_NONE_MATCH)
        if parameters:
            described["parameters"] = parameters
        if self.body is not None:
            content: dict[str, Any] = {"application/json": {"schema": ref(self.body.name)}}
            if self.body.example is not None:
                content["application/json"]["example"] = self.body.example
            described["requestBody"] = {"required": True, "content": content}
        described["responses"] = self.responses()
        return described

    def responses(self) -> dict[str, Any]:
        """The success answer, then each problem it may answer, by status."""
        ok = 201 if self.method == "post" else 200
        described: dict[str, Any] = {
            str(ok): {
                "description": "Created" if ok == 201 else "OK",
                "content": {self.media: {"schema": self.answer}},
            }
        }
        if self.links:
            described[str(ok)]["links"] = {link.name: link.document() for link in self.links}
        if self.conditional:
            described[str(ok)]["headers"] = {"ETag": ETAG_HEADER}
            described["304"] = {
                "description": "Not Modified: the ETag sent in `If-None-Match` is still "
                "current; the answer has no body.",
                "headers": {"ETag": ETAG_HEADER},
            }
        codes = () if self.public else sorted({401, 404, *self.problems})
        for code in codes:
            described[str(code)] = {
                "description": ERRORS[code],
                "content": {"application/problem+json": {"schema": ref("Problem")}},
            }
        return described


IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "The `ETag` of an earlier answer: while nothing it shows has changed, "
    "the answer is `304 Not Modified` with no body.",
}
ETAG_HEADER = {
    "description": "Changes exactly when the answer would: with any change to the plans' "
    "data, the day, or the reader.",
    "schema": {"type": "string"},
}
ITEM_CODE = {"name": "code", "in": "path", "required": True, "schema": CODE}
PLAN_CODE = {
    "name": "plan",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": CODE_PATTERN.pattern},
    "description": "The plan's code (`GET /api/v1/plans` lists them).",
    "example": "shinan-2020",
}
DEFAULT_PLAN = " (the default plan's; the same as under `/api/v1/plans/{plan}`)"

OPERATIONS = (
    Operation(
        "get",
        "/api/v1/plans",
        "listPlans",
        "Every plan you may see: code, name, state and headline progress",
        list_of("plans", "PlanSummary"),
        links=(
            Link("FirstPlan", "getPlanByCode", {"plan": "/plans/0/code"}),
            Link("FirstPlanIndicators", "listPlanIndicators", {"plan": "/plans/0/code"}),
            Link("FirstPlanUpdates", "listPlanUpdates", {"plan": "/plans/0/code"}),
        ),
    ),
    Operation(
        "get",
        "/api/v1/plans/{plan}",
        "getPlanByCode",
        "A plan with groups, items and milestones, rolled up",
        ref("Plan"),
        parameters=(PLAN_CODE, AS_OF),
        problems=READ,
        links=(
            Link(
                "FirstItemOfPlan",
                "getPlanItem",
                {"plan": "/code", "code": "/groups/0/items/0/code"},
            ),
        ),
    ),
    Operation(
        "get",
        "/api/v1/plans/{plan}/items/{code}",
        "getPlanItem",
        "One item of a plan with its milestones",
        ref("Item"),
        parameters=(PLAN_CODE, ITEM_CODE),
        links=(Link("FirstMilestone", "getMilestone", {"milestone_id": "/milestones/0/id"}),),
    ),
    Operation(
        "get",
        "/api/v1/plans/{plan}/indicators",
        "listPlanIndicators",
        "A plan's indicators with baseline, targets and approved measurements",
        list_of("indicators", "Indicator"),
        parameters=(PLAN_CODE,),
        links=(Link("MeasureFirst", "postMeasurement", {"indicator_id": "/indicators/0/id"}),),
    ),
    Operation(
        "get",
        "/api/v1/plans/{plan}/updates",
        "listPlanUpdates",
        "A plan's history, one row per changed field, oldest first (id order)",
        ref("UpdatePage"),
        parameters=(PLAN_CODE, SINCE, ITEM, LIMIT, CURSOR),
        problems=READ,
    ),
    Operation(
        "get",
        "/api/v1/plan",
        "getPlan",
        "The plan with groups, items and milestones, rolled up" + DEFAULT_PLAN,
        ref("Plan"),
        parameters=(AS_OF,),
        problems=READ,
        links=(Link("FirstItem", "getItem", {"code": "/groups/0/items/0/code"}),),
    ),
    Operation(
        "get",
        "/api/v1/items/{code}",
        "getItem",
        "One item with its milestones" + DEFAULT_PLAN,
        ref("Item"),
        parameters=(ITEM_CODE,),
        links=(Link("FirstMilestone", "getMilestone", {"milestone_id": "/milestones/0/id"}),),
    ),
    Operation(
        "get",
        "/api/v1/milestones/{milestone_id}",
        "getMilestone",
        "One milestone, as of today",
        ref("Milestone"),
        parameters=(path_id("milestone_id"),),
        links=(
            Link(
                "ReportOnIt",
                "postMilestoneUpdate",
                {"milestone_id": "/id"},
                body={"version": "/version"},
            ),
        ),
    ),
    Operation(
        "post",
        "/api/v1/milestones/{milestone_id}/updates",
        "postMilestoneUpdate",
        "Report a milestone's status and progress (pending review)",
        ref("Report"),
        parameters=(path_id("milestone_id"),),
        body=MILESTONE_UPDATE,
        problems=WRITE,
        links=(Link("TheMilestone", "getMilestone", {"milestone_id": "/milestone"}),),
    ),
    Operation(
        "get",
        "/api/v1/departments",
        "listDepartments",
        "Every department",
        list_of("departments", "Department"),
    ),
    Operation(
        "get",
        "/api/v1/indicators",
        "listIndicators",
        "Indicators with baseline, targets and approved measurements" + DEFAULT_PLAN,
        list_of("indicators", "Indicator"),
        links=(Link("MeasureFirst", "postMeasurement", {"indicator_id": "/indicators/0/id"}),),
    ),
    Operation(
        "post",
        "/api/v1/indicators/{indicator_id}/measurements",
        "postMeasurement",
        "Report a new figure (an item report of the indicator's item, pending review)",
        ref("Report"),
        parameters=(path_id("indicator_id"),),
        body=MEASUREMENT,
        problems=WRITE,
        links=(Link("TheItem", "getItem", {"code": "/item"}),),
    ),
    Operation(
        "get",
        "/api/v1/updates",
        "listUpdates",
        "The history, one row per changed field, oldest first (id order)" + DEFAULT_PLAN,
        ref("UpdatePage"),
        parameters=(SINCE, ITEM, LIMIT, CURSOR),
        problems=READ,
    ),
    Operation(
        "get",
        "/api/v1/evaluation",
        "getEvaluation",
        "The department evaluation for a period: points, rank and the events behind every "
        "point lost" + DEFAULT_PLAN,
        ref("Evaluation"),
        parameters=(EVALUATION_FROM, EVALUATION_TO),
        problems=(403, 422),
    ),
    Operation(
        "get",
        "/api/v1/plans/{plan}/evaluation",
        "getPlanEvaluation",
        "A plan's department evaluation for a period",
        ref("Evaluation"),
        parameters=(PLAN_CODE, EVALUATION_FROM, EVALUATION_TO),
        problems=(403, 422),
    ),
    Operation(
        "get",
        "/api/v1/openapi.json",
        "getOpenApi",
        "This document",
        {"type": "object"},
        public=True,
    ),
    Operation(
        "get",
        "/api/v1/docs",
        "getDocs",
        "This document as a page for people",
        {"type": "string"},
        public=True,
        media="text/html",
    ),
)


def paths() -> dict[str, dict[str, Any]]:
    """Every operation, by path and method."""
    described: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        described.setdefault(operation.path, {})[operation.method] = operation.document()
    return described


def spec(today: date) -> dict[str, Any]:
    """The OpenAPI 3.1 document as of ``today`` (which the days "not after today" name)."""
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**SCHEMAS, **{body.name: body.schema(today) for body in BODIES}},
        },
    }


@bp.get("/openapi.json")
@api_view(public=True)
def openapi_json() -> Response:
    return jsonify(spec(today()))


@bp.get("/docs")
@api_view(public=True)
def docs() -> str:
    """The API for people: each operation with its parameters and answers, and the problems."""
    document = spec(today())
    operations = [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    return render_template(
        "api/docs.html",
        document=document,
        operations=operations,
        problem_types=[(slug, status, title) for slug, (status, title) in TYPES.items()],
    )
