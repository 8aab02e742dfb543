"""Sending reminders (催办) by e-mail, and where each department's go: audited writes.

What to remind whom of is read by :mod:`tracker.services.queries.reminders`.
:func:`send_reminders` mails each department that has something to report and an address,
in Chinese, and writes one audit event for the run. It flushes and leaves the commit to the
caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from enum import StrEnum

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.domain.refusal import Who
from tracker.domain.reminders import (
    Reminder,
    ReminderKind,
)
from tracker.extensions import db
from tracker.models import Department, Plan
from tracker.services.commands import audit
from tracker.services.exports.mailer import (
    MailError,
    SmtpSettings,
    addresses,
    build_message,
    send_messages,
)
from tracker.services.queries.reminders import DepartmentReminders

MAIL_LOCALE = "zh_CN"


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
    who: Who, plan: Plan, reminders: list[DepartmentReminders], *, settings: SmtpSettings | None
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
        now=who.now,
        actor=who.actor,
        username=None if who.actor is not None else "cli",
        address=who.address,
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


def set_department_email(who: Who, department: Department, email: str) -> bool:
    """Set where the department's reminders go; audited. False when it is unchanged.

    ``email`` holds one or more addresses separated by commas; the form checks their shape.
    """
    value = ",".join(addresses(email))  # never longer than what was typed
    if value == (department.email or ""):
        return False
    old = department.email or "-"
    department.email = value
    audit.note(who, "department_updated", target=department, detail=f"e-mail {old}→{value or '-'}")
    db.session.flush()
    return True


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
