"""Sending reminders (催办) by e-mail and to group robots, and where each department's go.

What to remind whom of is read by :mod:`tracker.services.queries.reminders`.
:func:`send_reminders` mails each department that has something to report and an address,
in Chinese, and writes one audit event for the run. :func:`post_robot_reminders` posts the
same lists as cards to the group robots of the plan and of each department (no database
write, so no transaction waits on a robot); :func:`record_robot_reminders` then keeps each
post and audits the run. They flush and leave the commit to the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from enum import StrEnum

from flask import get_template_attribute, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.domain.refusal import Who
from tracker.domain.reminders import (
    Reminder,
    ReminderKind,
)
from tracker.domain.webhooks import Card, CardSection, mask_url
from tracker.extensions import db
from tracker.models import Department, Plan, Webhook
from tracker.services.commands import audit
from tracker.services.commands.webhooks import PURPOSE_REMINDER, record_delivery, robot_of
from tracker.services.exports.mailer import (
    MailError,
    SmtpSettings,
    addresses,
    build_message,
    send_messages,
)
from tracker.services.exports.robots import Delivery, Robot, RobotSettings, post_card
from tracker.services.queries.reminders import DepartmentReminders
from tracker.services.queries.webhooks import webhooks_for_reminders

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


def reminder_title(reminders: DepartmentReminders) -> str:
    """The line an e-mail's subject and a robot's card both open with: the counts at a glance
    (and the assignments still waiting for the department's receipt, when any do).
    """
    title = _(
        "[Reminder] %(department)s: %(overdue)d overdue, %(due_soon)d due within "
        "%(days)d days, %(stale)d without update",
        department=reminders.department.name_zh,
        overdue=len(reminders.overdue),
        due_soon=len(reminders.due_soon),
        days=reminders.due_soon_days,
        stale=len(reminders.stale),
    )
    if not reminders.unsigned:
        return title
    unsigned = _(
        "%(num)d awaiting receipt, the oldest assigned %(days)d days ago",
        num=len(reminders.unsigned),
        days=reminders.oldest_unsigned_days,
    )
    return _("%(first)s; %(second)s", first=title, second=unsigned)


def reminder_mail(
    reminders: DepartmentReminders, plan: Plan, *, sender: str, to: list[str]
) -> EmailMessage:
    """A department's reminder e-mail, written in Chinese whatever the current language."""
    with force_locale(MAIL_LOCALE):
        subject = reminder_title(reminders)
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


# Group robots


def _more(count: int) -> str:
    """The line that stands for milestones a card leaves out, in the cards' language."""
    with force_locale(MAIL_LOCALE):
        return "… " + _("and %(num)d more", num=count)


def reminder_card(reminders: DepartmentReminders, plan: Plan, *, base_url: str) -> Card:
    """A department's reminders as a robot's card, in Chinese like the e-mail: the same
    lists and wording, and a link to the department's page (``/my``) when the tracker's
    address (``TRACKER_BASE_URL``) is known.
    """
    with force_locale(MAIL_LOCALE):
        when = get_template_attribute("reminders/_phrases.html", "when")
        heading = get_template_attribute("reminders/_phrases.html", "heading")
        sections = tuple(
            CardSection(
                heading=str(heading(kind, reminders)),
                lines=tuple(f"{r.code} {r.title_zh}：{when(r)}" for r in entries),
            )
            for kind, entries in (
                ("unsigned", reminders.unsigned),
                ("overdue", reminders.overdue),
                ("due_soon", reminders.due_soon),
                ("stale", reminders.stale),
            )
            if entries
        )
        return Card(
            title=reminder_title(reminders),
            intro=_(
                "As of %(date)s, these milestones of %(plan)s that your department is "
                "responsible for need attention.",
                date=reminders.as_of.isoformat(),
                plan=plan.name_zh,
            ),
            sections=sections,
            link_label=_("Open the department's page to report") if base_url else "",
            link_url=f"{base_url}/my" if base_url else "",
            footer=_("Sent automatically by Plan Tracker."),
            urgent=bool(reminders.overdue),
            more=_more,
        )


@dataclass(frozen=True)
class RobotPost:
    """One card for one robot: the department's reminders and where they go."""

    webhook: Webhook
    robot: Robot
    reminders: DepartmentReminders


@dataclass(frozen=True)
class RobotOutcome:
    """What became of one card."""

    post: RobotPost
    delivery: Delivery


def robot_posts(plan: Plan, reminders: list[DepartmentReminders]) -> list[RobotPost]:
    """The cards a run posts: each active department with something to report, to the
    plan's robots and to its own. Departments with nothing to report get no card.
    """
    entries = [e for e in reminders if e.count and e.department.active]
    webhooks = webhooks_for_reminders(plan, [e.department for e in entries])
    posts = []
    for entry in entries:
        for webhook in webhooks:
            if webhook.plan_id == plan.id or webhook.department_id == entry.department.id:
                posts.append(RobotPost(webhook, robot_of(webhook), entry))
    return posts


def post_robot_reminders(
    posts: list[RobotPost],
    plan: Plan,
    *,
    settings: RobotSettings,
    base_url: str,
    post: Callable[[Robot, Card, RobotSettings], Delivery] = post_card,
) -> list[RobotOutcome]:
    """Post every card (retrying each as ``settings`` say); nothing is written here."""
    return [
        RobotOutcome(
            p, post(p.robot, reminder_card(p.reminders, plan, base_url=base_url), settings)
        )
        for p in posts
    ]


def record_robot_reminders(who: Who, plan: Plan, outcomes: list[RobotOutcome]) -> None:
    """Keep each post (the admin page shows the latest) and one ``reminders_posted`` audit
    event for the run.
    """
    for outcome in outcomes:
        record_delivery(
            who,
            outcome.post.webhook,
            outcome.delivery,
            purpose=PURPOSE_REMINDER,
            department=outcome.post.reminders.department,
            plan=plan,
        )
    sent = [robot_line(o) for o in outcomes if o.delivery.ok]
    failed = [robot_line(o) for o in outcomes if not o.delivery.ok]
    as_of = outcomes[0].post.reminders.as_of.isoformat() if outcomes else "-"
    parts = [f"as_of={as_of}", f"sent {len(sent)}, failed {len(failed)}", *failed]
    audit.record(
        "reminders_posted",
        now=who.now,
        actor=who.actor,
        username=None if who.actor is not None else "cli",
        address=who.address,
        target=plan,
        detail="; ".join(parts),
    )
    db.session.flush()


def robot_line(outcome: RobotOutcome) -> str:
    """What became of one card, in a line (the robot's address masked)."""
    post, delivery = outcome.post, outcome.delivery
    where = f"{post.webhook.label} ({post.webhook.kind} {mask_url(post.webhook.url)})"
    code = post.reminders.department.code
    if delivery.ok:
        tries = "" if delivery.attempts == 1 else f" at attempt {delivery.attempts}"
        return f"{code} → {where}: sent{tries}"
    return f"{code} → {where}: NOT sent after {delivery.attempts} attempts: {delivery.error}"


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
    if reminder.kind is ReminderKind.UNSIGNED:
        return f"assigned {days} day{plural} ago, not yet signed for"
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
        + (f", {len(entry.unsigned)} awaiting receipt" if entry.unsigned else "")
    ]
    for label, reminders in (
        ("awaiting receipt", entry.unsigned),
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
