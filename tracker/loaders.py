"""Look-ups by what a URL, a form or a command names: the plan, an item by code, a row by id.

One place for every blueprint, the API and the CLI. Each answers 404 (``abort``) when
nothing matches, including ids no integer column can hold and codes no item can have;
the API's error handler turns that 404 into its problem document. ``find_*`` variants
answer None instead, for forms and commands that word the miss themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, g
from sqlalchemy.sql.base import ExecutableOption as ORMOption

from tracker.domain.plan_states import PlanState
from tracker.engines import quick_row
from tracker.extensions import db
from tracker.models import (
    ApiToken,
    Attachment,
    Department,
    DirectoryMapping,
    Indicator,
    Instruction,
    Item,
    Milestone,
    Plan,
    Postponement,
    Receipt,
    Report,
    ScreenLink,
    User,
    Webhook,
)
from tracker.models.plan import PLAN_HEADER_COLUMNS, PlanHeader
from tracker.models.types import MAX_ID

CODE_MAX = 32

# What the 404 look-ups return: the models loaded with their related rows.
Loaded = TypeVar("Loaded", Attachment, Item, Milestone)
Row = TypeVar(
    "Row",
    ApiToken,
    Department,
    DirectoryMapping,
    Instruction,
    Plan,
    Postponement,
    Receipt,
    Report,
    ScreenLink,
    User,
    Webhook,
)


def valid_id(value: int | None) -> bool:
    """Whether an id can name a row at all (PostgreSQL refuses to compare larger numbers)."""
    return value is not None and 0 < value <= MAX_ID


# Built once: every plan page runs it, and building a statement costs more than running it.
_PLAN_BY_CODE = sa.select(Plan).where(Plan.code == sa.bindparam("code"))


def find_plan(code: str | None = None) -> Plan | None:
    """The plan named ``code``, else the default plan: the configured one, else the first
    active one loaded, else the first of any state.
    """
    code = code or current_app.config.get("TRACKER_PLAN_CODE")
    if code:
        return db.session.scalar(_PLAN_BY_CODE, {"code": code})
    return db.session.scalar(
        sa.select(Plan).order_by((Plan.state != PlanState.ACTIVE).asc(), Plan.id).limit(1)
    )


def scope_to(plan: Plan) -> Plan:
    """Make ``plan`` the one this request is about: links built from now on stay in it."""
    g.plan = plan
    return plan


def the_plan() -> Plan:
    """The plan this request is about, or 404: the one its URL names (``/plans/<plan>/…``),
    else the one of what it loaded (a milestone, a report), else the default plan.
    """
    plan = g.get("plan")
    if plan is None:
        code = g.get("plan_code")
        if code is not None and not _usable_code(code):
            abort(404)
        plan = find_plan(code)
        if plan is None:
            abort(404)
        scope_to(plan)
    return plan


_PLAN_HEADER = sa.select(*PLAN_HEADER_COLUMNS).where(Plan.code == sa.bindparam("code"))


def wanted_plan_code() -> str | None:
    """The plan code the URL names, when it could name a plan whose header is not read yet:
    the sign-in check reads it with the user, in the same round trip.
    """
    code = g.get("plan_code")
    if code is None or "plan" in g or "plan_header" in g or not _usable_code(code):
        return None
    return str(code)


def keep_plan_header(row: Sequence[Any]) -> None:
    """Keep a plan header read along with something else (all None: no such plan)."""
    if row[0] is not None:
        g.plan_header = PlanHeader(*row)


def plan_header() -> PlanHeader:
    """The request's plan in brief (one small query, no ORM row), or 404 as :func:`the_plan`:
    a page served from a snapshot needs no more.
    """
    plan = g.get("plan")
    if plan is None:
        plan = g.get("plan_header")
    if plan is None and g.get("plan_code") is None:
        plan = the_plan()
    if plan is None:
        code = g.plan_code
        row = quick_row(_PLAN_HEADER, {"code": code}) if _usable_code(code) else None
        if row is None:
            abort(404)
        plan = g.plan_header = PlanHeader(*tuple(row))
    return PlanHeader.of(plan)


def plan_state() -> PlanState | None:
    """The state of the plan this request is about: the one its URL names, or the one of
    what it loaded (None when neither).
    """
    plan = g.get("plan")
    if plan is None and g.get("plan_code") is not None:
        return PlanState(plan_header().state)
    return PlanState(plan.state) if plan is not None else None


def plan_code_for_links() -> str | None:
    """The plan code URLs built in this request carry when they name none."""
    plan = g.get("plan")
    if plan is not None:
        return plan.code
    if g.get("plan_code") is not None:
        return g.plan_code
    if "default_plan_code" not in g:  # once per request, however many links a page has
        default = find_plan()
        g.default_plan_code = default.code if default is not None else None
    return g.default_plan_code


def _usable_code(code: str) -> bool:
    return 0 < len(code) <= CODE_MAX and code.isascii() and code.isprintable()


# What every view naming an item needs; the item's own page adds its milestones and facts.
_ITEM = (
    so.joinedload(Item.plan),
    so.joinedload(Item.group),
    so.joinedload(Item.lead_department),
    so.selectinload(Item.supporting_departments),
)
_ITEM_IN_FULL = (
    so.selectinload(Item.milestones).joinedload(Milestone.department),
    so.selectinload(Item.milestones).joinedload(Milestone.current_receipt),
    so.selectinload(Item.facts),
)


def item_by_code(code: str, plan: Plan | None = None, *, in_full: bool = False) -> Item:
    """An item of the plan (default: the one shown) with its departments loaded, or 404.

    ``in_full`` loads its milestones (with their departments and current receipts) and facts as
    well, in a fixed number of queries, for pages that show the whole item.
    """
    if not _usable_code(code):
        abort(404)
    plan = plan or the_plan()
    query = sa.select(Item).where(Item.plan_id == plan.id, Item.code == code)
    return _found(query.options(*_ITEM, *(_ITEM_IN_FULL if in_full else ())))


def milestone_by_id(milestone_id: int) -> Milestone:
    """A milestone with its item, plan and departments loaded, or 404; the request is then
    about its plan.
    """
    milestone = _by_id(
        Milestone,
        milestone_id,
        so.joinedload(Milestone.item).joinedload(Item.plan),
        so.joinedload(Milestone.item).joinedload(Item.lead_department),
        so.joinedload(Milestone.item).selectinload(Item.supporting_departments),
        so.joinedload(Milestone.department),
        so.joinedload(Milestone.assignee),
    )
    scope_to(milestone.item.plan)
    return milestone


def indicator_by_id(indicator_id: int) -> Indicator:
    """An indicator that belongs to an item (plan-wide ones take no reports), or 404."""
    indicator = db.session.get(Indicator, indicator_id) if valid_id(indicator_id) else None
    if indicator is None or indicator.item is None:
        abort(404)
    scope_to(indicator.item.plan)
    return indicator


def item_indicators(item: Item) -> list[Indicator]:
    """The item's indicators in their order, for report forms."""
    return list(
        db.session.scalars(
            sa.select(Indicator).where(Indicator.item_id == item.id).order_by(Indicator.position)
        )
    )


def find_row(model: type[Row], row_id: int | None) -> Row | None:
    """The row of ``model`` with this id, or None (for 0, out-of-range or unknown ids)."""
    if row_id is None or not valid_id(row_id):
        return None
    return db.session.get(model, row_id)


def row_by_id(model: type[Row], row_id: int) -> Row:
    """The row of ``model`` with this id, or 404; the request is then about the plan of the
    item it belongs to, if any (a report, an instruction, a postponement).
    """
    found = find_row(model, row_id)
    if found is None:
        abort(404)
    if isinstance(found, Report | Instruction):
        scope_to(found.item.plan)
    elif isinstance(found, Postponement):
        scope_to(found.milestone.item.plan)
    return found


def find_department_by_code(code: str) -> Department | None:
    """A department by its code, for commands that name departments."""
    return db.session.scalar(sa.select(Department).where(Department.code == code))


def find_user_by_name(username: str) -> User | None:
    """An account by its exact user name, for commands that name accounts."""
    return db.session.scalar(sa.select(User).where(User.username == username))


def current_version(row: Item | Milestone) -> int | None:
    """The version the database holds now for ``row``, None when it is gone.

    A write that lost a race at flush time learns the current version only after the rollback;
    this reads it by the row's identity, without reloading the (expired) row itself.
    """
    model = type(row)
    identity = so.attributes.instance_state(row).identity
    assert identity is not None, "only rows that were loaded have a version to read"
    (row_id,) = identity
    return db.session.scalar(sa.select(model.version).where(model.id == row_id))


def plan_milestone(milestone_id: int, plan: Plan | None = None) -> Milestone:
    """A milestone (of ``plan`` when given), or 404: pages that edit the plan."""
    milestone = milestone_by_id(milestone_id)
    if plan is not None and milestone.plan_id != plan.id:
        abort(404)
    return milestone


def attachment_by_id(attachment_id: int) -> Attachment:
    """An evidence file with its report and its item's departments (what decides who reads it)."""
    attachment = _by_id(
        Attachment,
        attachment_id,
        so.joinedload(Attachment.report),
        so.joinedload(Attachment.item).selectinload(Item.supporting_departments),
    )
    scope_to(attachment.item.plan)
    return attachment


def _found(query: sa.Select[Loaded]) -> Loaded:
    """The row the query finds, or 404."""
    found = db.session.scalar(query)
    if found is None:
        abort(404)
    return found


def _by_id(model: type[Loaded], row_id: int, *options: ORMOption) -> Loaded:
    """The row of ``model`` with this id and what ``options`` load with it, or 404."""
    if not valid_id(row_id):
        abort(404)
    return _found(sa.select(model).where(model.id == row_id).options(*options))
