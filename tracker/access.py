"""Server-side access control for every request: sign-in required, then ask the policy.

Every endpoint needs a signed-in user unless it is listed in ``PUBLIC_ENDPOINTS``, so a new
route is protected by default. Views then call :func:`require` with the action they perform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import NoReturn

import sqlalchemy as sa
from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user
from werkzeug.wrappers import Response

from tracker import clock
from tracker.domain.policy import (
    ANONYMOUS,
    Action,
    Actor,
    ItemTarget,
    MilestoneTarget,
    ReportTarget,
    Role,
    Target,
    can,
)
from tracker.domain.refusal import Who
from tracker.domain.reporting import ReportState
from tracker.domain.text import has_control_characters
from tracker.engines import quick_row
from tracker.extensions import db, login_manager
from tracker.loaders import PLAN_HEADER_COLUMNS, keep_plan_header, plan_state, wanted_plan_code
from tracker.models import Department, Item, Milestone, Plan, Report, User

MAX_ID_DIGITS = 18  # an id longer than this names no row (and would overflow the column)
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.oidc_login",
        "auth.oidc_callback",
        "health.healthz",
        "static",
        "screens.show",
    }
)
# Endpoints a user who must replace a one-time password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.password", "auth.logout", "static"})


@dataclass(eq=False)
class SignedInUser(UserMixin):
    """The signed-in user as a request sees it: the few fields the shell, the policy and the
    views read, from one small query per request; the ORM row (:attr:`record`) is loaded only
    when a command needs it (to change it, or to name it as the actor of a change).
    """

    id: int
    username: str
    display_name: str
    role: str
    department_id: int | None
    department_coordinating: bool
    active: bool
    session_version: int
    must_change_password: bool
    locale: str | None

    @property
    def label(self) -> str:
        """How the user is shown: the display name, else the user name."""
        return self.display_name or self.username

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @cached_property
    def record(self) -> User:
        """The user's row, for commands."""
        user = db.session.get(User, self.id)
        assert user is not None, "a signed-in user's row exists (it was read this request)"
        return user

    @property
    def department(self) -> Department | None:
        return self.record.department if self.department_id is not None else None


def actor_for(user: object) -> Actor:
    """The policy's view of a user (or of an anonymous visitor)."""
    if isinstance(user, SignedInUser):
        return Actor(
            role=Role(user.role),
            department_id=user.department_id,
            department_coordinating=user.department_coordinating,
            active=user.active,
            user_id=user.id,
        )
    if not isinstance(user, User) or not user.is_authenticated:
        return ANONYMOUS
    department = user.department
    return Actor(
        role=Role(user.role),
        department_id=user.department_id,
        department_coordinating=bool(department and department.is_coordinating),
        active=user.active,
        user_id=user.id,
    )


def signed_in_record() -> User:
    """The signed-in user's row: for commands that change it or record who acted."""
    user = current_user._get_current_object()
    return user.record if isinstance(user, SignedInUser) else user


def client_address() -> str:
    """The client's address (behind a proxy, as ProxyFix reads it from X-Forwarded-For)."""
    return request.remote_addr or ""


def current_who() -> Who:
    """The signed-in user acting now from this client: what services and the audit log need."""
    return Who(
        now=clock.utcnow(),
        actor=signed_in_record(),
        address=client_address(),
    )


def item_target(item: Item) -> ItemTarget:
    """The policy's view of an item (its supporting departments must be loadable)."""
    return ItemTarget(
        lead_department_id=item.lead_department_id,
        supporting_department_ids=frozenset(d.id for d in item.supporting_departments),
    )


def milestone_target(milestone: Milestone) -> MilestoneTarget:
    """The policy's view of a milestone: its department and its item's lead department."""
    return MilestoneTarget(
        department_id=milestone.department_id,
        item_lead_department_id=milestone.item.lead_department_id,
    )


def report_target(report: Report) -> ReportTarget:
    """The policy's view of a report: its department, and whether it counts yet."""
    return ReportTarget(
        department_id=report.department_id, approved=report.state == ReportState.APPROVED
    )


def report_reader(user: object) -> Callable[[Report], bool]:
    """Whether ``user`` may read a report's text, for lists that mix everyone's reports.

    One rule for the timeline, the API and evidence files: until a report is approved only
    its department, the reviewers and leadership read what it says.
    """
    actor = actor_for(user)
    return lambda report: can(actor, Action.VIEW_REPORT, report_target(report))


def allowed(action: Action, target: Target = None) -> bool:
    """Whether the current user may do ``action`` (templates use it to hide what is refused),
    in the state of the plan this request is about.
    """
    return can(actor_for(current_user._get_current_object()), action, target, plan_state())


def allowed_by_role(action: Action) -> bool:
    """Whether the current user's role may do ``action`` in some plan: for the navigation,
    which is the same on every plan's pages.
    """
    return can(actor_for(current_user._get_current_object()), action)


def require(action: Action, target: Target = None) -> None:
    """Stop the request with 403 unless the current user may do ``action``."""
    if not allowed(action, target):
        forbid()


def forbid() -> NoReturn:
    """Stop the request with 403: for views whose rule is more than one ``require``."""
    abort(403)


# Built once: a statement built per request costs more than running it.
_SIGNED_IN = (
    sa.select(
        User.id,
        User.username,
        User.display_name,
        User.role,
        User.department_id,
        sa.func.coalesce(Department.is_coordinating, False),
        User.active,
        User.session_version,
        User.must_change_password,
        User.locale,
    )
    .outerjoin(Department, Department.id == User.department_id)
    .where(User.id == sa.bindparam("user_id"))
)
# The same, with the header of the plan the URL names: a page served from a snapshot then
# needs one round trip to the database in all.
_SIGNED_IN_WITH_PLAN = _SIGNED_IN.add_columns(*PLAN_HEADER_COLUMNS).outerjoin(
    Plan, Plan.code == sa.bindparam("code")
)
_USER_FIELDS = len(_SIGNED_IN.selected_columns)


@login_manager.user_loader
def load_user(user_id: str) -> SignedInUser | None:
    """Read the session's user (one small query, no ORM row); a stale session version or a
    deactivated account ends the session.
    """
    user_part, _, version = user_id.partition(":")
    if not user_part.isdigit() or not version.isdigit() or len(user_part) > MAX_ID_DIGITS:
        return None
    code = wanted_plan_code()
    if code is None:
        row = quick_row(_SIGNED_IN, {"user_id": int(user_part)})
    else:
        row = quick_row(_SIGNED_IN_WITH_PLAN, {"user_id": int(user_part), "code": code})
    if row is None:
        return None
    if code is not None:
        keep_plan_header(row[_USER_FIELDS:])
    user = SignedInUser(*row[:_USER_FIELDS])
    if not user.active or user.session_version != int(version):
        return None
    return user


def enforce_sign_in() -> Response | None:
    """Before every request: anonymous visitors go to the sign-in page; others pass on."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.path.startswith("/api/"):
        return None  # the API checks its own bearer token and answers 401, never a redirect
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("auth.password"))
    return None


SESSION_TOUCH_SECONDS = 60


def keep_session_alive() -> None:
    """Re-issue a signed-in session's cookie when it is older than a minute (or a hundredth
    of the idle time, if that is shorter), so a session ends after the idle time without a
    request, to the minute, without re-signing the cookie on every answer.
    """
    if "_user_id" not in session:
        return
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    step = max(1, int(min(SESSION_TOUCH_SECONDS, lifetime / 100)))
    now = int(clock.utcnow().timestamp()) // step
    if session.get("_touched") != now:
        session["_touched"] = now


def refuse_control_characters() -> None:
    """A path or query with control characters names nothing: 404, before any look-up.

    Forms refuse them field by field (:class:`tracker.forms.Form`); this covers what no form
    reads, so no such value reaches the database (PostgreSQL refuses NUL in text).
    """
    values = [request.path]
    if not request.path.startswith("/api/"):  # the API names each bad parameter in a 422
        values += [*request.args.keys(), *request.args.values()]
    if any(has_control_characters(value) for value in values):
        abort(404)


def init_app(app: Flask) -> None:
    """Configure Flask-Login and install the sign-in check."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.before_request(refuse_control_characters)
    app.before_request(keep_session_alive)
    app.before_request(enforce_sign_in)
    app.jinja_env.globals.update(
        allowed=allowed,
        allowed_by_role=allowed_by_role,
        Action=Action,
        item_target=item_target,
        milestone_target=milestone_target,
    )
