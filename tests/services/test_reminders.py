"""Reminders (催办): the lists per department, the in-app notice, and the e-mails."""

from __future__ import annotations

import email
import email.policy
import smtplib
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import ClassVar

import pytest
import sqlalchemy as sa
from flask import Flask, render_template

from tests.factories import department
from tests.querycount import count_queries
from tracker.domain.refusal import Who
from tracker.domain.reminders import ReminderKind
from tracker.extensions import db
from tracker.models import AuditEvent, Department, Milestone, Plan
from tracker.services.commands.history import record_change
from tracker.services.commands.reminders import (
    MailState,
    reminder_mail,
    send_reminders,
    set_department_email,
)
from tracker.services.exports.mailer import (
    MailError,
    SmtpSettings,
    addresses,
    build_message,
    send_messages,
    smtp_settings,
)
from tracker.services.queries.reminders import (
    DepartmentReminders,
    reminders_by_department,
    reminders_for_department,
)

AS_OF = date(2020, 12, 25)  # Mr. Li runs the reminder list on the 25th
NOW = datetime(2020, 12, 25, 1, tzinfo=UTC)
SETTINGS = SmtpSettings(host="mail.shinan.example", sender="tracker@shinan.example")


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what would be sent, never opens a connection."""

    instances: ClassVar[list[FakeSMTP]] = []
    refuse: ClassVar[set[str]] = set()
    unreachable: ClassVar[bool] = False

    def __init__(self, host: str, port: int = 25, timeout: float | None = None) -> None:
        if FakeSMTP.unreachable:
            raise ConnectionRefusedError("connection refused")
        self.host, self.port, self.timeout = host, port, timeout
        self.sent: list[EmailMessage] = []
        self.started_tls = False
        self.logins: list[tuple[str, str]] = []
        self.quit_called = False
        FakeSMTP.instances.append(self)

    def starttls(self, context: object = None) -> None:
        self.started_tls = True

    def login(self, user: str, password: str) -> None:
        self.logins.append((user, password))

    def send_message(self, message: EmailMessage) -> None:
        recipients = [a.strip() for a in str(message["To"]).split(",")]
        refused = {a: (550, b"no such mailbox") for a in recipients if a in FakeSMTP.refuse}
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
        # What the server would receive: bytes, parsed back as a mail client would.
        self.sent.append(
            email.message_from_bytes(message.as_bytes(), policy=email.policy.default)  # type: ignore[arg-type]
        )

    def quit(self) -> None:
        self.quit_called = True

    def close(self) -> None:
        pass

    @classmethod
    def all_sent(cls) -> list[EmailMessage]:
        return [message for server in cls.instances for message in server.sent]


def install_fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    """Replace smtplib.SMTP by a fresh FakeSMTP for one test."""
    FakeSMTP.instances = []
    FakeSMTP.refuse = set()
    FakeSMTP.unreachable = False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    return install_fake_smtp(monkeypatch)


def plan() -> Plan:
    return db.session.scalar(sa.select(Plan))


def milestone(code: str) -> Milestone:
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == code))


def by_code(entries: list[DepartmentReminders]) -> dict[str, DepartmentReminders]:
    return {entry.department.code: entry for entry in entries}


def codes(reminders: tuple[object, ...]) -> list[str]:
    return [r.code for r in reminders]  # type: ignore[attr-defined]


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def html_body(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()  # type: ignore[union-attr]


# The lists


def test_shinan_plan_on_the_25th_of_december(seeded: Flask) -> None:
    entries = by_code(reminders_by_department(plan(), AS_OF))
    assert sorted(entries) == ["czj", "fgj", "gxj", "kjj", "rsj", "swj", "wlj", "zjj"]
    kjj, gxj = entries["kjj"], entries["gxj"]
    assert [(r.code, r.days) for r in kjj.overdue] == [("A2-1", 25)]
    assert codes(kjj.due_soon) == ["A3-1", "A4-1"]
    assert [(r.code, r.days) for r in gxj.due_soon] == [("A6-1", 6), ("T1-3", 6)]
    assert gxj.overdue == ()
    assert codes(entries["zjj"].due_soon) == ["P1-2"]
    # Nothing was reported since the plan's report date (2020-09-25): 91 days.
    assert {r.days for r in gxj.stale} == {91}
    assert "T1-3" in codes(gxj.stale)
    # Done milestones never remind.
    every = [r.code for e in entries.values() for r in (*e.overdue, *e.due_soon, *e.stale)]
    assert not {"T1-1", "T1-2", "T2-1", "T2-2", "A1-1", "A1-2"} & set(every)


def test_on_the_report_date_nothing_is_stale(seeded: Flask) -> None:
    entries = reminders_by_department(plan(), date(2020, 9, 25))
    assert all(entry.stale == () for entry in entries)


def test_a_recent_update_keeps_a_milestone_fresh_for_30_days(seeded: Flask) -> None:
    t13 = milestone("T1-3")
    record_change(
        t13.item,
        "progress",
        64,
        80,
        now=NOW,
        effective_on=date(2020, 11, 24),
        user=None,
        milestone=t13,
    )
    db.session.commit()
    gxj = department("gxj").id
    on_24th = reminders_for_department(plan(), gxj, date(2020, 12, 24))  # 30 days
    on_25th = reminders_for_department(plan(), gxj, AS_OF)  # 31 days
    assert "T1-3" not in codes(on_24th.stale)
    assert [(r.code, r.days) for r in on_25th.stale if r.code == "T1-3"] == [("T1-3", 31)]


def test_updates_after_the_as_of_day_do_not_count(seeded: Flask) -> None:
    t13 = milestone("T1-3")
    record_change(
        t13.item,
        "progress",
        64,
        90,
        now=NOW,
        effective_on=date(2021, 1, 5),
        user=None,
        milestone=t13,
    )
    db.session.commit()
    entry = reminders_for_department(plan(), department("gxj").id, AS_OF)
    assert [(r.code, r.days) for r in entry.stale if r.code == "T1-3"] == [("T1-3", 91)]


def test_last_reported_day_counts_as_activity(seeded: Flask) -> None:
    milestone("T1-3").last_reported_on = date(2020, 12, 1)
    db.session.commit()
    entry = reminders_for_department(plan(), department("gxj").id, AS_OF)
    assert "T1-3" not in codes(entry.stale)
    assert "T1-3" in codes(entry.due_soon)


def test_done_later_than_the_as_of_day_is_still_open_then(seeded: Flask) -> None:
    a21 = milestone("A2-1")
    a21.reported_status, a21.progress, a21.completed_on = "done", 100, date(2020, 12, 28)
    db.session.commit()
    kjj = department("kjj").id
    assert codes(reminders_for_department(plan(), kjj, AS_OF).overdue) == ["A2-1"]
    assert reminders_for_department(plan(), kjj, date(2020, 12, 28)).overdue == ()


def test_lists_are_built_in_three_queries(seeded: Flask) -> None:
    the_plan, gxj = plan(), department("gxj").id
    _ = the_plan.report_date
    with count_queries() as statements:
        entries = reminders_by_department(the_plan, AS_OF)
        for entry in entries:
            _ = entry.department.name_zh, entry.department.email
    assert len(entries) == 8
    assert len(statements) == 3
    with count_queries() as statements:
        reminders_for_department(the_plan, gxj, AS_OF)
    assert len(statements) <= 3  # the department may come from the identity map


def test_one_department_matches_the_full_listing(seeded: Flask) -> None:
    gxj = department("gxj")
    alone = reminders_for_department(plan(), gxj.id, AS_OF)
    listed = by_code(reminders_by_department(plan(), AS_OF))["gxj"]
    assert (alone.overdue, alone.due_soon, alone.stale) == (
        listed.overdue,
        listed.due_soon,
        listed.stale,
    )
    assert alone.department is gxj


def test_unknown_department_is_a_lookup_error(seeded: Flask) -> None:
    with pytest.raises(LookupError):
        reminders_for_department(plan(), 987654, AS_OF)


def test_plan_without_milestones_gives_no_lists(app: Flask) -> None:
    the_plan = Plan(
        code="empty",
        name_zh="空计划",
        name_en="Empty",
        start=date(2020, 1, 1),
        end=date(2020, 12, 31),
        report_date=date(2020, 1, 1),
    )
    db.session.add(the_plan)
    db.session.commit()
    assert reminders_by_department(the_plan, AS_OF) == []


# The in-app notice


def render_notice(app: Flask, reminders: DepartmentReminders | None, lang: str = "en") -> str:
    with app.test_request_context(f"/plans/shinan-2020/?lang={lang}"):
        return render_template("reminders/_notice.html", reminders=reminders)


def test_notice_lists_the_three_kinds_with_links(seeded: Flask) -> None:
    kjj = reminders_for_department(plan(), department("kjj").id, AS_OF)
    html = render_notice(seeded, kjj)
    assert 'data-testid="reminders"' in html
    assert 'data-kind="overdue" data-code="A2-1" data-days="25"' in html
    assert 'data-kind="due_soon" data-code="A3-1" data-days="6"' in html
    assert 'data-kind="stale" data-code="A2-1" data-days="91"' in html
    # Each line opens the milestone's report form (a lead acts on a reminder by reporting).
    assert f'href="/milestones/{milestone("A2-1").id}/report"' in html
    assert "25 days overdue" in html
    assert "no update for 91 days (last on 2020-09-25)" in html
    assert "Due within 7 days (2)" in html


def test_notice_in_chinese_shows_chinese_titles(seeded: Flask) -> None:
    gxj = reminders_for_department(plan(), department("gxj").id, AS_OF)
    html = render_notice(seeded, gxj, lang="zh")
    assert "年内开通5G基站970处" in html
    assert "区工业和信息化局" in html


def test_notice_says_due_today_and_singular_days(seeded: Flask) -> None:
    gxj = reminders_for_department(plan(), department("gxj").id, date(2020, 12, 31))
    html = render_notice(seeded, gxj)
    assert "due today (2020-12-31)" in html
    one_day = reminders_for_department(plan(), department("kjj").id, date(2020, 12, 1))
    assert "1 day overdue" in render_notice(seeded, one_day)


def test_notice_is_empty_when_there_is_nothing_to_say(seeded: Flask) -> None:
    nothing = DepartmentReminders(department=department("gxj"), as_of=AS_OF)
    assert render_notice(seeded, nothing).strip() == ""
    assert render_notice(seeded, None).strip() == ""


# Mail settings and sending


def test_no_host_means_mail_is_off() -> None:
    assert smtp_settings({}) is None
    assert smtp_settings({"TRACKER_SMTP_HOST": "  "}) is None


def test_settings_from_config() -> None:
    settings = smtp_settings(
        {
            "TRACKER_SMTP_HOST": "smtp.qingdao.gov.example",
            "TRACKER_SMTP_PORT": "587",
            "TRACKER_SMTP_USER": "tracker@shinan.example",
            "TRACKER_SMTP_PASSWORD": "s3cret",
            "TRACKER_SMTP_STARTTLS": "1",
        }
    )
    assert settings is not None
    assert (settings.host, settings.port, settings.starttls) == (
        "smtp.qingdao.gov.example",
        587,
        True,
    )
    assert settings.sender == "tracker@shinan.example"  # the user, when no sender is given
    assert "s3cret" not in repr(settings)
    defaults = smtp_settings({"TRACKER_SMTP_HOST": "mail"})
    assert defaults is not None
    assert (defaults.port, defaults.starttls, defaults.user) == (25, False, "")
    assert defaults.sender == "plan-tracker@mail"


@pytest.mark.parametrize("port", ["smtp", "0", "70000", "99999999999999999999"])
def test_bad_port_is_a_clear_error(port: str) -> None:
    with pytest.raises(MailError, match="TRACKER_SMTP_PORT"):
        smtp_settings({"TRACKER_SMTP_HOST": "mail", "TRACKER_SMTP_PORT": port})


def test_addresses_of_a_field() -> None:
    assert addresses("gxj@shinan.example, office@shinan.example;x") == [
        "gxj@shinan.example",
        "office@shinan.example",
    ]
    assert addresses("") == []


def test_starttls_and_login_when_configured(fake_smtp: type[FakeSMTP]) -> None:
    settings = SmtpSettings(
        host="mail", port=587, user="u", password="p", sender="t@x.example", starttls=True
    )
    message = build_message(
        sender="t@x.example", sender_name="", to=["a@x.example"], subject="s", text="t"
    )
    assert send_messages(settings, [message]) == [None]
    (server,) = fake_smtp.instances
    assert (server.host, server.port, server.started_tls, server.logins) == (
        "mail",
        587,
        True,
        [("u", "p")],
    )
    assert server.quit_called


def test_unreachable_server_is_a_mail_error(fake_smtp: type[FakeSMTP]) -> None:
    fake_smtp.unreachable = True
    message = build_message(
        sender="t@x.example", sender_name="", to=["a@x.example"], subject="s", text="t"
    )
    with pytest.raises(MailError, match="cannot reach"):
        send_messages(SETTINGS, [message])


def set_emails(**by_code: str) -> None:
    for code, address in by_code.items():
        department(code).email = address
    db.session.commit()


def test_each_department_with_an_address_gets_its_own_mail_in_chinese(
    seeded: Flask, fake_smtp: type[FakeSMTP]
) -> None:
    set_emails(gxj="gxj@shinan.example", kjj="kjj@shinan.example,li@shinan.example")
    entries = reminders_by_department(plan(), AS_OF)
    outcomes = {
        o.reminders.department.code: o
        for o in send_reminders(Who(NOW), plan(), entries, settings=SETTINGS)
    }
    db.session.commit()

    assert len(fake_smtp.instances) == 1  # one connection for the whole run
    sent = {str(m["To"]): m for m in fake_smtp.all_sent()}
    assert sorted(sent) == ["gxj@shinan.example", "kjj@shinan.example, li@shinan.example"]
    gxj_mail = sent["gxj@shinan.example"]
    assert "区工业和信息化局" in str(gxj_mail["Subject"])
    assert "tracker@shinan.example" in str(gxj_mail["From"])
    text = body(gxj_mail)
    assert "区工业和信息化局" in text
    assert "T1-3 年内开通5G基站970处" in text
    assert "2020-12-31" in text
    assert "《工业互联网·市南在行动》" in text
    assert "A2-1" not in text  # another department's milestone
    assert "年内开通5G基站970处" in html_body(gxj_mail)
    assert "&amp;" not in text  # plain text is not HTML-escaped
    kjj_text = body(sent["kjj@shinan.example, li@shinan.example"])
    assert "A2-1 印发细化后的推进方案" in kjj_text

    assert outcomes["gxj"].state is MailState.SENT
    assert outcomes["gxj"].to == ("gxj@shinan.example",)
    assert outcomes["swj"].state is MailState.NO_ADDRESS
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reminders_sent"))
    assert event.target_label == "shinan-2020"
    assert "as_of=2020-12-25" in event.detail
    assert "sent: gxj, kjj" in event.detail
    assert "no_address: czj, fgj, rsj, swj, wlj, zjj" in event.detail


def test_mail_text_is_chinese_even_for_an_english_session(
    seeded: Flask, fake_smtp: type[FakeSMTP]
) -> None:
    entry = reminders_for_department(plan(), department("gxj").id, AS_OF)
    with seeded.test_request_context("/plans/shinan-2020/?lang=en"):
        message = reminder_mail(entry, plan(), sender="t@x.example", to=["gxj@x.example"])
    assert "年内开通5G基站970处" in body(message)
    assert "5G base stations" not in body(message)
    assert "区工业和信息化局" in str(message["Subject"])


def test_without_smtp_nothing_is_sent(seeded: Flask, fake_smtp: type[FakeSMTP]) -> None:
    set_emails(gxj="gxj@shinan.example")
    entries = reminders_by_department(plan(), AS_OF)
    outcomes = send_reminders(Who(NOW), plan(), entries, settings=None)
    assert fake_smtp.instances == []
    states = {o.reminders.department.code: o.state for o in outcomes}
    assert states["gxj"] is MailState.MAIL_OFF
    assert states["swj"] is MailState.NO_ADDRESS
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reminders_sent"))
    assert "mail not configured" in event.detail


def test_nothing_to_report_sends_nothing(seeded: Flask, fake_smtp: type[FakeSMTP]) -> None:
    set_emails(gxj="gxj@shinan.example")
    entry = reminders_for_department(plan(), department("gxj").id, date(2020, 9, 25))
    assert entry.count == 0
    (outcome,) = send_reminders(Who(NOW), plan(), [entry], settings=SETTINGS)
    assert outcome.state is MailState.NOTHING_TO_REPORT
    assert fake_smtp.instances == []


def test_deactivated_department_is_not_mailed(seeded: Flask, fake_smtp: type[FakeSMTP]) -> None:
    set_emails(gxj="gxj@shinan.example")
    department("gxj").active = False
    db.session.commit()
    entry = reminders_for_department(plan(), department("gxj").id, AS_OF)
    (outcome,) = send_reminders(Who(NOW), plan(), [entry], settings=SETTINGS)
    assert outcome.state is MailState.INACTIVE
    assert fake_smtp.all_sent() == []


def test_a_refused_mailbox_fails_only_its_mail(seeded: Flask, fake_smtp: type[FakeSMTP]) -> None:
    set_emails(gxj="gxj@shinan.example", kjj="gone@shinan.example")
    fake_smtp.refuse = {"gone@shinan.example"}
    outcomes = send_reminders(
        Who(NOW), plan(), reminders_by_department(plan(), AS_OF), settings=SETTINGS
    )
    states = {o.reminders.department.code: (o.state, o.error) for o in outcomes}
    assert states["gxj"] == (MailState.SENT, "")
    assert states["kjj"][0] is MailState.FAILED
    assert "gone@shinan.example" in states["kjj"][1]
    assert [str(m["To"]) for m in fake_smtp.all_sent()] == ["gxj@shinan.example"]


def test_unreachable_server_fails_every_mail_but_the_run_is_audited(
    seeded: Flask, fake_smtp: type[FakeSMTP]
) -> None:
    set_emails(gxj="gxj@shinan.example", kjj="kjj@shinan.example")
    fake_smtp.unreachable = True
    outcomes = send_reminders(
        Who(NOW), plan(), reminders_by_department(plan(), AS_OF), settings=SETTINGS
    )
    failed = [o.reminders.department.code for o in outcomes if o.state is MailState.FAILED]
    assert failed == ["gxj", "kjj"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reminders_sent"))
    assert "failed: gxj, kjj" in event.detail


# The department's mailbox


def test_set_department_email_is_normalised_and_audited(seeded: Flask) -> None:
    gxj = department("gxj")
    assert set_department_email(Who(NOW), gxj, " a@shinan.example ;b@shinan.example ")
    assert gxj.email == "a@shinan.example,b@shinan.example"
    assert not set_department_email(Who(NOW), gxj, "a@shinan.example, b@shinan.example")
    assert set_department_email(Who(NOW), gxj, "")
    assert gxj.email == ""
    db.session.commit()
    details = db.session.scalars(
        sa.select(AuditEvent.detail)
        .where(AuditEvent.action == "department_updated", AuditEvent.target_label == "gxj")
        .order_by(AuditEvent.id)
    ).all()
    assert details == [
        "e-mail -→a@shinan.example,b@shinan.example",
        "e-mail a@shinan.example,b@shinan.example→-",
    ]


def test_reminder_kinds_are_the_four_lists(seeded: Flask) -> None:
    entry = reminders_for_department(plan(), department("kjj").id, AS_OF)
    assert {r.kind for r in entry.overdue} == {ReminderKind.OVERDUE}
    assert {r.kind for r in entry.due_soon} == {ReminderKind.DUE_SOON}
    assert {r.kind for r in entry.stale} == {ReminderKind.STALE}
    assert {r.kind for r in entry.unsigned} == {ReminderKind.UNSIGNED}  # nobody signed yet
    assert entry.count == (
        len(entry.overdue) + len(entry.due_soon) + len(entry.stale) + len(entry.unsigned)
    )
    assert isinstance(entry.department, Department)
