"""Server-side access control for every request: sign-in required, then ask the policy.

Every endpoint needs a signed-in user unless it is listed in ``PUBLIC_ENDPOINTS``, so a new
route is protected by default. Views then call :func:`require` with the action they perform.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import sqlalchemy as sa
from flask import Flask, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
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
from tracker.extensions import db, login_manager
from tracker.loaders import plan_state
from tracker.models import Item, Milestone, Report, User

PUBLIC_ENDPOINTS = frozenset({"auth.login", "health.healthz", "static", "screens.show"})
# Endpoints a user who must replace a one-time password may still reach.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.password", "auth.logout", "static"})


def actor_for(user: object) -> Actor:
    """The policy's view of a user (or of an anonymous visitor)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return ANONYMOUS
    department = user.department
    return Actor(
        role=Role(user.role),
        department_id=user.department_id,
        department_coordinating=bool(department and department.is_coordinating),
        active=user.active,
    )


def client_address() -> str:
    """The client's address (behind a proxy, as ProxyFix reads it from X-Forwarded-For)."""
    return request.remote_addr or ""


def current_who() -> Who:
    """The signed-in user acting now from this client: what services and the audit log need."""
    return Who(
        now=clock.utcnow(),
        actor=current_user._get_current_object(),
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


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the session's user; a stale session version or a deactivated account ends it."""
    user_part, _, version = user_id.partition(":")
    if not user_part.isdigit() or not version.isdigit():
        return None
    user = db.session.scalar(
        sa.select(User).where(User.id == int(user_part)).options(sa.orm.joinedload(User.department))
    )
    if user is None or not user.active or user.session_version != int(version):
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
    app.before_request(enforce_sign_in)
    app.jinja_env.globals.update(
        allowed=allowed,
        allowed_by_role=allowed_by_role,
        Action=Action,
        item_target=item_target,
        milestone_target=milestone_target,
    )
