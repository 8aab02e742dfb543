"""The demo history: the Shinan plan carried out from 2020-09-25 to 2022-12-31 through the
product's own commands, then read back as the board, its replay and its charts show it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask, current_app

from tests.conftest import FIXTURES, load_plan
from tests.factories import demo_accounts, login
from tracker.domain.demo_story import SAMPLE_MARK
from tracker.domain.refusal import Who
from tracker.domain.reporting import MilestoneReport, ReportState
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import (
    Attachment,
    Instruction,
    InstructionReply,
    Item,
    Measurement,
    Milestone,
    Plan,
    Postponement,
    Report,
    Update,
    User,
)
from tracker.services.commands.demo_history import (
    DEFAULT_SEED,
    DemoHistoryError,
    HistorySummary,
    play_demo_history,
)
from tracker.services.commands.reports import submit_milestone_report
from tracker.services.exports.attachment_storage import attachment_storage
from tracker.services.queries.board import Filters, build_board
from tracker.services.queries.charts import board_charts
from tracker.services.queries.demo_history import history_digest, recorded_work

UNTIL = date(2022, 12, 31)
TODAY = date(2025, 6, 1)  # the board's today: years after the plan's end, as in issue 15


def shinan() -> Plan:
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "shinan-2020"))
    assert plan is not None
    return plan


@pytest.fixture
def demo(app: Flask) -> Plan:
    """The Shinan plan and the demo accounts, as `seed --demo --no-history` leaves them."""
    load_plan()
    demo_accounts()
    return shinan()


def play(plan: Plan, *, seed: int = DEFAULT_SEED, until: date = UNTIL) -> HistorySummary:
    summary = play_demo_history(
        plan, until=until, storage=attachment_storage(current_app), seed=seed
    )
    db.session.commit()
    return summary


def statuses(as_of: date) -> dict[str, Status]:
    """Each item's computed status on the board as of ``as_of`` (replayed from the history)."""
    board = build_board(shinan(), as_of=as_of, today=TODAY, margin=10.0, filters=Filters())
    return {line.item.code: line.result.status for s in board.sections for line in s.lines}


def month_ends() -> list[date]:
    ends = []
    for year in (2020, 2021, 2022):
        for month in range(1, 13):
            if (year, month) >= (2020, 10):
                following = date(year + month // 12, month % 12 + 1, 1)
                ends.append(date.fromordinal(following.toordinal() - 1))
    return ends


def five_g_chart(app: Flask, as_of: date) -> list[tuple[str, float, str]]:
    """The 5G indicator's points on the board's chart as of ``as_of``: day, value, source."""
    board = build_board(shinan(), as_of=as_of, today=TODAY, margin=10.0, filters=Filters())
    with app.test_request_context("/"):
        charts = board_charts(shinan(), board.progress)
    (chart,) = [c for c in charts["indicators"] if c["code"] == "5g-base-stations"]
    return [(m["date"], m["value"], m["source"]) for m in chart["measurements"]]


def item_statuses(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'data-testid="item-row" data-code="([^"]+)" data-status="([a-z_]+)"', html)
    )


def test_the_board_was_lived_through(app: Flask, demo: Plan) -> None:
    summary = play(demo)
    assert summary.played
    assert summary.reports[ReportState.SUBMITTED] == 0  # every report was reviewed

    # Three days of the plan, each with at least three statuses among the items, all different.
    days = [date(2020, 12, 31), date(2021, 6, 30), date(2022, 12, 31)]
    boards = [statuses(day) for day in days]
    for day, board in zip(days, boards, strict=True):
        assert len(set(board.values())) >= 3, (day, board)
    assert boards[0] != boards[1] != boards[2] != boards[0]
    # Believable: a year-end 2020 slip in the refined plan, the 5G task done by the end, one
    # never-finished policy fund late ever since; at the end most items are done.
    assert boards[0]["A2"] is Status.DELAYED
    assert boards[2]["T1"] is Status.DONE
    assert boards[2]["A3"] is Status.DELAYED
    assert sum(s is Status.DONE for s in boards[2].values()) >= 10
    # Today the board is no longer all red: only what never finished is late.
    now = statuses(TODAY)
    assert sorted(code for code, s in now.items() if s is Status.DELAYED) == ["A3", "T3"]

    # Month after month the plan moves: progress rises and the board changes.
    progress = []
    for day in month_ends():
        board = build_board(shinan(), as_of=day, today=TODAY, margin=10.0, filters=Filters())
        progress.append(round(board.progress.result.summary.progress, 1))
    assert progress == sorted(progress)
    assert len(set(progress)) >= 20

    # The 5G chart: 618 from the report, then the figures departments reported and the
    # office approved, through 970 at the end of 2020 up to 1,300.
    figures = five_g_chart(app, UNTIL)
    assert figures[0] == ("2020-09-25", 618, "report")
    reported = [value for _day, value, source in figures if source == "sample"]
    assert len(reported) >= 5
    assert reported == sorted(reported)
    assert reported[-1] == 1300
    assert five_g_chart(app, date(2020, 12, 31))[-1][1] == 970
    approved = db.session.scalars(
        sa.select(Measurement).where(sa.not_(Measurement.from_plan_file))
    ).all()
    assert all(m.recorded_at.date() >= m.measured_on for m in approved)
    assert all(m.source == "sample" and m.note_zh.startswith(SAMPLE_MARK) for m in approved)

    # Through the pages: the leader looks at the board on the three days.
    leader = db.session.scalar(sa.select(User).where(User.username == "leader"))
    client = app.test_client()
    login(client, "leader")
    pages = []
    for day in days:
        html = client.get(f"/plans/shinan-2020/?as_of={day}").get_data(as_text=True)
        pages.append(item_statuses(html))
    assert pages == [{code: s.value for code, s in board.items()} for board in boards]
    assert leader is not None
    item = client.get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    assert SAMPLE_MARK in item  # the timeline's reports say they are sample data


def test_the_history_went_through_review_instructions_and_postponements(
    app: Flask, demo: Plan
) -> None:
    play(demo)
    users = {u.id: u.username for u in db.session.scalars(sa.select(User))}
    reports = db.session.scalars(sa.select(Report).order_by(Report.submitted_at)).all()
    assert {r.state for r in reports} == {ReportState.APPROVED, ReportState.RETURNED}
    # The coordinating office reviews; its own reports go to the admin (no one reviews their own).
    for report in reports:
        author, reviewer = users[report.author_id], users[report.reviewed_by_id]
        assert reviewer == ("admin" if author == "lead-kjj" else "lead-kjj"), report.id
        assert report.note.startswith(SAMPLE_MARK)
    returned = [r for r in reports if r.state == ReportState.RETURNED]
    assert returned
    for report in returned:
        assert report.review_note.startswith(SAMPLE_MARK)
        later = [
            r
            for r in reports
            if (r.milestone_id, r.item_id) == (report.milestone_id, report.item_id)
            and r.submitted_at > report.submitted_at
        ]
        assert later, "a returned report is sent again"
    # Evidence files: real PDFs the rules accepted, said to be samples.
    attachments = db.session.scalars(sa.select(Attachment)).all()
    assert 3 <= len(attachments) <= 20
    storage = attachment_storage(current_app)
    for attachment in attachments:
        data = storage.read(attachment.stored_name)
        assert data is not None
        assert data.startswith(b"%PDF-")
        assert b"SAMPLE DATA" in data
        assert attachment.original_name.startswith("示例")

    # Postponements: two approved (the baseline stays), one rejected.
    requests = db.session.scalars(sa.select(Postponement)).all()
    assert sorted(p.state for p in requests) == ["approved", "approved", "rejected"]
    for request in requests:
        assert request.reason.startswith(SAMPLE_MARK)
        assert request.decision_note.startswith(SAMPLE_MARK)
        assert users[request.decided_by_id] == "admin"
        milestone = db.session.get(Milestone, request.milestone_id)
        assert milestone is not None
        if request.state == "approved":
            assert milestone.due == request.requested_due != milestone.baseline_due
            assert milestone.postponement_count == 1
        else:
            assert milestone.due == milestone.baseline_due

    # The leader's instructions, the departments' replies, and the focus flags.
    orders = db.session.scalars(sa.select(Instruction)).all()
    assert {o.state for o in orders} == {"open", "handled", "closed"}
    assert {users[o.author_id] for o in orders} == {"leader"}
    replies = db.session.scalars(sa.select(InstructionReply)).all()
    assert {users[r.author_id] for r in replies} >= {"leader", "lead-gxj", "lead-czj"}
    texts = [o.text for o in orders] + [r.text for r in replies]
    assert all(text.startswith(SAMPLE_MARK) for text in texts)
    focus = db.session.scalars(sa.select(Item.code).where(Item.focus)).all()
    assert sorted(focus) == ["A3", "T3"]


def test_the_office_closed_out_the_done_work_and_reopened_one(app: Flask, demo: Plan) -> None:
    """Close-out (销号): the coordinating office's lead closes out what was done a few working
    days after its approval; T3-4 went back for evidence first; two still await at the end."""
    play(demo)
    users = {u.id: u.username for u in db.session.scalars(sa.select(User))}
    states = dict(db.session.execute(sa.select(Milestone.code, Milestone.close_out)).all())
    done = set(
        db.session.scalars(sa.select(Milestone.code).where(Milestone.reported_status == "done"))
    )
    assert sorted(code for code, state in states.items() if state == "awaiting") == [
        "A2-3",
        "P4-3",
    ]
    assert {code for code, state in states.items() if state == "closed"} == done - {
        "A2-3",
        "P4-3",
    }
    assert "reopened" not in states.values()
    rows = db.session.execute(
        sa.select(Milestone.code, Update.old_value, Update.new_value, Update.user_id, Update.note)
        .join(Milestone, Milestone.id == Update.milestone_id)
        .where(Update.field == "close_out", Update.old_value == "awaiting")
        .order_by(Update.id)
    ).all()
    assert {users[row.user_id] for row in rows} == {"lead-kjj"}
    reopened = [row for row in rows if row.new_value == "reopened"]
    assert [row.code for row in reopened] == ["T3-4"]
    assert reopened[0].note.startswith(SAMPLE_MARK)
    assert [row.new_value for row in rows if row.code == "T3-4"] == ["reopened", "closed"]
    assert len([row for row in rows if row.new_value == "closed"]) == 36
    board = build_board(shinan(), as_of=TODAY, today=TODAY, margin=10.0, filters=Filters())
    assert board.progress.result.milestones_awaiting_close_out == 2


def test_same_seed_same_rows_and_a_second_play_adds_nothing(
    app: Flask, demo: Plan, database_url: str
) -> None:
    play(demo)
    digest = history_digest(demo)
    counts = recorded_work(demo)

    again = play(shinan())
    assert not again.played
    assert again.reason == "the demo history was played already"
    assert history_digest(shinan()) == digest
    assert recorded_work(shinan()) == counts

    # A new database, the same seed: the same rows (names and times, not ids).
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    load_plan()
    demo_accounts()
    play(shinan())
    assert history_digest(shinan()) == digest


def test_a_plan_with_real_work_is_left_alone(app: Flask, demo: Plan) -> None:
    milestone = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    assert milestone is not None
    lead = db.session.scalar(sa.select(User).where(User.username == "lead-gxj"))
    submit_milestone_report(
        Who(now=datetime(2020, 10, 9, 2, tzinfo=UTC), actor=lead),
        milestone,
        MilestoneReport(Status.ON_TRACK, 70, None, "铁塔公司已交付新站址。"),
        version=milestone.version,
        today=date(2020, 10, 9),
    )
    db.session.commit()
    summary = play(demo)
    assert not summary.played
    assert "already holds recorded work" in summary.reason
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_a_plan_the_scenario_does_not_know_gets_a_generic_history(app: Flask) -> None:
    load_plan(FIXTURES / "small-plan.yaml")
    demo_accounts()
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "small"))
    assert plan is not None
    summary = play(plan, until=date(2021, 12, 31))
    assert summary.played
    assert summary.reports[ReportState.APPROVED] > 0
    # No coordinating office in this plan: the admin reviews every report.
    reviewers = set(
        db.session.scalars(
            sa.select(User.username).join(Report, Report.reviewed_by_id == User.id).distinct()
        )
    )
    assert reviewers == {"admin"}
    assert play(plan, until=date(2021, 12, 31)).played is False


def test_missing_demo_accounts_are_named(app: Flask) -> None:
    load_plan()
    with pytest.raises(DemoHistoryError, match=r"lead-\w+.*seed --demo"):
        play_demo_history(shinan(), until=UNTIL, storage=attachment_storage(current_app))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_departments_signed_for_their_milestones_in_the_first_days(app: Flask, demo: Plan) -> None:
    """Receipts (签收): each open milestone was assigned on the report date and signed for
    in the first days; one was declined, assigned again by the admin, and then signed.
    """
    from tracker.models import Receipt  # noqa: PLC0415  (the receipts part of this module)

    play(demo)
    receipts = db.session.scalars(sa.select(Receipt).order_by(Receipt.id)).all()
    current: dict[int, Receipt] = {}
    for receipt in receipts:
        current[receipt.milestone_id] = receipt
    assert {r.state for r in current.values()} == {"signed"}
    open_ids = set(
        db.session.scalars(
            sa.select(Milestone.id).where(
                Milestone.id.in_(list(current)) | (Milestone.reported_status != "done")
            )
        )
    )
    assert open_ids <= set(current)
    assigned = datetime(2020, 9, 25, 1, 0, tzinfo=UTC)  # 09:00 in Qingdao
    first = [r for r in receipts if r.assigned_by_id is None]
    assert {r.assigned_at for r in first} == {assigned}
    waited = sorted((r.answered_at - r.assigned_at).days for r in first if r.answered_at)
    assert sum(days <= 5 for days in waited) >= 0.8 * len(waited)  # 1–3 working days
    assert waited[-1] >= 6  # and a few late
    [declined] = [r for r in receipts if r.state == "declined"]
    assert declined.decline_reason.startswith(SAMPLE_MARK)
    again = current[declined.milestone_id]
    assert again.department_id == declined.department_id
    assert again.assigned_by is not None
    assert again.assigned_by.username == "admin"
    assert all(r.responsible.startswith(SAMPLE_MARK) for r in current.values())
