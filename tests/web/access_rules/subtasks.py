"""Sub-tasks (多级分解): the milestone's department (its lead and staff), leadership and admins
see them; only its lead (and admins) add, edit, delete and switch the mode; the person a
sub-task is assigned to (here the staff account) and the lead report on it.

Empty POSTs: the add and edit forms re-render with messages (200); the mode switch and the
report go back to their page with a message (a redirect). The walk's sub-task was reported on,
so deleting it is refused (a redirect with the message) and it stays for the other routes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.web.access_rules.common import LOGIN, OK, World, answers
from tracker.domain.refusal import Who
from tracker.domain.status import Status
from tracker.domain.subtasks import SubtaskReport
from tracker.extensions import db
from tracker.services.commands.subtasks import SubtaskInput, create_subtask, report_subtask

READERS = answers(403, anonymous=LOGIN, dept_lead_own=200, staff_own=200, leader=200, admin=200)


def managers(ok: object) -> dict[str, object]:
    return answers(403, anonymous=LOGIN, dept_lead_own=ok, admin=ok)


EXPECTED = {
    ("GET", "/plans/<plan>/milestones/<milestone_code>/subtasks"): READERS,
    ("POST", "/plans/<plan>/milestones/<milestone_code>/subtasks"): managers(200),
    ("GET", "/plans/<plan>/milestones/<milestone_code>/subtasks/<int:subtask_id>"): managers(200),
    ("POST", "/plans/<plan>/milestones/<milestone_code>/subtasks/<int:subtask_id>"): managers(200),
    (
        "POST",
        "/plans/<plan>/milestones/<milestone_code>/subtasks/<int:subtask_id>/delete",
    ): managers(OK),
    ("POST", "/plans/<plan>/milestones/<milestone_code>/progress-mode"): managers(OK),
    ("POST", "/plans/<plan>/milestones/<milestone_code>/subtasks/<int:subtask_id>/report"): answers(
        403, anonymous=LOGIN, dept_lead_own=OK, staff_own=OK, admin=OK
    ),
}


def placeholders(world: World) -> dict[str, str]:
    """A sub-task of T1-3 for gxj's staff, already reported on once."""
    who = Who(datetime(2020, 12, 1, 9, tzinfo=UTC), world.lead_own)
    subtask = create_subtask(
        who,
        world.milestone,
        SubtaskInput("核查铁塔月报", date(2020, 12, 15), 1.0, world.staff_own),
    )
    report_subtask(
        who,
        subtask,
        SubtaskReport(Status.ON_TRACK, 20, ""),
        version=subtask.version,
        today=date(2020, 12, 1),
    )
    db.session.commit()
    return {"<int:subtask_id>": str(subtask.id), "<milestone_code>": world.milestone.code}
