"""Bulletin views: the page (pick, preview, issue, history), one issued bulletin, its file.

The preview composes the bulletin without keeping it; issuing it (a POST) keeps it in the
history and leads to its page, which says what changed against the previous bulletin of the
month and downloads the .docx.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from tracker.access import actor_for, allowed_by_role, current_who, forbid, require
from tracker.bulletins import bp
from tracker.bulletins.forms import IssueForm
from tracker.clock import today
from tracker.domain.bulletins import (
    BULLETIN_LANGUAGES,
    DEFAULT_LANGUAGE,
    BulletinProblem,
    Month,
)
from tracker.domain.plan_states import PlanState
from tracker.domain.policy import Action, can
from tracker.domain.refusal import Refused, Who
from tracker.loaders import find_plan, scope_to, valid_id
from tracker.messages import message, messages
from tracker.models import Plan
from tracker.services.commands.bulletins import Prepared, issue_bulletin, prepare_bulletin
from tracker.services.exports.bulletin import MIMETYPE, change_text
from tracker.services.queries.bulletins import IssuedBulletin, issued_bulletin, issued_bulletins
from tracker.services.queries.plans import visible_plans
from tracker.unit_of_work import attempt

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
TEXT_MAX = 40  # characters of a typed value a message repeats


@dataclass
class Asked:
    """What the page was asked for, read forgivingly: each problem in words, with the status
    the page answers (404 for a plan it does not know, 400 for the rest)."""

    plan: Plan | None = None
    month: Month | None = None
    language: str = DEFAULT_LANGUAGE
    month_text: str = ""
    problems: list[str] = field(default_factory=list)
    status: int = 200


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _margin() -> float:
    return float(current_app.config["TRACKER_BEHIND_MARGIN"])


def _require_role() -> None:
    """Only the coordinating office, leaders and admins reach bulletins at all."""
    if not allowed_by_role(Action.ISSUE_BULLETIN):
        forbid()


def _may_issue(plan: Plan) -> bool:
    actor = actor_for(current_user._get_current_object())
    return can(actor, Action.ISSUE_BULLETIN, plan=PlanState(plan.state))


def _plans() -> list[Plan]:
    """The plans this user may issue bulletins for (drafts only for admins)."""
    shown = visible_plans(include_drafts=allowed_by_role(Action.MANAGE_PLANS))
    return [plan for plan in shown if _may_issue(plan)]


def _default_month(plan: Plan | None, now: date) -> str:
    """Last month (the bulletin before a monthly meeting), kept within the plan's period."""
    month = Month.of(now).previous
    if plan is not None:
        month = max(min(month, Month.of(plan.end)), Month.of(plan.start))
    return str(month)


def _read(values: Mapping[str, str], plans: list[Plan]) -> Asked:
    """The plan, month and language asked for, with every problem worded."""
    asked = Asked()
    code = (values.get("plan") or "").strip()
    asked.plan = next((p for p in plans if p.code == code), None) if code else None
    if code and asked.plan is None:
        asked.problems.append(_("There is no plan %(code)s.", code=code[:TEXT_MAX]))
        asked.status = 404
    elif asked.plan is None:
        asked.plan = find_plan()
        if asked.plan not in plans:
            asked.plan = plans[0] if plans else None
    asked.month_text = (values.get("month") or "").strip()[:TEXT_MAX]
    try:
        asked.month = Month.parse(asked.month_text)
    except ValueError:
        problem = BulletinProblem.MONTH_MALFORMED
        asked.problems.append(message(problem, {"month": asked.month_text or "—"}))
    asked.language = (values.get("lang") or DEFAULT_LANGUAGE).strip()[:TEXT_MAX]
    if asked.language not in BULLETIN_LANGUAGES:
        problem = BulletinProblem.LANGUAGE_UNKNOWN
        asked.problems.append(message(problem, {"language": asked.language}))
    if asked.problems and asked.status == 200:
        asked.status = 400
    return asked


def _page(
    asked: Asked,
    plans: list[Plan],
    *,
    prepared: Prepared | None = None,
    status: int | None = None,
) -> tuple[str, int]:
    chosen = asked.plan
    html = render_template(
        "bulletins/index.html",
        plans=plans,
        chosen=chosen,
        month=asked.month_text or _default_month(chosen, today()),
        language=asked.language if asked.language in BULLETIN_LANGUAGES else DEFAULT_LANGUAGE,
        languages=LANGUAGE_NAMES,
        problems=asked.problems,
        prepared=prepared,
        form=IssueForm(),
        history=issued_bulletins([p.id for p in plans]),
    )
    return html, status or asked.status


def _prepare(who: Who, asked: Asked) -> Prepared:
    assert asked.plan is not None
    assert asked.month is not None
    return prepare_bulletin(
        who,
        asked.plan,
        asked.month,
        asked.language,
        today=today(),
        margin=_margin(),
        zone=_zone(),
    )


@bp.get("/bulletins")
def index() -> tuple[str, int]:
    """The form; with ``?plan=&month=&lang=``, the bulletin previewed below it."""
    _require_role()
    plans = _plans()
    if "month" not in request.args:
        return _page(Asked(plan=_read(request.args, plans).plan), plans)
    asked = _read(request.args, plans)
    if asked.problems or asked.plan is None:
        return _page(asked, plans)
    scope_to(asked.plan)
    try:
        prepared = _prepare(current_who(), asked)
    except Refused as refusal:
        asked.problems = messages(refusal)
        return _page(asked, plans, status=400)
    return _page(asked, plans, prepared=prepared)


@bp.post("/bulletins")
def issue() -> Response | tuple[str, int]:
    """Issue the bulletin previewed: kept in the history, then its page."""
    _require_role()
    plans = _plans()
    form = IssueForm()
    if not form.validate_on_submit():
        asked = Asked(problems=[_("The form is incomplete. Please try again.")], status=400)
        return _page(asked, plans)
    asked = _read({"plan": form.plan.data, "month": form.month.data, "lang": form.lang.data}, plans)
    if asked.problems or asked.plan is None:
        return _page(asked, plans)
    plan, month = scope_to(asked.plan), asked.month
    assert month is not None
    with attempt() as outcome:
        issued = issue_bulletin(
            current_who(),
            plan,
            month,
            asked.language,
            today=today(),
            margin=_margin(),
            zone=_zone(),
        )
        bulletin_id = issued.bulletin.id
    if outcome.refused is not None:
        asked.problems = messages(outcome.refused)
        return _page(asked, plans, status=400)
    return redirect(url_for("bulletins.show", bulletin_id=bulletin_id), 303)


def _issued(bulletin_id: int) -> IssuedBulletin:
    """A kept bulletin the user may read (404 when there is none, 403 for its plan)."""
    _require_role()
    found = issued_bulletin(bulletin_id) if valid_id(bulletin_id) else None
    if found is None:
        abort(404)
    scope_to(found.bulletin.plan)
    require(Action.ISSUE_BULLETIN)
    return found


@bp.get("/bulletins/<int:bulletin_id>")
def show(bulletin_id: int) -> str:
    """One bulletin as issued: who, when, and what changed since the previous one of its
    month."""
    issued = _issued(bulletin_id)
    return render_template(
        "bulletins/show.html",
        issued=issued,
        changes=[change_text(change) for change in issued.changes],
        languages=LANGUAGE_NAMES,
    )


def download_name(issued: IssuedBulletin) -> str:
    """The stored name with the bulletin's number: 通报-shinan-2020-2021-06-2.docx."""
    path = PurePosixPath(issued.bulletin.filename)
    return f"{path.stem}-{issued.number}{path.suffix}"


@bp.get("/bulletins/<int:bulletin_id>/download")
def download(bulletin_id: int) -> Response:
    """The .docx exactly as it was issued."""
    issued = _issued(bulletin_id)
    response = send_file(
        io.BytesIO(issued.bulletin.content),
        mimetype=MIMETYPE,
        as_attachment=True,
        download_name=download_name(issued),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
