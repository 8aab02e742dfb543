"""Who sees the department evaluation, and who configures it."""

import pytest

from tracker.domain.plan_states import PlanState
from tracker.domain.policy import ANONYMOUS, Action, Actor, Role, can

admin = Actor(Role.ADMIN)
leader = Actor(Role.LEADER)
viewer = Actor(Role.VIEWER)
lead = Actor(Role.DEPT_LEAD, department_id=1)
coordinator = Actor(Role.DEPT_LEAD, department_id=3, department_coordinating=True)
staff = Actor(Role.STAFF, department_id=1, user_id=7)


@pytest.mark.parametrize(
    ("actor", "sees"),
    [
        (admin, True),
        (leader, True),
        (lead, True),
        (coordinator, True),
        (staff, True),
        (viewer, False),
        (ANONYMOUS, False),
    ],
)
def test_the_ranking_is_for_everyone_but_viewers(actor: Actor, sees: bool) -> None:
    assert can(actor, Action.VIEW_EVALUATION) is sees
    assert can(actor, Action.VIEW_EVALUATION, plan=PlanState.CLOSED) is sees


@pytest.mark.parametrize("actor", [leader, lead, coordinator, staff, viewer])
def test_only_admins_configure_the_evaluation(actor: Actor) -> None:
    assert can(admin, Action.CONFIGURE_EVALUATION)
    assert not can(actor, Action.CONFIGURE_EVALUATION)
