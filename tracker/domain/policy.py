"""Who may do what: the one place where permissions are decided.

Pages, the API and the command line all ask :func:`can`; none of them re-implements a rule.
The rules follow the plan's organisation: the coordinating office and admins run the process,
leadership reads everything and instructs, a department lead updates what their department
owns, and a viewer reads the board.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from tracker.domain.plan_states import PlanState, takes_changes, takes_work, visible_to_all


class Role(StrEnum):
    """The roles; the order is from most to least powerful."""

    ADMIN = "admin"
    LEADER = "leader"
    DEPT_LEAD = "dept_lead"
    # Staff of one department: reads like everyone, reports only on sub-tasks assigned to them.
    STAFF = "staff"
    VIEWER = "viewer"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)
# The roles bound to one department (an account of these roles must name it).
DEPARTMENT_ROLES: frozenset[Role] = frozenset({Role.DEPT_LEAD, Role.STAFF})


class Action(StrEnum):
    """Everything a permission can be asked for."""

    VIEW_BOARD = "view_board"
    VIEW_ITEM = "view_item"
    UPDATE_ITEM = "update_item"
    UPDATE_MILESTONE = "update_milestone"
    INSTRUCT = "instruct"
    FLAG_FOCUS = "flag_focus"
    REVIEW_UPDATES = "review_updates"
    DECIDE_POSTPONEMENT = "decide_postponement"
    MANAGE_USERS = "manage_users"
    MANAGE_DEPARTMENTS = "manage_departments"
    MANAGE_PLAN = "manage_plan"
    VIEW_AUDIT = "view_audit"
    EDIT_OWN_PROFILE = "edit_own_profile"
    VIEW_REPORT = "view_report"
    MANAGE_PLANS = "manage_plans"
    IMPORT_PLAN = "import_plan"
    EXPORT_PLAN = "export_plan"
    ISSUE_BULLETIN = "issue_bulletin"
    MANAGE_WEBHOOKS = "manage_webhooks"
    # Sub-tasks (多级分解): the department's own business.
    VIEW_SUBTASKS = "view_subtasks"
    MANAGE_SUBTASKS = "manage_subtasks"
    REPORT_SUBTASK = "report_subtask"
    # The department evaluation (考评): its ranked table, and its scheme and calendar.
    VIEW_EVALUATION = "view_evaluation"
    CONFIGURE_EVALUATION = "configure_evaluation"
    CLOSE_OUT = "close_out"
    # Receipts (签收): the assigned department answers; the coordinating office watches.
    ANSWER_RECEIPT = "answer_receipt"
    WATCH_RECEIPTS = "watch_receipts"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking. ``role`` is None for an anonymous visitor."""

    role: Role | None = None
    department_id: int | None = None
    department_coordinating: bool = False
    active: bool = True
    user_id: int | None = None  # who exactly: a sub-task is reported on by its assignee

    @property
    def signed_in(self) -> bool:
        return self.role is not None and self.active


ANONYMOUS = Actor()


@dataclass(frozen=True, slots=True)
class ItemTarget:
    """An item, as far as permissions care: who leads and who supports it."""

    lead_department_id: int
    supporting_department_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class MilestoneTarget:
    """A milestone: the department it is assigned to and its item's lead department."""

    department_id: int
    item_lead_department_id: int


@dataclass(frozen=True, slots=True)
class ReportTarget:
    """A department's report (and its evidence files): whose it is and whether it counts yet."""

    department_id: int | None
    approved: bool


@dataclass(frozen=True, slots=True)
class SubtaskTarget:
    """A sub-task: the department whose milestone it splits, and the person it is assigned to."""

    department_id: int
    assignee_id: int | None


@dataclass(frozen=True, slots=True)
class ReceiptTarget:
    """A receipt: the department the milestone is assigned to (not its item's lead)."""

    department_id: int


Target = ItemTarget | MilestoneTarget | ReportTarget | SubtaskTarget | ReceiptTarget | None

_ADMIN_ONLY = {
    Action.MANAGE_PLANS,
    Action.MANAGE_USERS,
    Action.MANAGE_DEPARTMENTS,
    Action.MANAGE_PLAN,
    Action.VIEW_AUDIT,
    Action.DECIDE_POSTPONEMENT,
    Action.IMPORT_PLAN,
    Action.EXPORT_PLAN,
    Action.MANAGE_WEBHOOKS,
    Action.CONFIGURE_EVALUATION,
}
_READ = {Action.VIEW_BOARD, Action.VIEW_ITEM, Action.EDIT_OWN_PROFILE}
# What changes a plan's work or content: refused on a plan that is not active (a draft's
# content may be edited: MANAGE_PLAN follows takes_changes).
_PLAN_WORK = {
    Action.UPDATE_ITEM,
    Action.UPDATE_MILESTONE,
    Action.INSTRUCT,
    Action.FLAG_FOCUS,
    Action.REVIEW_UPDATES,
    Action.DECIDE_POSTPONEMENT,
    Action.MANAGE_PLAN,
    Action.MANAGE_SUBTASKS,
    Action.REPORT_SUBTASK,
    Action.CLOSE_OUT,
    Action.ANSWER_RECEIPT,
}


def owns(actor: Actor, target: Target) -> bool:
    """Whether the actor's department is responsible for the target.

    A department owns an item it leads, and a milestone assigned to it or belonging to an
    item it leads (the lead department answers for the whole item).
    """
    if actor.department_id is None:
        return False
    if isinstance(target, ItemTarget):
        return target.lead_department_id == actor.department_id
    if isinstance(target, MilestoneTarget):
        return actor.department_id in {target.department_id, target.item_lead_department_id}
    return False


def can(actor: Actor, action: Action, target: Target = None, plan: PlanState | None = None) -> bool:
    """Decide one permission. Anything not granted here is refused.

    ``plan`` is the state of the plan the request is about (None when it is about none):
    a draft is for admins' eyes, and only an active plan takes work.
    """
    if not actor.signed_in:
        return False
    if plan is not None and not _plan_allows(actor, action, plan):
        return False
    role = actor.role
    if action in _READ:
        return True
    if role is Role.ADMIN:
        return True
    if action in _ADMIN_ONLY:
        return False
    if action is Action.VIEW_REPORT:
        return _may_view_report(actor, target)
    if action in _COORDINATING_OFFICE:
        # Review, close-out (销号) and watching receipts are the coordinating office's checks.
        return role is Role.DEPT_LEAD and actor.department_coordinating
    if action in _BY_ROLE:
        return role in _BY_ROLE[action]
    if action is Action.ISSUE_BULLETIN:
        # The monthly bulletin is the coordinating office's (督查室) paper for leadership.
        return role is Role.LEADER or (role is Role.DEPT_LEAD and actor.department_coordinating)
    if action in {Action.UPDATE_ITEM, Action.UPDATE_MILESTONE}:
        return role is Role.DEPT_LEAD and owns(actor, target)
    if action in _SUBTASK_ACTIONS:
        return _may_subtask(actor, action, target)
    if action is Action.ANSWER_RECEIPT:
        # Exactly the assigned department: the item's lead does not sign for another's work.
        return (
            role is Role.DEPT_LEAD
            and isinstance(target, ReceiptTarget)
            and target.department_id == actor.department_id
        )
    return False


_SUBTASK_ACTIONS = {Action.VIEW_SUBTASKS, Action.MANAGE_SUBTASKS, Action.REPORT_SUBTASK}
_COORDINATING_OFFICE = {Action.REVIEW_UPDATES, Action.CLOSE_OUT, Action.WATCH_RECEIPTS}
# Actions granted by role alone (admins aside).
_BY_ROLE: dict[Action, frozenset[Role]] = {
    Action.INSTRUCT: frozenset({Role.LEADER}),
    Action.FLAG_FOCUS: frozenset({Role.LEADER}),
    # A 通报 is public inside the government: every office (its lead and its staff) sees the
    # ranking, not viewers.
    Action.VIEW_EVALUATION: frozenset({Role.LEADER, Role.DEPT_LEAD, Role.STAFF}),
}


def _may_subtask(actor: Actor, action: Action, target: Target) -> bool:
    """Sub-tasks are the business of the milestone's department (not of the item's lead
    department, nor of the coordinating office as such): its lead splits the milestone, its
    staff report on what is assigned to them; leadership may drill down and read them.
    """
    if action is Action.VIEW_SUBTASKS:
        if actor.role is Role.LEADER:
            return True
        return (
            actor.role in DEPARTMENT_ROLES
            and isinstance(target, MilestoneTarget)
            and target.department_id == actor.department_id
        )
    if action is Action.MANAGE_SUBTASKS:
        return (
            actor.role is Role.DEPT_LEAD
            and isinstance(target, MilestoneTarget)
            and target.department_id == actor.department_id
        )
    if not isinstance(target, SubtaskTarget) or target.department_id != actor.department_id:
        return False
    if actor.role is Role.DEPT_LEAD:
        return True
    return (
        actor.role is Role.STAFF
        and actor.user_id is not None
        and (target.assignee_id == actor.user_id)
    )


def _plan_allows(actor: Actor, action: Action, plan: PlanState) -> bool:
    """What the plan's state allows: a draft for admins' eyes, work only while active, changes
    of content while a draft or active.
    """
    if not visible_to_all(plan) and actor.role is not Role.ADMIN:
        return False
    if action is Action.MANAGE_PLAN:
        return takes_changes(plan)
    return action not in _PLAN_WORK or takes_work(plan)


def _may_view_report(actor: Actor, target: Target) -> bool:
    """An approved report is public inside the system; until then only its department,
    the reviewers and leadership see it (a returned draft is not for other offices).
    """
    if not isinstance(target, ReportTarget):
        return False
    if target.approved or actor.role is Role.LEADER:
        return True
    if actor.role is Role.DEPT_LEAD:
        return actor.department_coordinating or actor.department_id == target.department_id
    return False
