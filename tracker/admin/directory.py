"""Directory sign-in: the mapping of groups to roles, and whether local sign-in stays open.

Admins map the directory's groups (LDAP group DNs, or group names in the provider's claims)
to a role and department here or with ``flask directory map``; members get what the mapping
gives at their next sign-in. Turning on "require" leaves local sign-in to admins only, the
break-glass way in when the directory is down.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from tracker.access import current_who, require
from tracker.admin import bp
from tracker.admin.forms import NO_DEPARTMENT, DirectoryOnlyForm, MappingForm
from tracker.admin.routes import _department_choices
from tracker.domain.policy import Action
from tracker.forms import find_department
from tracker.loaders import row_by_id
from tracker.messages import messages
from tracker.models import DirectoryMapping
from tracker.services.commands.directory import add_mapping, remove_mapping, set_directory_only
from tracker.services.queries.directory import directory_mappings, directory_only
from tracker.unit_of_work import Attempt, attempt


def _configured() -> dict[str, str]:
    """Which ways in are configured (shown so an admin knows what "require" leaves open)."""
    config = current_app.config
    return {
        "ldap": str(config.get("TRACKER_LDAP_URL") or ""),
        "oidc": str(config.get("TRACKER_OIDC_ISSUER") or ""),
    }


def _page(form: MappingForm, setting: DirectoryOnlyForm, errors: list[str]) -> str:
    return render_template(
        "admin/directory.html",
        form=form,
        setting=setting,
        errors=errors,
        mappings=directory_mappings(),
        configured=_configured(),
        NO_DEPARTMENT=NO_DEPARTMENT,
    )


def _forms() -> tuple[MappingForm, DirectoryOnlyForm]:
    form = MappingForm(prefix="map")
    form.department.choices = _department_choices()
    setting = DirectoryOnlyForm(prefix="only", data={"required": directory_only()})
    return form, setting


@bp.get("/directory")
def directory() -> str:
    """The mapping, the form to add to it, and the require-directory switch."""
    require(Action.MANAGE_USERS)
    form, setting = _forms()
    return _page(form, setting, [])


@bp.post("/directory/mappings")
def directory_map() -> Response | tuple[str, int]:
    """Add a mapping; a group mapped already is refused with what to do instead."""
    require(Action.MANAGE_USERS)
    form, setting = _forms()
    outcome = Attempt()
    if form.validate_on_submit():
        department = find_department(form.department.data)
        with attempt() as outcome:
            add_mapping(
                current_who(),
                form.group.data or "",
                form.role.data or "",
                department.code if department else None,
            )
        if outcome.refused is None:
            flash(_("The group is mapped: its members get it at their next sign-in."), "success")
            return redirect(url_for("admin.directory"))
    errors = messages(outcome.refused) if outcome.refused else []
    return _page(form, setting, errors), 422


@bp.post("/directory/mappings/<int:mapping_id>/delete")
def directory_unmap(mapping_id: int) -> Response:
    """Remove a mapping: its members lose what it gave at their next sign-in."""
    require(Action.MANAGE_USERS)
    mapping = row_by_id(DirectoryMapping, mapping_id)
    with attempt():
        remove_mapping(current_who(), mapping)
    flash(_("The mapping is removed."), "success")
    return redirect(url_for("admin.directory"))


@bp.post("/directory/sign-in")
def directory_setting() -> Response | tuple[str, int]:
    """Require directory sign-in for everyone but local admins, or open local sign-in again."""
    require(Action.MANAGE_USERS)
    form, setting = _forms()
    outcome = Attempt()
    if setting.validate_on_submit():
        configured = any(_configured().values())
        with attempt() as outcome:
            set_directory_only(current_who(), bool(setting.required.data), configured=configured)
        if outcome.refused is None:
            flash(_("Sign-in settings are saved."), "success")
            return redirect(url_for("admin.directory"))
    errors = messages(outcome.refused) if outcome.refused else []
    return _page(form, setting, errors), 422
