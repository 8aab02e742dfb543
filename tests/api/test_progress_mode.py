"""A milestone in the API says how its progress is kept (``progress_mode``); its sub-tasks,
the department's own business, are not in the API at all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from tests.api.conftest import Api
from tests.factories import create_user, department
from tracker.domain.refusal import Who
from tracker.domain.subtasks import ProgressMode
from tracker.extensions import db
from tracker.models import Milestone, User
from tracker.services.commands.subtasks import SubtaskInput, create_subtask, set_progress_mode

NOW = datetime(2020, 12, 1, 2, tzinfo=UTC)


def test_milestone_carries_its_progress_mode_and_no_subtasks(api: Api) -> None:
    m = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    assert m is not None
    assert api.get(f"/api/v1/milestones/{m.id}", "viewer").get_json()["progress_mode"] == "direct"
    lead = db.session.scalar(
        sa.select(User).where(User.role == "dept_lead", User.department_id == m.department_id)
    )
    staff = create_user("zhao", "staff", department=department("gxj"))
    create_subtask(Who(NOW, lead), m, SubtaskInput("核查铁塔月报", date(2020, 12, 15), 1.0, staff))
    set_progress_mode(
        Who(NOW, lead), m, ProgressMode.SUBTASKS, today=date(2020, 12, 1), version=m.version
    )
    db.session.commit()
    shown = api.get(f"/api/v1/milestones/{m.id}", "viewer")
    body = shown.get_json()
    assert body["progress_mode"] == "subtasks"
    assert "核查铁塔月报" not in shown.get_data(as_text=True)
    item = api.get("/api/v1/plans/shinan-2020/items/T1", "leader").get_json()
    modes = {row["code"]: row["progress_mode"] for row in item["milestones"]}
    assert modes["T1-3"] == "subtasks"
    assert "核查铁塔月报" not in str(item)
