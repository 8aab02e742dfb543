"""Writing through the API: the same permissions, rules and history as the report pages."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.api.conftest import Api, milestone
from tests.conftest import table_snapshot
from tests.factories import csrf_token, login
from tracker.clock import today
from tracker.extensions import db
from tracker.models import Indicator, Item, Report, Update


def url(code: str = "T1-3") -> str:
    return f"/api/v1/milestones/{milestone(code).id}/updates"


def update(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "status": "on_track",
        "progress": 75,
        "note": "Sites opened in Zhanqiao.",
        "version": milestone("T1-3").version,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def test_owner_submits_a_report_pending_review(api: Api) -> None:
    response = api.post(url(), json=update())
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["state"] == "submitted"
    assert (body["status"], body["progress"], body["author"]) == ("on_track", 75, "lead-gxj")
    assert response.headers["Location"].endswith(f"/api/v1/milestones/{milestone('T1-3').id}")
    db.session.expire_all()
    report = db.session.get(Report, body["id"])
    assert report is not None
    assert report.state == "submitted"
    assert milestone("T1-3").progress != 75  # it counts only once approved


@pytest.mark.parametrize("who", ["viewer", "leader", "swj", "kjj"])
def test_others_may_not_write(api: Api, who: str) -> None:
    before = table_snapshot()
    response = api.post(url(), who, json=update())
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    measurement = api.post(
        f"/api/v1/indicators/{indicator('5g-base-stations').id}/measurements",
        who,
        json={"value": 700, "date": "2020-10-01"},
    )
    assert measurement.status_code == 403
    assert _without_token_use(table_snapshot()) == _without_token_use(before)


def _without_token_use(snapshot: dict) -> dict:
    """The snapshot without the api_token table (using a token notes its last use)."""
    return {k: v for k, v in snapshot.items() if k != "api_token"}


def test_admin_may_write(api: Api) -> None:
    assert api.post(url(), "admin", json=update()).status_code == 201


def test_stale_version_is_409_and_writes_nothing(api: Api) -> None:
    read = milestone("T1-3").version
    first = api.post(url(), json=update(version=read))
    assert first.status_code == 201
    before = _without_token_use(table_snapshot())
    again = api.post(url(), json=update(progress=80, version=read))  # read before the first
    assert again.status_code == 409
    problem = again.get_json(force=True)
    assert problem["current_version"] == milestone("T1-3").version
    assert _without_token_use(table_snapshot()) == before


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"status": "finished"}, "status", "unknown_status"),
        ({"progress": 101}, "progress", "progress_range"),
        ({"progress": -1}, "progress", "progress_range"),
        ({"progress": 10**40}, "progress", "progress_range"),
        ({"status": "delayed", "note": " "}, "note", "note_required_for_status"),
        ({"status": "done", "completed_on": "2999-01-01"}, "completed_on", "range"),
        ({"status": "done", "completed_on": None}, "completed_on", "completion_date_required"),
        ({"completed_on": "31/12/2020"}, "completed_on", "format"),
        ({"progress": "75"}, "progress", "type"),
        ({"progress": True}, "progress", "type"),
        ({"progress": 7.5}, "progress", "type"),
        ({"version": "1"}, "version", "type"),
        ({"note": 5}, "note", "type"),
        ({"note": "a\x00b"}, "note", "invalid_characters"),
        ({"note": "a\x1bb"}, "note", "invalid_characters"),
        ({"note": "x" * 4001}, "note", "note_too_long"),
        ({"colour": "red"}, "colour", "unknown_field"),
        ({"status": ...}, "status", "required"),
        ({"version": ...}, "version", "required"),
    ],
)
def test_invalid_values_are_422_with_field_and_code(
    api: Api, changes: dict, field: str, code: str
) -> None:
    before = _without_token_use(table_snapshot())
    response = api.post(url(), json=update(**changes))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    errors = response.get_json(force=True)["errors"]
    assert {"field": field, "code": code} in [{k: e[k] for k in ("field", "code")} for e in errors]
    assert _without_token_use(table_snapshot()) == before


def test_completion_date_in_the_future_is_refused_by_the_rule(api: Api) -> None:
    with api.client.application.test_request_context():
        tomorrow = today() + timedelta(days=1)
    response = api.post(url(), json=update(status="done", completed_on=tomorrow.isoformat()))
    assert response.status_code == 422
    codes = [e["code"] for e in response.get_json(force=True)["errors"]]
    assert codes == ["completion_date_in_future"]


def test_rule_messages_follow_accept_language(api: Api) -> None:
    body = update(status="delayed", note="")
    chinese = api.post(url(), json=body).get_json(force=True)
    english = api.post(url(), json=body, headers={"Accept-Language": "en"}).get_json(force=True)
    assert english["errors"][0]["detail"].startswith("Please explain")
    assert chinese["errors"][0]["detail"] != english["errors"][0]["detail"]


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[]", b"42", b'"text"', b"\xff\xfe", b'{"progress": NaN}', b"[" * 100000],
)
def test_malformed_json_is_400(api: Api, raw: bytes) -> None:
    response = api.post(url(), data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_a_form_body_is_415(api: Api) -> None:
    response = api.post(url(), data={"status": "on_track"})
    assert response.status_code == 415


def test_bodies_over_1_mb_are_413(api: Api) -> None:
    big = json.dumps(update(note="x" * (1024 * 1024)))
    response = api.post(url(), data=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_chunked_bodies_over_1_mb_are_413(api: Api) -> None:
    stream = io.BytesIO(b"{" + b" " * (1024 * 1024 + 10) + b"}")
    response = api.client.post(
        url(),
        input_stream=stream,
        headers={
            "Authorization": f"Bearer {api.tokens['gxj']}",
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413


def test_api_update_is_recorded_like_a_page_update(api: Api) -> None:
    """The same report through the page and through the API gives the same history rows."""
    m = milestone("T1-3")
    page = api.client.application.test_client()
    login(page, "lead-gxj")
    path = f"/milestones/{m.id}/report"
    form = {
        "csrf_token": csrf_token(page, path),
        "status": "at_risk",
        "progress": "70",
        "note": "Permits are slow.",
        "version": str(m.version),
    }
    assert page.post(path, data=form).status_code == 302
    db.session.expire_all()
    page_report = db.session.scalar(sa.select(Report).order_by(Report.id.desc()))
    sent = {"status": "at_risk", "progress": 70, "note": "Permits are slow."}
    response = api.post(url(), json={**sent, "version": milestone("T1-3").version})
    assert response.status_code == 201
    db.session.expire_all()
    api_report = db.session.get(Report, response.get_json()["id"])

    def rows(report: Report) -> list[tuple]:
        return [
            (u.field, u.old_value, u.new_value, u.note, u.origin, u.user_id, u.effective_on)
            for u in db.session.scalars(
                sa.select(Update).where(Update.report_id == report.id).order_by(Update.id)
            )
            if u.field != "review"
        ]

    assert rows(api_report) == rows(page_report)
    assert (api_report.state, api_report.status, api_report.progress) == (
        "submitted",
        "at_risk",
        70,
    )
    assert db.session.get(Report, page_report.id).state == "withdrawn"  # replaced, as on pages
    timeline = page.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    assert "Permits are slow." in timeline


def indicator(code: str) -> Indicator:
    found = db.session.scalar(sa.select(Indicator).where(Indicator.code == code))
    assert found is not None
    return found


def test_measurement_is_an_item_report_pending_review(api: Api) -> None:
    five_g = indicator("5g-base-stations")
    response = api.post(
        f"/api/v1/indicators/{five_g.id}/measurements",
        json={"value": 812, "date": "2020-11-30", "source": "Unicom monthly report"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["indicator"], body["value"], body["date"]) == (
        "5g-base-stations",
        812,
        "2020-11-30",
    )
    assert body["note"] == "Unicom monthly report"  # the note defaults to the source
    assert body["milestone"] is None
    assert body["state"] == "submitted"
    # Pending: the approved measurements are unchanged.
    shown = api.get("/api/v1/indicators").get_json()["indicators"]
    values = [
        m["value"] for i in shown if i["code"] == "5g-base-stations" for m in i["measurements"]
    ]
    assert 812 not in values


def test_measurement_without_source_or_note_gets_the_fixed_note(api: Api) -> None:
    five_g = indicator("5g-base-stations")
    response = api.post(
        f"/api/v1/indicators/{five_g.id}/measurements", json={"value": 800, "date": "2020-11-30"}
    )
    assert response.status_code == 201
    assert "API" in response.get_json()["note"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"value": -1, "date": "2020-11-30"}, "measurement_value"),
        ({"value": "800", "date": "2020-11-30"}, "type"),
        ({"value": 800}, "required"),
        ({"value": 800, "date": "2020-11-30", "source": "s" * 201}, "too_long"),
        ({"value": 800, "date": "2020-11-30", "extra": 1}, "unknown_field"),
        ({"value": 1e400, "date": "2020-11-30"}, "measurement_value"),
        ({"value": 10**12 + 1, "date": "2020-11-30"}, "measurement_value"),
        ({"value": 800, "date": "2020-11-30", "source": "统计\n局"}, "invalid_characters"),
    ],
)
def test_bad_measurements_are_422(api: Api, body: dict, code: str) -> None:
    five_g = indicator("5g-base-stations")
    raw = json.dumps(body).replace("Infinity", "1e400")
    response = api.post(
        f"/api/v1/indicators/{five_g.id}/measurements",
        data=raw,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert code in [e["code"] for e in response.get_json(force=True)["errors"]]


def test_measurement_with_stale_item_version_is_409(api: Api) -> None:
    five_g = indicator("5g-base-stations")
    item = db.session.get(Item, five_g.item_id)
    response = api.post(
        f"/api/v1/indicators/{five_g.id}/measurements",
        json={"value": 800, "date": "2020-11-30", "version": item.version + 5},
    )
    assert response.status_code == 409


def test_unknown_indicator_or_milestone_is_404(api: Api) -> None:
    assert api.post("/api/v1/indicators/99999/measurements", json={}).status_code == 404
    assert api.post("/api/v1/milestones/99999/updates", json={}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done", "progress": -1, "completed_on": "2020-09-30"}, "progress"),
        ({"status": "done", "progress": 101, "completed_on": "2020-09-30"}, "progress"),
        ({"status": "on_track", "progress": 30, "version": None}, "version"),
    ],
)
def test_values_out_of_range_are_refused_whatever_the_other_fields_say(
    api: Api, body: dict[str, object], field: str
) -> None:
    """Nothing is coerced silently: a done milestone counts 100, but -1 is still refused."""
    t13 = milestone("T1-3")
    sent = {"version": t13.version, "note": "接口报送", **body}
    response = api.post(f"/api/v1/milestones/{t13.id}/updates", json=sent)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.get_json()["errors"]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


@pytest.mark.parametrize("limit", ["²", "١٢", "1e3"])
def test_a_limit_in_other_digits_is_a_422(api: Api, limit: str) -> None:
    response = api.get(f"/api/v1/updates?limit={limit}")
    assert response.status_code == 422


def test_a_valid_update_the_current_state_refuses_is_a_409_conflict(api: Api) -> None:
    """Lowering progress, or changing nothing, needs a note: that depends on the milestone as
    it is now, not on the request, so it is a conflict with the state (409), naming the field.
    """
    before = _without_token_use(table_snapshot())
    t13 = milestone("T1-3")
    same = {"status": t13.reported_status, "progress": t13.progress, "version": t13.version}
    response = api.post(url(), json=same)
    assert response.status_code == 409, response.get_data(as_text=True)
    problem = response.get_json(force=True)
    assert problem["type"].endswith("#problem-state-conflict")
    assert [e["code"] for e in problem["errors"]] == ["nothing_to_report"]
    assert "current_version" not in problem
    with_note = api.post(url(), json={**same, "note": "本月无新进展，说明情况。"})
    assert with_note.status_code == 201
    assert _without_token_use(table_snapshot()) != before


def test_input_problems_beside_state_problems_stay_422(api: Api) -> None:
    t13 = milestone("T1-3")
    body = {"status": t13.reported_status, "progress": t13.progress, "version": 1, "x": 1}
    assert api.post(url(), json=body).status_code == 422
