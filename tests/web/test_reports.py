"""Reports on milestones and items, and their review: the department's weekly work."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import load_plan
from tests.factories import create_user, csrf_token, department, login, signed_in
from tracker.extensions import db
from tracker.models import (
    Attachment,
    AttachmentContent,
    Measurement,
    Milestone,
    Report,
    Update,
)

# 2020-12-20 in Qingdao: T1-3 (970 stations by 2020-12-31) is due in 11 days.
NOW = datetime(2020, 12, 20, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


@pytest.fixture
def people(app: Flask) -> None:
    load_plan()
    create_user("wang", "dept_lead", department=department("gxj"))  # leads T1
    create_user("zhao", "dept_lead", department=department("swj"))
    create_user("li", "dept_lead", department=department("kjj"))  # the coordinating office
    create_user("zhang", "leader")
    create_user("viewer", "viewer")


def milestone(code: str) -> Milestone:
    db.session.expire_all()
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == code))


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def report_form(client: FlaskClient, code: str) -> tuple[str, dict[str, str]]:
    """Open the report form as a browser would; return its URL and its hidden fields."""
    url = f"/milestones/{milestone(code).id}/report"
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', html).group(1)
    return url, {"csrf_token": csrf_token(client, url), "version": version}


def board_status(client: FlaskClient, code: str) -> str:
    html = client.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    row = re.search(rf'data-code="{code}" data-status="([a-z_]+)"', html)
    return row.group(1)


def test_owner_reports_done_pending_until_approved_then_counted(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    url, hidden = report_form(wang, "T1-3")
    response = wang.post(
        url,
        data={
            **hidden,
            "status": "done",
            "progress": "100",
            "completed_on": "2020-12-18",
            "note": "970处已开通（铁塔公司月报）",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/my"

    report = db.session.scalar(sa.select(Report))
    assert (report.state, report.status, report.progress) == ("submitted", "done", 100)
    history = {
        (u.field, u.old_value, u.new_value)
        for u in db.session.scalars(sa.select(Update).where(Update.report_id == report.id))
    }
    assert ("status", "on_track", "done") in history
    assert ("completed_on", None, "2020-12-18") in history
    # Pending: the approved state and the board are unchanged.
    assert milestone("T1-3").reported_status != "done"
    assert board_status(wang, "T1-3") != "done"
    my_page = wang.get("/my").get_data(as_text=True)
    assert 'data-testid="flag-pending"' in my_page

    li = signed_in(app, "li")
    queue = li.get("/reviews").get_data(as_text=True)
    assert "970处已开通" in queue
    approve = li.post(
        f"/reports/{report.id}/approve", data={"csrf_token": csrf_token(li, "/reviews")}
    )
    assert approve.status_code == 302
    approved = milestone("T1-3")
    assert (approved.reported_status, approved.progress, approved.completed_on) == (
        "done",
        100,
        date(2020, 12, 18),
    )
    assert board_status(wang, "T1-3") == "done"
    assert db.session.scalar(sa.select(Report.state)) == "approved"


@pytest.mark.parametrize("username", ["zhao", "zhang", "viewer"])
def test_others_cannot_report_and_nothing_is_written(
    app: Flask, people: None, username: str
) -> None:
    client = signed_in(app, username)
    url = f"/milestones/{milestone('T1-3').id}/report"
    assert client.get(url).status_code == 403
    token = csrf_token(client, "/profile")
    response = client.post(url, data={"csrf_token": token, "status": "done", "progress": "100"})
    assert response.status_code == 403
    assert count(Report) == 0
    assert (
        client.post(
            "/plans/shinan-2020/items/T1/report", data={"csrf_token": token, "note": "x"}
        ).status_code
        == 403
    )
    assert count(Report) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"status": "at_risk", "progress": "70", "note": ""},
            "请在说明中写明节点有风险或滞后的原因",
        ),
        ({"status": "on_track", "progress": "10", "note": ""}, "请在说明中写明进度下降的原因"),
        ({"status": "done", "progress": "100", "note": "x"}, "需填写完成日期"),
        (
            {"status": "done", "progress": "100", "completed_on": "2021-01-05", "note": "x"},
            "完成日期不能晚于今天",
        ),
        ({"status": "on_track", "progress": "150", "note": "x"}, "进度为 0 至 100 的整数"),
        ({"status": "on_track", "progress": "abc", "note": "x"}, "进度"),
        ({"status": "finished", "progress": "50", "note": "x"}, "选择"),
        ({"status": "on_track", "progress": "80", "completed_on": "2020-13-45"}, "日期"),
    ],
)
def test_bad_report_gets_a_clear_message_and_writes_nothing(
    app: Flask, people: None, data: dict[str, str], message: str
) -> None:
    wang = signed_in(app, "wang")
    url, hidden = report_form(wang, "T1-3")
    before = milestone("T1-3").version
    response = wang.post(url, data={**hidden, **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert count(Report) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Update).where(Update.origin == "web")
        )
        == 0
    )
    assert milestone("T1-3").version == before
    # The user's input is still in the form.
    if data.get("note"):
        assert f">{data['note']}</textarea>" in html or data["note"] == "x"


def test_stale_form_is_refused_with_what_changed_and_input_kept(app: Flask, people: None) -> None:
    """Two people open the same milestone; the second save must not silently replace the first."""
    first, second = signed_in(app, "wang"), app.test_client()
    create_user("wang2", "dept_lead", department=department("gxj"))
    login(second, "wang2")
    url, hidden_first = report_form(first, "T1-3")
    _, hidden_second = report_form(second, "T1-3")

    ok = first.post(
        url, data={**hidden_first, "status": "on_track", "progress": "80", "note": "第一份"}
    )
    assert ok.status_code == 302

    stale = second.post(
        url,
        data={
            **hidden_second,
            "status": "at_risk",
            "progress": "75",
            "note": "第二份：站址协调困难",
        },
    )
    html = stale.get_data(as_text=True)
    assert stale.status_code == 200
    assert 'data-testid="stale-warning"' in html
    assert "第一份" in html  # what changed meanwhile
    assert "第二份：站址协调困难</textarea>" in html  # the input is kept
    assert 'value="at_risk" selected' in html or 'selected value="at_risk"' in html
    reports = db.session.scalars(sa.select(Report)).all()
    assert [(r.note, r.state) for r in reports] == [("第一份", "submitted")]

    # The form now carries the current version: submitting again is a deliberate choice.
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    again = second.post(
        url,
        data={
            "csrf_token": hidden_second["csrf_token"],
            "version": new_version,
            "status": "at_risk",
            "progress": "75",
            "note": "第二份：站址协调困难",
        },
    )
    assert again.status_code == 302
    states = dict(db.session.execute(sa.select(Report.note, Report.state)).all())
    assert states == {"第一份": "withdrawn", "第二份：站址协调困难": "submitted"}


def test_return_with_reason_round_trip(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    url, hidden = report_form(wang, "T1-4")
    wang.post(url, data={**hidden, "status": "on_track", "progress": "40", "note": "正在推进"})
    report = db.session.scalar(sa.select(Report))

    li = signed_in(app, "li")
    token = csrf_token(li, "/reviews")
    empty = li.post(f"/reports/{report.id}/return", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 302
    assert db.session.scalar(sa.select(Report.state)) == "submitted"
    li.post(
        f"/reports/{report.id}/return",
        data={"csrf_token": token, "reason": "请补充已签约企业数量"},
    )
    db.session.expire_all()
    assert db.session.scalar(sa.select(Report.state)) == "returned"
    assert milestone("T1-4").progress != 40

    page = wang.get("/my").get_data(as_text=True)
    assert "请补充已签约企业数量" in page
    assert 'data-testid="count-returned">1<' in page
    again = wang.get(f"{url}?from={report.id}").get_data(as_text=True)
    assert "正在推进</textarea>" in again  # starts from the returned report
    review_rows = db.session.scalars(sa.select(Update).where(Update.field == "review")).all()
    assert [(r.new_value, r.note) for r in review_rows] == [("returned", "请补充已签约企业数量")]


def test_reviewer_cannot_approve_own_report_and_others_cannot_review(
    app: Flask, people: None
) -> None:
    li = signed_in(app, "li")
    url, hidden = report_form(li, "A2-1")  # kjj leads A2
    response = li.post(url, data={**hidden, "status": "on_track", "progress": "35", "note": "初稿"})
    assert response.status_code == 302
    report = db.session.scalar(sa.select(Report))
    response = li.post(
        f"/reports/{report.id}/approve",
        data={"csrf_token": csrf_token(li, "/reviews")},
        follow_redirects=True,
    )
    assert "不能审核自己提交的报告" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Report.state)) == "submitted"
    wang = signed_in(app, "wang")
    assert wang.get("/reviews").status_code == 403
    token = csrf_token(wang, "/profile")
    assert wang.post(f"/reports/{report.id}/approve", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(sa.select(Report.state)) == "submitted"


def test_item_report_with_a_new_figure_counts_once_approved(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    html = wang.get("/plans/shinan-2020/items/T1/report").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    indicator = re.search(r'<option value="(\d+)">5G基站', html).group(1)
    response = wang.post(
        "/plans/shinan-2020/items/T1/report",
        data={
            "csrf_token": csrf_token(wang, "/plans/shinan-2020/items/T1/report"),
            "version": version,
            "note": "年内开通970处",
            "indicator": indicator,
            "value": "970",
            "measured_on": "2020-12-18",
            "source": "铁塔公司月报",
        },
    )
    assert response.status_code == 302
    assert count(Measurement) == 5  # from the plan file only (one per indicator)
    report = db.session.scalar(sa.select(Report))
    li = signed_in(app, "li")
    li.post(f"/reports/{report.id}/approve", data={"csrf_token": csrf_token(li, "/reviews")})
    stored = db.session.scalar(sa.select(Measurement).where(Measurement.value == 970))
    assert (stored.measured_on, stored.source, stored.from_plan_file) == (
        date(2020, 12, 18),
        "铁塔公司月报",
        False,
    )
    item_page = wang.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    timeline = item_page[item_page.index('id="timeline"') :]
    # The report's figure is named as the reader knows it, with its unit, never by its key.
    assert "5G基站" in timeline
    assert "（处）" in timeline
    assert "→ <strong>970</strong>" in timeline
    assert "indicator:" not in item_page


def test_item_report_figure_without_date_is_refused(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    html = wang.get("/plans/shinan-2020/items/T1/report").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    indicator = re.search(r'<option value="(\d+)">5G基站', html).group(1)
    response = wang.post(
        "/plans/shinan-2020/items/T1/report",
        data={
            "csrf_token": csrf_token(wang, "/plans/shinan-2020/items/T1/report"),
            "version": version,
            "note": "x",
            "indicator": indicator,
            "value": "970",
        },
    )
    assert response.status_code == 200
    assert "新的指标数值需要" in response.get_data(as_text=True)
    assert count(Report) == 0


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_report_with_evidence_and_disguised_file(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    url, hidden = report_form(wang, "T1-3")
    disguised = wang.post(
        url,
        data={
            **hidden,
            "status": "on_track",
            "progress": "90",
            "evidence": [(io.BytesIO(b"MZ\x90\x00 not a pdf"), "月报.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert disguised.status_code == 200
    assert count(Report) == 0
    assert count(Attachment) == 0
    assert count(AttachmentContent) == 0

    ok = wang.post(
        url,
        data={
            **hidden,
            "status": "on_track",
            "progress": "90",
            "evidence": [(io.BytesIO(PDF), "铁塔公司月报.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.original_name == "铁塔公司月报.pdf"
    li = signed_in(app, "li")
    assert "铁塔公司月报.pdf" in li.get("/reviews").get_data(as_text=True)
    download = li.get(f"/attachments/{attachment.id}")
    assert download.data == PDF
    download.close()


def test_evidence_is_kept_in_the_database_and_nothing_under_instance(
    app: Flask, people: None
) -> None:
    """Another app machine must find the file: nothing of it stays on this machine's disk."""
    instance = Path(app.instance_path)
    before = sorted(instance.rglob("*"))
    wang = signed_in(app, "wang")
    url, hidden = report_form(wang, "T1-3")
    response = wang.post(
        url,
        data={
            **hidden,
            "status": "on_track",
            "progress": "90",
            "evidence": [(io.BytesIO(PDF), "铁塔公司月报.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    attachment = db.session.scalar(sa.select(Attachment))
    assert db.session.get(AttachmentContent, attachment.stored_name).data == PDF
    assert not (instance / "attachments").exists()
    assert sorted(instance.rglob("*")) == before


def test_my_department_page_flags(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    html = wang.get("/my").get_data(as_text=True)
    codes = re.findall(r'data-testid="my-milestone" data-code="([^"]+)"', html)
    assert {"T1-1", "T1-3", "T1-5"} <= set(codes)
    assert not any(c.startswith("P2") for c in codes)  # 区商务局's item
    # Open ones first, then the done ones, each by due date.
    done = [milestone(c).reported_status == "done" for c in codes]
    assert done == sorted(done)
    for finished in (False, True):
        dues = [milestone(c).due for c, d in zip(codes, done, strict=True) if d is finished]
        assert dues == sorted(dues)
    assert "11 天后到期" in html  # T1-3 is due 2020-12-31
    assert re.search(r"已 \d+ 天未更新", html)
    assert "区工业和信息化局" in html


def test_my_page_without_department(app: Flask, people: None) -> None:
    zhang = signed_in(app, "zhang")
    html = zhang.get("/my").get_data(as_text=True)
    assert 'data-testid="no-department"' in html


def test_pending_report_shows_as_pending_and_changes_no_figure(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    before = wang.get("/plans/shinan-2020/").get_data(as_text=True)
    overall = re.search(r'data-testid="overall-progress">(\d+)%', before).group(1)
    url, hidden = report_form(wang, "T1-3")
    wang.post(
        url, data={**hidden, "status": "done", "progress": "100", "completed_on": "2020-12-18"}
    )
    after = wang.get("/plans/shinan-2020/").get_data(as_text=True)
    assert re.search(r'data-testid="overall-progress">(\d+)%', after).group(1) == overall
    assert 'data-testid="pending"' in after
    assert "1 份报告待审核" in after
    t1_before = re.search(r'data-code="T1" data-status="([a-z_]+)"', before).group(1)
    assert re.search(r'data-code="T1" data-status="([a-z_]+)"', after).group(1) == t1_before


def test_item_timeline_shows_reports_reviews_and_history_newest_first(
    app: Flask, people: None
) -> None:
    wang = signed_in(app, "wang")
    url, hidden = report_form(wang, "T1-3")
    wang.post(
        url, data={**hidden, "status": "at_risk", "progress": "65", "note": "部分站址协调困难"}
    )
    report = db.session.scalar(sa.select(Report))
    li = signed_in(app, "li")
    li.post(f"/reports/{report.id}/approve", data={"csrf_token": csrf_token(li, "/reviews")})

    html = wang.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    kinds = re.findall(r'data-testid="timeline-entry" data-kind="([a-z]+)"', html)
    assert kinds[:2] == ["review", "report"]
    assert "plan file" not in kinds
    timeline = html[html.index('id="timeline"') :]
    assert "部分站址协调困难" in timeline
    assert "按期推进 → <strong>有风险</strong>" in timeline
    assert "已通过" in timeline
    # The plan file's own history (T1-1 done on 2020-09-25) is there too, further down,
    # worded in the reader's language around the file's name.
    assert "来自计划文件 shinan-2020.yaml" in timeline
    assert "plan file" not in timeline


def test_timeline_words_an_older_english_plan_file_note(app: Flask, people: None) -> None:
    """Loads before the note held only the file name wrote an English sentence around it."""
    db.session.execute(
        sa.update(Update)
        .where(Update.origin == "plan_file")
        .values(note="plan file shinan-2020.yaml (uploaded by admin)")
    )
    db.session.commit()
    html = signed_in(app, "wang").get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    timeline = html[html.index('id="timeline"') :]
    assert "来自计划文件 shinan-2020.yaml<" in timeline
    assert "uploaded by" not in timeline
    assert "plan file" not in timeline


def test_review_queue_shows_local_time_and_the_due_date(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    url, hidden = report_form(wang, "T1-3")
    data = {**hidden, "status": "on_track", "progress": "60", "note": "推进中"}
    assert wang.post(url, data=data).status_code == 302
    report = db.session.scalar(sa.select(Report).order_by(Report.id.desc()))
    report.submitted_at = datetime(2026, 11, 29, 23, 29, tzinfo=UTC)  # 07:29 next day in Qingdao
    db.session.commit()
    queue = signed_in(app, "li").get("/reviews").get_data(as_text=True)
    assert "2026-11-30 07:29" in queue
    assert "UTC" not in queue
    assert f"{milestone('T1-3').due.isoformat()}" in queue.split('data-testid="review-due"')[1][:80]


def test_report_form_shows_the_status_the_board_computes(
    app: Flask, people: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    wang = signed_in(app, "wang", lang="en")
    url = f"/milestones/{milestone('T1-3').id}/report"
    assert 'data-testid="computed-status"' not in wang.get(url).get_data(as_text=True)
    # 2021-03-01: T1-3 (due 2020-12-31, reported on track) is late on the board.
    monkeypatch.setattr("tracker.clock.utcnow", lambda: datetime(2021, 3, 1, 2, tzinfo=UTC))
    html = wang.get(url).get_data(as_text=True)
    shown = html.split('data-testid="computed-status"')[1][:200]
    assert "Delayed" in shown
    assert "Status on the board today" in html


def test_reporting_again_shows_the_reason_and_the_earlier_evidence(
    app: Flask, people: None
) -> None:
    wang = signed_in(app, "wang")
    url, hidden = report_form(wang, "T1-4")
    pdf = [(io.BytesIO(PDF), "签约清单.pdf")]
    data = {**hidden, "status": "on_track", "progress": "40", "note": "正在推进", "evidence": pdf}
    assert wang.post(url, data=data, content_type="multipart/form-data").status_code == 302
    report = db.session.scalar(sa.select(Report))
    li = signed_in(app, "li")
    token = csrf_token(li, "/reviews")
    reason = {"csrf_token": token, "reason": "请补充已签约企业数量"}
    li.post(f"/reports/{report.id}/return", data=reason)
    again = wang.get(f"{url}?from={report.id}").get_data(as_text=True)
    notice = again.split('data-testid="returned-notice"')[1].split("</div>")[0]
    assert "请补充已签约企业数量" in notice
    attachment = db.session.scalar(sa.select(Attachment))
    assert f"/attachments/{attachment.id}" in notice
    assert "签约清单.pdf" in notice
    # Without a returned report to redo, no notice.
    fresh = wang.get(url).get_data(as_text=True)
    assert 'data-testid="returned-notice"' not in fresh


def test_indicator_picker_shows_last_figure_target_and_unit(app: Flask, people: None) -> None:
    wang = signed_in(app, "wang")
    html = wang.get("/plans/shinan-2020/items/T1/report").get_data(as_text=True)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", html)
    labelled = [o for o in options if "上次" in o]
    assert labelled, options
    assert any("目标" in o and "单位" in o for o in labelled), labelled
