"""The OpenAPI 3.1 description of the API, served at ``/api/v1/openapi.json``, and a page that
lists it for people (``/api/v1/docs``, server-rendered, no script from elsewhere).

Both are public: they describe the API and hold no data. A test validates the document and
checks that every ``/api/`` route is in it; another fuzzes the API from it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from tracker import errors
from tracker.api import bp
from tracker.api.auth import MAX_BODY, answer, api_view
from tracker.api.problems import TYPES, from_http_error
from tracker.api.routes import DEFAULT_MEASUREMENT_NOTE, UPDATES_DEFAULT_LIMIT, UPDATES_MAX_LIMIT
from tracker.api.schemas import SOURCE_MAX
from tracker.domain.status import STATUSES
from tracker.forms import MAX_ID

DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
TEXT = {"type": "string", "pattern": "^[^\\x00]*$"}
STATUS = {"type": "string", "enum": list(STATUSES)}
BILINGUAL = {
    "type": "object",
    "required": ["zh", "en"],
    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
    "additionalProperties": False,
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object whose properties are all present (except ``optional``), and no others."""
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
        "additionalProperties": False,
    }


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
        "description": "Items by computed status.",
        "additionalProperties": {"type": "integer"},
    },
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
            "overdue": {"type": "boolean"},
            "completed_on": NULLABLE_DATE,
            "version": {"type": "integer", "description": "Send it back with an update."},
            "pending_report": {"type": ["integer", "null"]},
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
            **{k: v for k, v in SUMMARY.items() if k != "status_counts"},
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
                "items": obj({"due": DATE, "value": {"type": "number"}}),
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
    "MilestoneUpdate": obj(
        {
            "status": STATUS,
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            "note": {
                **TEXT,
                "maxLength": 4000,
                "description": "Required when the status is at_risk or delayed, when progress "
                "goes down, and when nothing else changes.",
            },
            "completed_on": {
                **NULLABLE_DATE,
                "description": "Required for status done; never in the future.",
            },
            "version": {
                "type": "integer",
                "description": "The milestone's `version` you read; another one answers 409.",
            },
        },
        optional=("note", "completed_on"),
    ),
    "MeasurementInput": obj(
        {
            "value": {"type": "number", "minimum": 0},
            "date": {**DATE, "description": "When it was measured; never in the future."},
            "source": {**TEXT, "maxLength": SOURCE_MAX},
            "note": {
                **TEXT,
                "maxLength": 4000,
                "description": "The report's summary; defaults to the source, else to "
                f"“{DEFAULT_MEASUREMENT_NOTE}”.",
            },
            "version": {
                "type": "integer",
                "description": "The item's `version` you read, to refuse (409) a figure sent "
                "against an item that changed since; omit it to report on the current one.",
            },
        },
        optional=("source", "note", "version"),
    ),
}

ERRORS = {
    400: "Malformed request (the body is not a JSON object).",
    401: "Missing, unknown or revoked token, or a deactivated user.",
    403: "The token's user may not do this.",
    404: "Not found.",
    409: "The version sent is not the current one.",
    413: "The body is over 1 MB.",
    415: "The body is not JSON.",
    422: "Invalid values; `errors` lists each field with a code.",
}


def responses(ok: int, schema: dict[str, Any], *codes: int) -> dict[str, Any]:
    described: dict[str, Any] = {
        str(ok): {
            "description": "Created" if ok == 201 else "OK",
            "content": {"application/json": {"schema": schema}},
        }
    }
    for code in sorted({401, 404, *codes}):
        described[str(code)] = {
            "description": ERRORS[code],
            "content": {"application/problem+json": {"schema": ref("Problem")}},
        }
    return described


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def list_of(key: str, name: str) -> dict[str, Any]:
    return obj({key: {"type": "array", "items": ref(name)}})


def body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    read = (422,)
    write = (400, 403, 409, 413, 415, 422)
    return {
        "openapi": "3.1.0",
        "info": {
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
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/plan": {
                "get": {
                    "operationId": "getPlan",
                    "summary": "The plan with groups, items and milestones, rolled up",
                    "parameters": [
                        query(
                            "as_of",
                            DATE,
                            "The day to roll up at (default today); a past day is rebuilt "
                            "from the history, counting only approved reports.",
                        )
                    ],
                    "responses": responses(200, ref("Plan"), *read),
                }
            },
            "/api/v1/items/{code}": {
                "get": {
                    "operationId": "getItem",
                    "summary": "One item with its milestones, as of today",
                    "parameters": [
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
                        }
                    ],
                    "responses": responses(200, ref("Item")),
                }
            },
            "/api/v1/milestones/{milestone_id}": {
                "get": {
                    "operationId": "getMilestone",
                    "summary": "One milestone, as of today",
                    "parameters": [path_id("milestone_id")],
                    "responses": responses(200, ref("Milestone")),
                }
            },
            "/api/v1/milestones/{milestone_id}/updates": {
                "post": {
                    "operationId": "postMilestoneUpdate",
                    "summary": "Report a milestone's status and progress (pending review)",
                    "parameters": [path_id("milestone_id")],
                    "requestBody": body("MilestoneUpdate"),
                    "responses": responses(201, ref("Report"), *write),
                }
            },
            "/api/v1/departments": {
                "get": {
                    "operationId": "listDepartments",
                    "summary": "Every department",
                    "responses": responses(200, list_of("departments", "Department")),
                }
            },
            "/api/v1/indicators": {
                "get": {
                    "operationId": "listIndicators",
                    "summary": "Indicators with baseline, targets and approved measurements",
                    "responses": responses(200, list_of("indicators", "Indicator")),
                }
            },
            "/api/v1/indicators/{indicator_id}/measurements": {
                "post": {
                    "operationId": "postMeasurement",
                    "summary": "Report a new figure (an item report of the indicator's item, "
                    "pending review)",
                    "parameters": [path_id("indicator_id")],
                    "requestBody": body("MeasurementInput"),
                    "responses": responses(201, ref("Report"), *write),
                }
            },
            "/api/v1/updates": {
                "get": {
                    "operationId": "listUpdates",
                    "summary": "The history, one row per changed field, oldest first (id order)",
                    "parameters": [
                        query("since", DATE, "Only changes that count from this day on."),
                        query(
                            "item",
                            {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
                            "Only this item's rows (its code).",
                        ),
                        query(
                            "limit",
                            {"type": "integer", "minimum": 1, "maximum": UPDATES_MAX_LIMIT},
                            f"Rows per page (default {UPDATES_DEFAULT_LIMIT}).",
                        ),
                        query(
                            "cursor",
                            {"type": "string"},
                            "The `next_cursor` of the previous page (opaque).",
                        ),
                    ],
                    "responses": responses(
                        200,
                        obj(
                            {
                                "updates": {"type": "array", "items": ref("Update")},
                                "next_cursor": {"type": ["string", "null"]},
                            }
                        ),
                        *read,
                    ),
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/api/v1/docs": {
                "get": {
                    "operationId": "getDocs",
                    "summary": "This document as a page for people",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"text/html": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }


@bp.get("/openapi.json")
@api_view(public=True)
def openapi_json() -> Response:
    return jsonify(spec())


@bp.get("/docs")
@api_view(public=True)
def docs() -> str:
    """The API for people: each operation with its parameters and answers, and the problems."""
    document = spec()
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


def api_routing_error(error: HTTPException) -> Response | tuple[object, int]:
    """Unknown addresses and wrong methods under ``/api/`` answer as problems too."""
    if request.path.startswith("/api/"):
        return answer(from_http_error(error))
    return errors.handle_http_error(error)


def init_app(app: Flask) -> None:
    """Answer routing errors under ``/api/`` with problem documents (others as before)."""
    app.register_error_handler(404, api_routing_error)
    app.register_error_handler(405, api_routing_error)
