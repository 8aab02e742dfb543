"""Language choice and the bilingual helpers templates use.

The UI is Chinese first: zh_CN unless the visitor asked for English with ``?lang=en``,
which is remembered in the session so every following page stays in English.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from babel import Locale
from flask import Flask, request, session
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.domain.closing import has_ended
from tracker.domain.plan_states import PlanState
from tracker.domain.planfile import fact_date_text
from tracker.domain.status import Status
from tracker.extensions import babel
from tracker.messages import FIELD_LABELS

LANGUAGES = {"zh_CN": "中文", "en": "English"}
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}
_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "en": "en"}

STATUS_LABELS = {
    Status.NOT_STARTED: _l("Not started"),
    Status.ON_TRACK: _l("On track"),
    Status.AT_RISK: _l("At risk"),
    Status.DELAYED: _l("Delayed"),
    Status.DONE: _l("Done"),
}

# Close-out (销号) as a milestone's badge shows it (tracker.domain.close_out).
CLOSE_OUT_LABELS = {
    "awaiting": _l("Awaiting close-out"),
    "closed": _l("Closed out"),
    "reopened": _l("Reopened"),
}
CLOSE_OUT_COLOURS = {"awaiting": "warning", "closed": "success", "reopened": "danger"}

PLAN_STATE_LABELS = {
    PlanState.DRAFT: _l("Draft"),
    PlanState.ACTIVE: _l("Being carried out"),
    PlanState.CLOSED: _l("Closed"),
    PlanState.ARCHIVED: _l("Archived"),
}
# What the plan list's buttons say for a move to each state.
PLAN_MOVE_LABELS = {
    PlanState.ACTIVE: _l("Activate"),
    PlanState.CLOSED: _l("Close"),
    PlanState.ARCHIVED: _l("Archive"),
    PlanState.DRAFT: _l("Back to draft"),
}

# Bootstrap colour per status: grey not started, green on track, amber at risk, red delayed,
# blue done — the colours leadership reads at a glance.
STATUS_COLOURS = {
    Status.NOT_STARTED: "secondary",
    Status.ON_TRACK: "success",
    Status.AT_RISK: "warning",
    Status.DELAYED: "danger",
    Status.DONE: "primary",
}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "leader": _l("District leader"),
    "dept_lead": _l("Department lead"),
    "staff": _l("Department staff"),
    "viewer": _l("Viewer"),
}

# Who checks an account's password: shown to admins on the users page.
ACCOUNT_SOURCE_LABELS = {
    "local": _l("Local password"),
    "ldap": _l("Directory (LDAP)"),
    "oidc": _l("Sign-in provider (OpenID Connect)"),
}

# How a milestone's progress is kept (sub-tasks, 多级分解): shown on its timeline.
PROGRESS_MODE_LABELS = {
    "direct": _l("Progress reported directly"),
    "subtasks": _l("Progress rolled up from sub-tasks"),
}

REPORT_STATE_LABELS = {
    "submitted": _l("Pending review"),
    "approved": _l("Approved"),
    "returned": _l("Returned"),
    "withdrawn": _l("Replaced"),
}

SOURCE_LABELS = {
    "report": _l("From the report"),
    "sample": _l("Sample data"),
    "admin": _l("Added by the administrator"),
}


# What an item's own ``source`` means: its departments and dates come from the source, or
# are sample data (``Item.is_sample``).
ITEM_SOURCE_LABELS = {
    "report": _l("Departments and dates from the source"),
    "sample": _l("Sample departments and dates"),
}


def completion_text(day: date | str | None, exact: bool = True, source: str = "sample") -> str:
    """A completion date as people read it: the day, or "done by" it when only that is known.

    The report states some things as done without their day; they read "done by 2020-09-25
    (date not given in the report)", never as done on the report's date.
    """
    if day is None or day == "":
        return "—"
    text = day if isinstance(day, str) else day.isoformat()
    if exact:
        return text
    if source == "report":
        return _("done by %(date)s (date not given in the report)", date=text)
    return _("done by %(date)s (exact day not known)", date=text)


def overdue_text(due: date, days: int, plan_end: date) -> str:
    """How long an open milestone is overdue, ``days`` after its due date.

    Once the plan's period has ended, a count of days says nothing anyone can act on: the
    milestone reads "not done by the plan's end" instead.
    """
    if has_ended(plan_end, due + timedelta(days=days)):
        return _("not done by the plan’s end (due %(date)s)", date=due.isoformat())
    return _("overdue by %(num)d days", num=days)


def fact_date(fact: Any) -> str:
    """A background fact's date with no more than its source gives: 2019, 2019-06, a day."""
    return fact_date_text(fact.happened_on, getattr(fact, "date_precision", "day"))


def item_source(item: Any) -> str:
    """``sample`` when an item's departments and dates are sample data, else ``report``."""
    return "sample" if item.is_sample else "report"


def normalize_language(value: str | None) -> str | None:
    """Map what a visitor may type (``en``, ``zh``, ``zh-CN``) to a supported locale."""
    if not value:
        return None
    return _ALIASES.get(value.strip().lower())


def select_locale() -> Locale:
    """Pick the locale: explicit ``?lang=``, then the session's choice, then Chinese.

    Answered as a parsed locale, parsed once per process (Flask-Babel would parse the name
    on every request).
    """
    asked = normalize_language(request.args.get("lang"))
    if asked:
        session["lang"] = asked
        return _LOCALES[asked]
    remembered = session.get("lang")
    if isinstance(remembered, str) and remembered in LANGUAGES:
        return _LOCALES[remembered]
    return _LOCALES["zh_CN"]


def is_english() -> bool:
    """True when the page is being rendered in English."""
    return str(get_locale()) == "en"


def localized(obj: Any, attribute: str) -> str:
    """``obj.<attribute>_en`` in English, else ``obj.<attribute>_zh``, falling back to either."""
    zh = getattr(obj, f"{attribute}_zh", "") or ""
    en = getattr(obj, f"{attribute}_en", "") or ""
    if is_english():
        return en or zh
    return zh or en


def local_time(value: datetime | None) -> str:
    """A stored moment shown in the district's time zone, to the minute."""
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value is not None else ""


def local_date(value: datetime | None) -> str:
    """The district's calendar day of a stored moment: a report returned at 23:29 UTC on
    29 November was returned on 30 November in Qingdao, the day the page calls today."""
    return format_datetime(value, "yyyy-MM-dd") if value is not None else ""


def as_status(value: str | Status) -> Status:
    """Templates hold stored status strings; the label and colour tables are keyed by Status."""
    try:
        return Status(value)
    except ValueError:
        return Status.NOT_STARTED


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and expose the helpers to every template."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["status"] = as_status
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        STATUS_LABELS=STATUS_LABELS,
        STATUS_COLOURS=STATUS_COLOURS,
        SOURCE_LABELS=SOURCE_LABELS,
        ITEM_SOURCE_LABELS=ITEM_SOURCE_LABELS,
        completion_text=completion_text,
        overdue_text=overdue_text,
        plan_has_ended=has_ended,
        fact_date=fact_date,
        item_source=item_source,
        ROLE_LABELS=ROLE_LABELS,
        ACCOUNT_SOURCE_LABELS=ACCOUNT_SOURCE_LABELS,
        FIELD_LABELS=FIELD_LABELS,
        REPORT_STATE_LABELS=REPORT_STATE_LABELS,
        PROGRESS_MODE_LABELS=PROGRESS_MODE_LABELS,
        CLOSE_OUT_LABELS=CLOSE_OUT_LABELS,
        CLOSE_OUT_COLOURS=CLOSE_OUT_COLOURS,
        PLAN_STATE_LABELS=PLAN_STATE_LABELS,
        PLAN_MOVE_LABELS=PLAN_MOVE_LABELS,
        is_english=is_english,
        local_time=local_time,
        local_date=local_date,
    )
