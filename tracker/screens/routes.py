"""Screen views: admins make and revoke links; a display opens the big screen with one.

The admin views stay thin: check the permission, read the form, make one service call of
:mod:`tracker.services.commands.screens` inside :func:`~tracker.unit_of_work.attempt` (one
commit, or a rollback that writes nothing and leaves the problems to show), then redirect or
render. A new link's URL is shown once, in the response to the POST
that made it: never flashed, never stored.

The big screen itself is public (``screens.show`` is in ``PUBLIC_ENDPOINTS``): the token in
its URL is the credential, checked here, and the page never looks at ``current_user``.
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tracker import clock
from tracker.access import current_who, require
from tracker.conditional import not_modified, page_tag, tagged
from tracker.domain.policy import Action
from tracker.extensions import db
from tracker.i18n import local_time, localized
from tracker.loaders import find_plan, row_by_id
from tracker.messages import messages
from tracker.models import Plan, ScreenLink
from tracker.models.plan import PlanHeader
from tracker.screens import bp
from tracker.screens.forms import ScreenLinkForm
from tracker.services.commands.screens import create_link, find_active_link, list_links, revoke_link
from tracker.services.commands.tokens import mark_used, needs_touch
from tracker.services.queries.plans import visible_plans
from tracker.services.queries.screens import load_screen, open_link
from tracker.snapshots import SnapshotKey, snapshots
from tracker.unit_of_work import attempt, unit_of_work

# Stands in for the time of the answer in a kept page.
UPDATED_AT = "tracker-updated-at-5f2a"


def _links_page(
    form: ScreenLinkForm,
    *,
    errors: list[str] | None = None,
    created: ScreenLink | None = None,
    url: str = "",
) -> str:
    return render_template(
        "screens/links.html",
        form=form,
        errors=errors or [],
        links=list_links(),
        created=created,
        url=url,
        local_time=local_time,
    )


def _form(*, empty: bool = False) -> ScreenLinkForm:
    """The form (``empty``: not filled from the request), its plan choices the plans a display
    may show (not drafts), the default plan chosen first.
    """
    form = ScreenLinkForm(formdata=None) if empty else ScreenLinkForm()
    plans = visible_plans(include_drafts=False)
    form.plan.choices = [SelectChoice(p.code, f"{p.code} · {localized(p, 'name')}") for p in plans]
    if form.plan.data is None and plans:
        default = find_plan()
        form.plan.data = default.code if default is not None else plans[0].code
    return form


@bp.get("/admin/screens")
def links() -> str:
    """The screen links, active first, with the form that makes a new one."""
    require(Action.MANAGE_PLAN)
    return _links_page(_form())


@bp.post("/admin/screens")
def create() -> Response | str:
    """Make a link; its full URL is in this response and nowhere else."""
    require(Action.MANAGE_PLAN)
    form = _form()
    if not form.validate_on_submit():
        return _links_page(form)
    with attempt() as outcome:
        link, token = create_link(
            current_who(), label=form.label.data or "", plan=find_plan(form.plan.data or None)
        )
    if outcome.refused is not None:
        return _links_page(form, errors=messages(outcome.refused))
    url = url_for("screens.show", token=token, _external=True)
    response = make_response(_links_page(_form(empty=True), created=link, url=url))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/admin/screens/<int:link_id>/revoke")
def revoke(link_id: int) -> Response:
    """Revoke a link: the display shows "not found" at its next refresh."""
    require(Action.MANAGE_PLAN)
    link = row_by_id(ScreenLink, link_id)
    # An empty form: the CSRF token is checked for every POST (CSRFProtect).
    with unit_of_work():
        revoked = revoke_link(current_who(), link)
    if revoked:
        flash(_("The link “%(label)s” is revoked.", label=link.label), "success")
    else:
        flash(_("The link “%(label)s” was already revoked.", label=link.label), "info")
    return redirect(url_for("screens.links"))


@bp.get("/screen/<token>")
def show(token: str) -> Response:
    """The big screen: the current plan as of today, for a valid, unrevoked link only.

    The page is a shared snapshot of the plan's data version, and a display that polls with
    the ETag it holds gets a 304 until something changes.
    """
    opening = open_link(token)
    if opening is None:
        abort(404)
    now = clock.utcnow()
    if needs_touch(opening.last_used_at, now):  # a polling display writes once a minute at most
        link = find_active_link(token)
        if link is None:  # revoked this very moment
            abort(404)
        with unit_of_work():
            mark_used(link, now)
    default = find_plan() if opening.plan is None else None
    plan = opening.plan or (PlanHeader.of(default) if default is not None else None)
    if plan is None:
        return make_response(
            render_template("screens/show.html", screen=None, updated_at=_time(now))
        )
    day = clock.today()
    locale = str(get_locale())
    tag = page_tag("screen", plan.id, plan.data_version, day, locale)
    if (unchanged := not_modified(tag)) is not None:
        return unchanged

    def render() -> bytes:
        row = db.session.get(Plan, plan.id)
        if row is None:  # deleted this very moment: the next poll says so
            abort(404)
        screen = load_screen(row, day, current_app.config["TRACKER_BEHIND_MARGIN"])
        html = render_template("screens/show.html", screen=screen, updated_at=UPDATED_AT)
        return html.encode()

    key = SnapshotKey("screen", plan.id, plan.data_version, (day.isoformat(), locale))
    html = snapshots().fetch(key, render).decode().replace(UPDATED_AT, _time(now))
    return tagged(make_response(html), tag)


def _time(now: datetime) -> str:
    return format_datetime(now, "HH:mm")


@bp.after_request
def _keep_the_token_private(response: Response) -> Response:
    """The screen's URL holds its token: no shared cache keeps the page (the display's own
    browser keeps it to revalidate: ``private, no-cache``), no link passes the URL on.

    A 404 answered for an unknown or revoked token is not kept anywhere.
    """
    if request.endpoint == "screens.show":
        if response.status_code not in {200, 304}:
            response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    return response
