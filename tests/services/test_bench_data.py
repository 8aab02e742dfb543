"""Bench data (issue 12): plan-shaped rows at any size, whose history replays to the stored
state, in every review state, the same for the same seed."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import login
from tracker.domain.refusal import Who
from tracker.domain.reporting import ReportState
from tracker.extensions import db
from tracker.models import (
    Instruction,
    Item,
    Measurement,
    Milestone,
    Plan,
    Postponement,
    Report,
    Update,
    User,
)
from tracker.services.commands.bench_data import (
    DEFAULT_PASSWORD,
    BenchError,
    BenchSpec,
    fill,
)
from tracker.services.commands.reports import approve_report
from tracker.services.queries.progress import load_progress, milestone_state, replayed_states

TINY = BenchSpec(plans=2, milestones_per_item=2, updates=300)


def write(spec: BenchSpec = TINY, seed: int = 7) -> None:
    fill(spec, seed=seed)
    db.session.commit()


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_tiny_size_writes_what_was_asked(app: Flask) -> None:
    write()
    assert db.session.scalars(sa.select(Plan.code).order_by(Plan.code)).all() == [
        "bench-01",
        "bench-02",
    ]
    assert set(db.session.scalars(sa.select(Plan.state))) == {"active"}
    assert count(Item) == 26
    assert count(Milestone) == 52
    assert count(Update) == 300
    assert count(User) == 10
    assert count(Instruction) > 0
    assert count(Postponement) > 0
    assert count(Measurement) >= 8  # the plan file's, at least
    states = set(db.session.scalars(sa.select(Report.state).distinct()))
    assert states == {state.value for state in ReportState}
    items = db.session.scalars(
        sa.select(Item.code).join(Plan).where(Plan.code == "bench-01").order_by(Item.position)
    ).all()
    assert {"T1", "P4", "A6"} <= set(items)


def test_the_history_replays_to_the_stored_state(app: Flask) -> None:
    write(BenchSpec(plans=1, milestones_per_item=3, updates=3000))
    plan = db.session.scalar(sa.select(Plan))
    replayed = replayed_states(plan, date(2023, 6, 30))  # after the plan period
    milestones = db.session.scalars(sa.select(Milestone)).all()
    assert {m.id: milestone_state(m) for m in milestones} == replayed
    assert {m.reported_status for m in milestones} >= {"done", "on_track"}
    figures = sa.select(sa.func.count()).where(Measurement.from_plan_file.is_(False))
    assert db.session.scalar(figures) > 0  # approved item reports with a figure


def test_a_past_day_replays_to_sensible_figures(app: Flask) -> None:
    write(BenchSpec(plans=1, milestones_per_item=3, updates=3000))
    plan = db.session.scalar(sa.select(Plan))
    progress = load_progress(plan, date(2021, 6, 30), 10.0, today=date(2024, 1, 1))
    assert progress.item_count == 13
    summary = progress.result.summary
    assert 0 < summary.progress < 100
    assert 0 < summary.expected < 100
    for section in progress.sections:
        for row in section.rows:
            assert 0 <= row.result.progress <= 100


def test_a_waiting_report_can_be_approved(app: Flask) -> None:
    """Versions are consistent: the report waiting on a milestone was made on its version."""
    write()
    admin = db.session.scalar(sa.select(User).where(User.username == "bench-admin"))
    waiting = db.session.scalars(
        sa.select(Report).where(Report.state == "submitted", Report.milestone_id.is_not(None))
    ).all()
    assert waiting
    for report in waiting:
        approve_report(
            Who(now=datetime(2023, 1, 2, tzinfo=UTC), actor=admin), report, today=date(2023, 1, 2)
        )
    db.session.commit()


def test_the_board_of_a_bench_plan_renders(app: Flask) -> None:
    write()
    client = app.test_client()
    login(client, "bench-leader", DEFAULT_PASSWORD)
    board = client.get("/plans/bench-01/")
    assert board.status_code == 200
    assert "网络设施筑基" in board.get_data(as_text=True)  # item T1
    assert client.get("/plans/bench-01/items/T1").status_code == 200
    past = client.get("/plans/bench-02/?as_of=2021-06-30")
    assert past.status_code == 200


def digest() -> str:
    """Every row but password hashes (their salt is random), plans' data versions (random by
    design) and the snapshot cache, with ids counted from each table's first, so two runs
    compare equal whatever ids the engine handed out."""
    first: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        if "id" in table.c:
            first[table.name] = db.session.scalar(sa.select(sa.func.min(table.c.id))) or 0
    hashed = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name == "snapshot":
            continue
        keys = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}
        order = [table.c.id] if "id" in table.c else list(table.primary_key.columns)
        for row in db.session.execute(sa.select(table).order_by(*order)).mappings():
            values = []
            for name, value in row.items():
                if name in {"password_hash", "data_version"}:
                    continue
                shown = value
                if value is not None and name == "id":
                    shown = value - first[table.name]
                elif value is not None and name in keys:
                    shown = value - first[keys[name]]
                values.append(f"{name}={shown!r}")
            hashed.update(f"{table.name}:{','.join(values)}\n".encode())
    return hashed.hexdigest()


def empty_every_table() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def test_the_same_seed_writes_the_same_rows(app: Flask) -> None:
    write()
    first = digest()
    empty_every_table()
    write()
    assert digest() == first
    empty_every_table()
    write(seed=8)
    assert digest() != first


def test_a_taken_plan_code_is_refused_before_anything_is_written(app: Flask) -> None:
    write(BenchSpec(plans=1, milestones_per_item=1, updates=20))
    before = count(Update), count(User), count(Plan)
    with pytest.raises(BenchError, match="bench-01"):
        fill(BenchSpec(plans=2, milestones_per_item=1, updates=20), seed=1)
    db.session.rollback()
    assert (count(Update), count(User), count(Plan)) == before


def test_fewer_accounts_than_the_departments_need_are_refused(app: Flask) -> None:
    with pytest.raises(BenchError, match="at least 10"):
        fill(BenchSpec(users=3), seed=1)


def test_more_accounts_are_extra_department_leads(app: Flask) -> None:
    write(BenchSpec(plans=1, milestones_per_item=1, updates=50, users=14))
    extra = db.session.scalars(sa.select(User).where(User.username.like("bench-user-%"))).all()
    assert len(extra) == 4
    assert {user.role for user in extra} == {"dept_lead"}


LARGE_PAGES = (
    "/plans/bench-01/",
    "/plans/bench-01/?as_of=2021-06-30",
    "/plans/bench-01/items/T1",
    "/plans/bench-01/watch/overdue",
    "/plans/bench-01/items/T1/milestones",
    "/my",
    "/plans/bench-01/my/milestones",
)


def test_pages_stay_under_200_kb_with_the_generators_data(app: Flask) -> None:
    """The issue's size: 13 items × 200 milestones, the history a tenth of the bench's
    200,000 rows (the pages read a page of it, never all of it: the bench checks the rest).
    """
    write(BenchSpec(plans=1, milestones_per_item=200, updates=20_000), seed=2020)
    sizes = {}
    for username in ("bench-leader", "bench-lead-gxj"):
        client = app.test_client()
        login(client, username, DEFAULT_PASSWORD)
        for path in LARGE_PAGES:
            response = client.get(path)
            assert response.status_code == 200, (username, path)
            sizes[username, path] = len(response.data)
    assert max(sizes.values()) <= 200 * 1024, sizes
    # The department lead's own list is the longest /my there is: it is cut, not endless.
    assert sizes["bench-lead-gxj", "/my"] > sizes["bench-leader", "/my"]
