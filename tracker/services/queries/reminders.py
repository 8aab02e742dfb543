"""Reminders (催办): each department's overdue, due-soon and stale milestones, on screen and
by e-mail.

The lists are built in a fixed number of queries (milestones, the latest update of each,
departments) and classified by :mod:`tracker.domain.reminders`. :func:`send_reminders` mails
each department that has something to report and an address, in Chinese, and writes one
audit event for the run. It flushes and leaves the commit to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from enum import StrEnum

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.domain.reminders import (
    DUE_SOON_DAYS,
    STALE_AFTER_DAYS,
    MilestoneFacts,
    Reminder,
    ReminderKind,
    Reminders,
    by_department,
    last_activity,
    remind,
)
from tracker.domain.status import MilestoneState, Status, milestone_status
from tracker.extensions import db
from tracker.models import Department, Item, Milestone, Plan, User
from tracker.services.commands import audit
from tracker.services.commands.history import last_update_by_milestone
from tracker.services.exports.mailer import (
    MailError,
    SmtpSettings,
    addresses,
    build_message,
    send_messages,
)

MAIL_LOCALE = "zh_CN"


@dataclass(frozen=True)
class DepartmentReminders:
    """One department's reminders at ``as_of`` (what ``templates/reminders/_notice.html``
    shows, and what its e-mail says).
    """

    department: Department
    as_of: date
    overdue: tuple[Reminder, ...] = ()
    due_soon: tuple[Reminder, ...] = ()
    stale: tuple[Reminder, ...] = ()

    due_soon_days: int = DUE_SOON_DAYS
    stale_after_days: int = STALE_AFTER_DAYS

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.stale)

    @classmethod
    def of(cls, department: Department, as_of: date, found: Reminders) -> DepartmentReminders:
        return cls(department, as_of, found.overdue, found.due_soon, found.stale)


def _milestone_facts(plan: Plan, as_of: date, department_id: int | None) -> list[MilestoneFacts]:
    """The plan's milestones as the rules see them at ``as_of``: two queries."""
    query = (
        sa.select(
            Milestone.id,
            Milestone.code,
            Item.code,
            Milestone.title_zh,
            Milestone.title_en,
            Milestone.department_id,
            Milestone.due,
            Milestone.weight,
            Milestone.reported_status,
            Milestone.progress,
            Milestone.completed_on,
            Milestone.last_reported_on,
        )
        .join(Item, Milestone.item_id == Item.id)
        .where(Milestone.plan_id == plan.id)
        .order_by(Milestone.due, Milestone.code)
    )
    if department_id is not None:
        query = query.where(Milestone.department_id == department_id)
    rows = db.session.execute(query).all()
    latest = last_update_by_milestone(plan.id, as_of, [row[0] for row in rows])
    facts = []
    for row in rows:
        (key, code, item_code, title_zh, title_en, owner, due, weight) = row[:8]
        (reported, progress, completed_on, last_reported_on) = row[8:]
        state = MilestoneState(
            due=due,
            weight=weight,
            reported_status=Status(reported),
            progress=progress,
            completed_on=completed_on,
        )
        facts.append(
            MilestoneFacts(
                key=key,
                code=code,
                item_code=item_code,
                title_zh=title_zh,
                title_en=title_en,
                department_id=owner,
                due=due,
                status=milestone_status(state, as_of),
                last_activity=last_activity(
                    latest.get(key), last_reported_on, plan.report_date, as_of
                ),
            )
        )
    return facts


def reminders_by_department(plan: Plan, as_of: date) -> list[DepartmentReminders]:
    """Every department with milestones in the plan, by code, with its reminders at ``as_of``
    (also departments with nothing to report, so a listing can say so). Three queries.
    """
    grouped = by_department(_milestone_facts(plan, as_of, None), as_of)
    if not grouped:
        return []
    departments = db.session.scalars(
        sa.select(Department).where(Department.id.in_(grouped)).order_by(Department.code)
    ).all()
    return [DepartmentReminders.of(d, as_of, grouped[d.id]) for d in departments]


def reminders_for_department(plan: Plan, department_id: int, as_of: date) -> DepartmentReminders:
    """One department's reminders at ``as_of`` (for its own page). Three queries.

    Raises LookupError for an unknown department.
    """
    department = db.session.get(Department, department_id)
    if department is None:
        raise LookupError(f"no department {department_id}")
    found = remind(_milestone_facts(plan, as_of, department_id), as_of)
    return DepartmentReminders.of(department, as_of, found)


# E-mail


class MailState(StrEnum):
    """What became of a department's reminder e-mail."""

    SENT = "sent"
    FAILED = "failed"
    NOTHING_TO_REPORT = "nothing_to_report"
    NO_ADDRESS = "no_address"
    INACTIVE = "inactive"
    MAIL_OFF = "mail_off"  # no SMTP server configured: listed only


@dataclass(frozen=True)
class MailOutcome:
    reminders: DepartmentReminders
    state: MailState
    to: tuple[str, ...] = ()
    error: str = ""


def reminder_mail(
    reminders: DepartmentReminders, plan: Plan, *, sender: str, to: list[str]
) -> EmailMessage:
    """A department's reminder e-mail, written in Chinese whatever the current language."""
    with force_locale(MAIL_LOCALE):
        subject = _(
            "[Reminder] %(department)s: %(overdue)d overdue, %(due_soon)d due within "
            "%(days)d days, %(stale)d without update",
            department=reminders.department.name_zh,
            overdue=len(reminders.overdue),
            due_soon=len(reminders.due_soon),
            days=reminders.due_soon_days,
            stale=len(reminders.stale),
        )
        context = {"reminders": reminders, "plan": plan}
        text = render_template("reminders/email_text.html", **context)
        html = render_template("reminders/email.html", **context, subject=subject)
        sender_name = _("Plan Tracker")
    return build_message(
        sender=sender, sender_name=sender_name, to=to, subject=subject, text=text, html=html
    )


def send_reminders(
    plan: Plan,
    reminders: list[DepartmentReminders],
    *,
    settings: SmtpSettings | None,
    now: datetime,
    actor: User | None = None,
    address: str = "cli",
) -> list[MailOutcome]:
    """Mail each department that has something to report and an e-mail address.

    Without ``settings`` (no SMTP server) nothing is sent and the outcome says so. One
    ``reminders_sent`` audit event records the run: who was mailed and who was skipped.
    """
    outcomes: dict[int, MailOutcome] = {}
    queued: list[tuple[DepartmentReminders, tuple[str, ...], EmailMessage]] = []
    for entry in reminders:
        department = entry.department
        to = tuple(addresses(department.email))
        if not entry.count:
            outcomes[department.id] = MailOutcome(entry, MailState.NOTHING_TO_REPORT)
        elif not department.active:
            outcomes[department.id] = MailOutcome(entry, MailState.INACTIVE)
        elif not to:
            outcomes[department.id] = MailOutcome(entry, MailState.NO_ADDRESS)
        elif settings is None:
            outcomes[department.id] = MailOutcome(entry, MailState.MAIL_OFF, to)
        else:
            message = reminder_mail(entry, plan, sender=settings.sender, to=list(to))
            queued.append((entry, to, message))
    if queued and settings is not None:
        try:
            results = send_messages(settings, [message for _e, _t, message in queued])
        except MailError as error:
            results = [str(error)] * len(queued)
        for (entry, to, _message), problem in zip(queued, results, strict=True):
            state = MailState.SENT if problem is None else MailState.FAILED
            outcomes[entry.department.id] = MailOutcome(entry, state, to, problem or "")
    ordered = [outcomes[entry.department.id] for entry in reminders]
    audit.record(
        "reminders_sent",
        now=now,
        actor=actor,
        username=None if actor is not None else "cli",
        address=address,
        target=plan,
        detail=_audit_detail(ordered, reminders[0].as_of if reminders else None, settings),
    )
    db.session.flush()
    return ordered


def _audit_detail(
    outcomes: list[MailOutcome], as_of: date | None, settings: SmtpSettings | None
) -> str:
    parts = [f"as_of={as_of.isoformat() if as_of else '-'}"]
    if settings is None:
        parts.append("mail not configured")
    for state in MailState:
        codes = [o.reminders.department.code for o in outcomes if o.state is state]
        if codes:
            parts.append(f"{state.value}: {', '.join(codes)}")
    return "; ".join(parts)


# The department's mailbox (set by the admin on the department form)


def set_department_email(
    department: Department, email: str, *, now: datetime, actor: User | None, address: str = ""
) -> bool:
    """Set where the department's reminders go; audited. False when it is unchanged.

    ``email`` holds one or more addresses separated by commas; the form checks their shape.
    """
    value = ",".join(addresses(email))  # never longer than what was typed
    if value == (department.email or ""):
        return False
    old = department.email or "-"
    department.email = value
    audit.record(
        "department_updated",
        now=now,
        actor=actor,
        address=address,
        target=department,
        detail=f"e-mail {old}→{value or '-'}",
    )
    db.session.flush()
    return True


# The command line's listing (for the operator, in plain English with the Chinese names)


def _when(reminder: Reminder) -> str:
    due = reminder.due.isoformat()
    days = reminder.days
    plural = "" if days == 1 else "s"
    if reminder.kind is ReminderKind.OVERDUE:
        return f"due {due}, {days} day{plural} overdue"
    if reminder.kind is ReminderKind.DUE_SOON:
        return f"due today ({due})" if days == 0 else f"due {due}, in {days} day{plural}"
    last = reminder.milestone.last_activity.isoformat()
    return f"no update for {days} day{plural} (last on {last})"


def listing_lines(entry: DepartmentReminders) -> list[str]:
    """One department's reminders as lines of text: a heading, then each list."""
    department = entry.department
    title = f"{department.code} {department.name_zh}"
    if not entry.count:
        return [f"{title}: nothing overdue, due soon or stale"]
    lines = [
        f"{title}: {len(entry.overdue)} overdue, {len(entry.due_soon)} due soon, "
        f"{len(entry.stale)} stale"
    ]
    for label, reminders in (
        ("overdue", entry.overdue),
        (f"due within {entry.due_soon_days} days", entry.due_soon),
        (f"no update for over {entry.stale_after_days} days", entry.stale),
    ):
        if reminders:
            lines.append(f"  {label}:")
            lines.extend(f"    {r.code} {r.title_zh} — {_when(r)}" for r in reminders)
    return lines


def outcome_line(outcome: MailOutcome) -> str:
    """What became of one department's e-mail, in a line."""
    code = outcome.reminders.department.code
    to = ", ".join(outcome.to)
    return {
        MailState.SENT: f"{code}: sent to {to}",
        MailState.FAILED: f"{code}: NOT sent to {to}: {outcome.error}",
        MailState.NOTHING_TO_REPORT: f"{code}: nothing to send",
        MailState.NO_ADDRESS: f"{code}: skipped, the department has no e-mail address",
        MailState.INACTIVE: f"{code}: skipped, the department is deactivated",
        MailState.MAIL_OFF: f"{code}: not sent, mail is off (would go to {to})",
    }[outcome.state]
