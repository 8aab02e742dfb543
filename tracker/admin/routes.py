"""Administration views: departments, users and the audit log (admins only).

Views stay thin: read the form, make one service call of
:mod:`tracker.services.commands.accounts` inside :func:`~tracker.unit_of_work.attempt` (one
commit, or a rollback that writes nothing and leaves the problems to show), then redirect or
render. A one-time password is shown once, in the response to the POST that made it: never
flashed, never put in a URL, never stored.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, make_response, redirect, render_template, request, url_for
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
from tracker.domain.refusal import Who
from tracker.forms import find_department
from tracker.i18n import localized
from tracker.loaders import row_by_id
from tracker.messages import messages
from tracker.models import Department, User
from tracker.services.commands.accounts import (
    create_department,
    create_user,
    reset_password,
    update_department,
    update_user,
)
from tracker.services.commands.reminders import set_department_email
from tracker.services.queries.accounts import (
    all_users,
    choosable_departments,
    departments_with_user_counts,
)
from tracker.services.queries.audit import audit_page, recorded_actions
from tracker.unit_of_work import Attempt, attempt

PER_PAGE = 50

# Every action the application writes to the audit log, in the order the filter lists them.
AUDIT_ACTIONS = {
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "login_throttled": _l("Sign-in blocked after too many failures"),
    "login_unavailable": _l("Sign-in failed: the directory did not answer"),
    "account_provisioned": _l("Account made at first directory sign-in"),
    "account_mapping_changed": _l("Role changed by the directory's groups"),
    "directory_mapped": _l("Directory group mapped"),
    "directory_unmapped": _l("Directory group mapping removed"),
    "directory_only_on": _l("Directory sign-in required"),
    "directory_only_off": _l("Local sign-in opened again"),
    "logout": _l("Signed out"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset"),
    "user_created": _l("User created"),
    "user_updated": _l("User changed"),
    "user_deactivated": _l("User deactivated"),
    "department_created": _l("Department created"),
    "department_updated": _l("Department changed"),
    "reminders_sent": _l("Reminders sent"),
    "reminders_posted": _l("Reminders posted to group robots"),
    "webhook_created": _l("Group robot added"),
    "webhook_updated": _l("Group robot changed"),
    "webhook_tested": _l("Group robot tested"),
    "webhook_deleted": _l("Group robot deleted"),
    "screen_link_created": _l("Screen link created"),
    "screen_link_revoked": _l("Screen link revoked"),
    "subtask_created": _l("Sub-task added"),
    "subtask_edited": _l("Sub-task changed"),
    "subtask_deleted": _l("Sub-task removed"),
}

TARGET_TYPES = {
    "user": _l("User"),
    "department": _l("Department"),
    "plan": _l("Plan"),
    "screenlink": _l("Screen link"),
    "webhook": _l("Group robot"),
    "milestone": _l("Milestone"),
}


def utc_iso(value: datetime | None) -> str:
    """A moment in UTC, ISO 8601 to the second (SQLite hands back naive UTC values)."""
    if value is None:
        return ""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _errors(outcome: Attempt) -> list[str]:
    """The refusal of a write in words, or nothing when it was committed."""
    return messages(outcome.refused) if outcome.refused else []


def _department_choices(current: Department | None = None) -> list[SelectChoice]:
    """Active departments (and the user's current one, even if deactivated), by code."""
    choices = [SelectChoice(NO_DEPARTMENT, "—")]
    for department in choosable_departments(current):
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


def _flash_saved(changes: list[str], saved: str) -> None:
    """Say what became of an edit form: saved, or nothing to save."""
    if changes:
        flash(saved, "success")
    else:
        flash(_("Nothing was changed."), "info")


# Departments


def _save_email(who: Who, department: Department, email: str | None) -> bool:
    """Set where the department's reminders go; True when it changed (audited)."""
    return set_department_email(who, department, email or "")


@bp.get("/departments")
def departments() -> str:
    """Every department with how many accounts it has."""
    require(Action.MANAGE_DEPARTMENTS)
    return render_template("admin/departments.html", rows=departments_with_user_counts())


@bp.route("/departments/new", methods=["GET", "POST"])
def department_new() -> Response | str:
    """Make a department, with where its reminders go."""
    require(Action.MANAGE_DEPARTMENTS)
    form = DepartmentForm()
    outcome = Attempt()
    if form.validate_on_submit():
        who = current_who()
        with attempt() as outcome:
            department = create_department(
                who,
                code=form.code.data or "",
                name_zh=form.name_zh.data or "",
                name_en=form.name_en.data or "",
                coordinating=bool(form.coordinating.data),
            )
            _save_email(who, department, form.email.data)
        if outcome.refused is None:
            flash(_("Department %(code)s is created.", code=department.code), "success")
            return redirect(url_for("admin.departments"))
    return render_template(
        "admin/department_form.html", form=form, errors=_errors(outcome), department=None
    )


def _department_data(department: Department) -> dict[str, object]:
    """What the edit form shows first: the department as saved."""
    return {
        "name_zh": department.name_zh,
        "name_en": department.name_en,
        "coordinating": department.is_coordinating,
        "active": department.active,
        "email": department.email,
    }


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def department_edit(department_id: int) -> Response | str:
    """Rename, flag, (de)activate a department or change where its reminders go."""
    require(Action.MANAGE_DEPARTMENTS)
    department = row_by_id(Department, department_id)
    form = DepartmentEditForm(
        data=_department_data(department) if request.method == "GET" else None
    )
    outcome = Attempt()
    if form.validate_on_submit():
        who = current_who()
        with attempt() as outcome:
            changes = update_department(
                who,
                department,
                name_zh=form.name_zh.data or "",
                name_en=form.name_en.data or "",
                coordinating=bool(form.coordinating.data),
                active=bool(form.active.data),
            )
            if _save_email(who, department, form.email.data):
                changes.append("e-mail")
        if outcome.refused is None:
            _flash_saved(changes, _("Department %(code)s is saved.", code=department.code))
            return redirect(url_for("admin.departments"))
    return render_template(
        "admin/department_form.html", form=form, errors=_errors(outcome), department=department
    )


# Users


@bp.get("/users")
def users() -> str:
    """Every account by user name, with its role, department and last sign-in."""
    require(Action.MANAGE_USERS)
    return render_template("admin/users.html", users=all_users(), utc_iso=utc_iso)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new() -> Response | str:
    """Make an account; its one-time password is shown in this response only."""
    require(Action.MANAGE_USERS)
    form = UserForm()
    form.department.choices = _department_choices()
    outcome = Attempt()
    if form.validate_on_submit():
        with attempt() as outcome:
            user, password = create_user(
                current_who(),
                username=form.username.data or "",
                role=form.role.data or "",
                department=find_department(form.department.data),
                display_name=form.display_name.data or "",
            )
        if outcome.refused is None:
            assert password is not None  # no password was given, so one was made
            return _one_time_password_page(user, password, created=True)
    return render_template("admin/user_form.html", form=form, errors=_errors(outcome), user=None)


def _user_data(user: User) -> dict[str, object]:
    """What the edit form shows first: the account as saved."""
    return {
        "display_name": user.display_name,
        "role": user.role,
        "department": user.department_id or NO_DEPARTMENT,
        "active": user.active,
    }


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int) -> Response | str:
    """Change an account's role, department, name or active state."""
    require(Action.MANAGE_USERS)
    user = row_by_id(User, user_id)
    form = UserEditForm(data=_user_data(user) if request.method == "GET" else None)
    form.department.choices = _department_choices(user.department)
    outcome = Attempt()
    if form.validate_on_submit():
        with attempt() as outcome:
            changes = update_user(
                current_who(),
                user,
                role=form.role.data or "",
                department=find_department(form.department.data),
                display_name=form.display_name.data or "",
                active=bool(form.active.data),
            )
        if outcome.refused is None:
            _flash_saved(changes, _("User %(username)s is saved.", username=user.username))
            if not allowed(Action.MANAGE_USERS):  # an admin who just gave up the role
                return redirect(url_for("board.home"))
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, errors=_errors(outcome), user=user, utc_iso=utc_iso
    )


@bp.post("/users/<int:user_id>/reset-password")
def user_reset_password(user_id: int) -> Response:
    """Give the account a new one-time password, shown in this response only."""
    require(Action.MANAGE_USERS)
    user = row_by_id(User, user_id)
    # An empty form: the CSRF token is checked for every POST (CSRFProtect), as for signing out.
    with attempt() as outcome:
        password = reset_password(current_who(), user)
    if outcome.refused is not None:
        for text in messages(outcome.refused):
            flash(text, "danger")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    if user.id == current_user.id:
        # Resetting one's own password ends one's sessions; keep this one (it must change it).
        login_user(user)
    return _one_time_password_page(user, password, created=False)


# Audit log


@bp.get("/audit")
def audit() -> str:
    """The audit log, newest first, optionally one action only, a page at a time."""
    require(Action.VIEW_AUDIT)
    actions = [*AUDIT_ACTIONS, *sorted(recorded_actions() - set(AUDIT_ACTIONS))]
    action = request.args.get("action", "")
    if action not in actions:
        action = ""
    shown = audit_page(action, request.args.get("page", 1, type=int), PER_PAGE)
    return render_template(
        "admin/audit.html",
        events=shown.events,
        actions=actions,
        action=action,
        page=shown.page,
        pages=shown.pages,
        total=shown.total,
        action_labels=AUDIT_ACTIONS,
        target_types=TARGET_TYPES,
        utc_iso=utc_iso,
    )
