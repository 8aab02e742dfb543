"""Administration views: departments, users and the audit log (admins only).

Views stay thin: read the form, call one service of
:mod:`tracker.services.commands.accounts`, commit once (or roll back and show the problems,
writing nothing), then redirect or render. A
one-time password is shown once, in the response to the POST that made it: never flashed,
never put in a URL, never stored.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tracker.access import allowed, current_who, require
from tracker.admin import bp
from tracker.admin.forms import (
    NO_DEPARTMENT,
    DepartmentEditForm,
    DepartmentForm,
    UserEditForm,
    UserForm,
)
from tracker.domain.policy import Action
from tracker.domain.refusal import Refused
from tracker.extensions import db
from tracker.forms import MAX_ID, find_department
from tracker.i18n import localized
from tracker.messages import message as problem_message
from tracker.models import AuditEvent, Department, User
from tracker.services.commands.accounts import (
    create_department,
    create_user,
    reset_password,
    update_department,
    update_user,
)
from tracker.services.queries.reminders import set_department_email

PER_PAGE = 50

# Every action the application writes to the audit log, in the order the filter lists them.
AUDIT_ACTIONS = {
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "login_throttled": _l("Sign-in blocked after too many failures"),
    "logout": _l("Signed out"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset"),
    "user_created": _l("User created"),
    "user_updated": _l("User changed"),
    "user_deactivated": _l("User deactivated"),
    "department_created": _l("Department created"),
    "department_updated": _l("Department changed"),
    "reminders_sent": _l("Reminders sent"),
    "screen_link_created": _l("Screen link created"),
    "screen_link_revoked": _l("Screen link revoked"),
}

TARGET_TYPES = {
    "user": _l("User"),
    "department": _l("Department"),
    "plan": _l("Plan"),
    "screenlink": _l("Screen link"),
}

Model = TypeVar("Model", User, Department)


def _get_or_404(model: type[Model], object_id: int) -> Model:
    if not 0 < object_id <= MAX_ID:
        abort(404)
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def utc_iso(value: datetime | None) -> str:
    """A moment in UTC, ISO 8601 to the second (SQLite hands back naive UTC values)."""
    if value is None:
        return ""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _problems(error: Refused) -> list[str]:
    db.session.rollback()
    return [problem_message(p) for p in error.problems]


def _department_choices(current: Department | None = None) -> list[SelectChoice]:
    """Active departments (and the user's current one, even if deactivated), by code."""
    condition = Department.active
    if current is not None:
        condition = sa.or_(Department.active, Department.id == current.id)
    departments = db.session.scalars(
        sa.select(Department).where(condition).order_by(Department.code)
    )
    choices = [SelectChoice(NO_DEPARTMENT, "—")]
    for department in departments:
        label = f"{department.code} · {localized(department, 'name')}"
        if not department.active:
            label = _("%(department)s (deactivated)", department=label)
        choices.append(SelectChoice(department.id, label))
    return choices


def _one_time_password_page(user: User, password: str, *, created: bool) -> Response:
    """Show the new password once; the page must not be cached anywhere."""
    html = render_template(
        "admin/one_time_password.html", user=user, password=password, created=created
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


# Departments


def _save_email(department: Department, email: str | None) -> bool:
    """Set where the department's reminders go; True when it changed (audited)."""
    who = current_who()
    return set_department_email(
        department, email or "", now=who.now, actor=who.actor, address=who.address
    )


@bp.get("/departments")
def departments() -> str:
    require(Action.MANAGE_DEPARTMENTS)
    user_count = (
        sa.select(sa.func.count(User.id))
        .where(User.department_id == Department.id)
        .scalar_subquery()
    )
    rows = db.session.execute(sa.select(Department, user_count).order_by(Department.code)).all()
    return render_template("admin/departments.html", rows=rows)


@bp.route("/departments/new", methods=["GET", "POST"])
def department_new() -> Response | str:
    require(Action.MANAGE_DEPARTMENTS)
    form = DepartmentForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            department = create_department(
                current_who(),
                code=form.code.data or "",
                name_zh=form.name_zh.data or "",
                name_en=form.name_en.data or "",
                coordinating=bool(form.coordinating.data),
            )
        except Refused as error:
            errors = _problems(error)
        else:
            _save_email(department, form.email.data)
            db.session.commit()
            flash(_("Department %(code)s is created.", code=department.code), "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, errors=errors, department=None)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def department_edit(department_id: int) -> Response | str:
    require(Action.MANAGE_DEPARTMENTS)
    department = _get_or_404(Department, department_id)
    initial = None
    if request.method == "GET":
        initial = {
            "name_zh": department.name_zh,
            "name_en": department.name_en,
            "coordinating": department.is_coordinating,
            "active": department.active,
            "email": department.email,
        }
    form = DepartmentEditForm(data=initial)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            changes = update_department(
                current_who(),
                department,
                name_zh=form.name_zh.data or "",
                name_en=form.name_en.data or "",
                coordinating=bool(form.coordinating.data),
                active=bool(form.active.data),
            )
        except Refused as error:
            errors = _problems(error)
        else:
            if _save_email(department, form.email.data):
                changes.append("e-mail")
            db.session.commit()
            if changes:
                flash(_("Department %(code)s is saved.", code=department.code), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("admin.departments"))
    return render_template(
        "admin/department_form.html", form=form, errors=errors, department=department
    )


# Users


@bp.get("/users")
def users() -> str:
    require(Action.MANAGE_USERS)
    rows = db.session.scalars(
        sa.select(User)
        .options(so.joinedload(User.department))
        .order_by(sa.func.lower(User.username))
    ).all()
    return render_template("admin/users.html", users=rows, utc_iso=utc_iso)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new() -> Response | str:
    require(Action.MANAGE_USERS)
    form = UserForm()
    form.department.choices = _department_choices()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            user, password = create_user(
                current_who(),
                username=form.username.data or "",
                role=form.role.data or "",
                department=find_department(form.department.data),
                display_name=form.display_name.data or "",
            )
        except Refused as error:
            errors = _problems(error)
        else:
            db.session.commit()
            assert password is not None  # no password was given, so one was made
            return _one_time_password_page(user, password, created=True)
    return render_template("admin/user_form.html", form=form, errors=errors, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int) -> Response | str:
    require(Action.MANAGE_USERS)
    user = _get_or_404(User, user_id)
    initial = None
    if request.method == "GET":
        initial = {
            "display_name": user.display_name,
            "role": user.role,
            "department": user.department_id or NO_DEPARTMENT,
            "active": user.active,
        }
    form = UserEditForm(data=initial)
    form.department.choices = _department_choices(user.department)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            changes = update_user(
                current_who(),
                user,
                role=form.role.data or "",
                department=find_department(form.department.data),
                display_name=form.display_name.data or "",
                active=bool(form.active.data),
            )
        except Refused as error:
            errors = _problems(error)
        else:
            db.session.commit()
            if changes:
                flash(_("User %(username)s is saved.", username=user.username), "success")
            else:
                flash(_("Nothing was changed."), "info")
            if not allowed(Action.MANAGE_USERS):  # an admin who just gave up the role
                return redirect(url_for("board.index"))
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        form=form,
        errors=errors,
        user=user,
        utc_iso=utc_iso,
    )


@bp.post("/users/<int:user_id>/reset-password")
def user_reset_password(user_id: int) -> Response:
    require(Action.MANAGE_USERS)
    user = _get_or_404(User, user_id)
    # An empty form: the CSRF token is checked for every POST (CSRFProtect), as for signing out.
    password = reset_password(current_who(), user)
    db.session.commit()
    if user.id == current_user.id:
        # Resetting one's own password ends one's sessions; keep this one (it must change it).
        login_user(user)
    return _one_time_password_page(user, password, created=False)


# Audit log


@bp.get("/audit")
def audit() -> str:
    require(Action.VIEW_AUDIT)
    present = set(db.session.scalars(sa.select(AuditEvent.action).distinct()))
    actions = [*AUDIT_ACTIONS, *sorted(present - set(AUDIT_ACTIONS))]
    action = request.args.get("action", "")
    if action not in actions:
        action = ""
    query = sa.select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= pages:
        page = 1
    events = db.session.scalars(
        query.options(so.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "admin/audit.html",
        events=events,
        actions=actions,
        action=action,
        page=page,
        pages=pages,
        total=total,
        action_labels=AUDIT_ACTIONS,
        target_types=TARGET_TYPES,
        utc_iso=utc_iso,
    )
