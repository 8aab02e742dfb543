"""`flask --app tracker remind` on every channel, against real local servers: group robots
over HTTP (WeCom, DingTalk, Feishu) and e-mail through aiosmtpd.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.factories import department
from tests.local_servers import Answer, mail_server, robot_server
from tracker.domain.refusal import Who
from tracker.domain.webhooks import RobotKind
from tracker.extensions import db
from tracker.models import AuditEvent, Plan, Webhook, WebhookDelivery
from tracker.services.commands.webhooks import create_webhook
from tracker.services.queries.reminders import reminders_by_department

AS_OF = "2020-12-25"
WHO = Who(datetime(2020, 12, 1, 9, tzinfo=UTC), address="test")
BASE = "https://tracker.shinan.example"


@pytest.fixture
def app_for_robots(seeded: Flask) -> Flask:
    """Quick retries (no waiting) and the tracker's address for links."""
    seeded.config.update(
        TRACKER_WEBHOOK_BACKOFF="0", TRACKER_WEBHOOK_TIMEOUT="2", TRACKER_BASE_URL=BASE
    )
    return seeded


def plan() -> Plan:
    return db.session.scalar(sa.select(Plan))


def add_robot(
    kind: RobotKind, url: str, *, code: str | None = None, secret: str = "", label: str = ""
) -> Webhook:
    webhook = create_webhook(
        WHO,
        kind=kind,
        label=label or f"{code or 'plan'} group",
        url=url,
        secret=secret,
        department=department(code) if code else None,
        plan=None if code else plan(),
    )
    db.session.commit()
    return webhook


def remind(runner: FlaskCliRunner, *args: str) -> object:
    return runner.invoke(args=["remind", "--as-of", AS_OF, *args])


def deliveries() -> list[WebhookDelivery]:
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_department_and_plan_robots_get_their_cards(
    app_for_robots: Flask, runner: FlaskCliRunner
) -> None:
    with robot_server("wecom") as gxj_group, robot_server("dingtalk") as office_group:
        add_robot(RobotKind.WECOM, gxj_group.url(), code="gxj", label="工信局工作群")
        add_robot(
            RobotKind.DINGTALK,
            office_group.url("/robot/send?access_token=office0123456789"),
            secret="SEC-office-secret-0123",
            label="推进办群",
        )
        result = remind(runner, "--channel", "robot")
    assert result.exit_code == 0, result.output
    # The department's group gets the department's card only.
    (post,) = gxj_group.posts
    content = post.json["markdown"]["content"]
    assert content.startswith("**【催办】区工业和信息化局：逾期 0 项，7 日内到期 2 项")
    assert "T1-3 年内开通5G基站970处" in content
    assert "A2-1" not in content  # kjj's
    assert f"]({BASE}/my)" in content
    # The plan's group gets one card per department with something to report, signed.
    reporting = [
        e for e in reminders_by_department(plan(), datetime(2020, 12, 25).date()) if e.count
    ]
    assert len(office_group.posts) == len(reporting) == 8
    titles = [p.json["markdown"]["title"] for p in office_group.posts]
    assert any(t.startswith("【催办】区科技局：逾期 1 项") for t in titles)
    assert all("sign" in p.query and "timestamp" in p.query for p in office_group.posts)
    out = result.output
    assert "Mail is off" not in out  # e-mail was not chosen
    assert "Group robots (9 cards):" in out
    assert "gxj → 工信局工作群 (wecom http://127.0.0.1:" in out
    assert "gxj → 推进办群 (dingtalk" in out
    assert "access_token=…6789): sent" in out
    assert "office0123456789" not in out
    # Each post is kept, and the run is audited.
    kept = deliveries()
    assert len(kept) == 9
    assert all(d.ok and d.attempts == 1 and d.purpose == "reminder" for d in kept)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reminders_posted"))
    assert event.detail == "as_of=2020-12-25; sent 9, failed 0"
    assert event.username == "cli"


def test_a_robot_that_fails_twice_then_takes_the_card(
    app_for_robots: Flask, runner: FlaskCliRunner
) -> None:
    with robot_server("feishu") as group:
        add_robot(
            RobotKind.FEISHU, group.url("/open-apis/bot/v2/hook/0f1e2d3c-4b5a-6978"), code="kjj"
        )
        group.script = [Answer(503, b"busy"), Answer(200, {"code": 9499, "msg": "Bad Request"})]
        result = remind(runner, "--channel", "robot")
    assert result.exit_code == 0, result.output
    assert len(group.posts) == 3
    card = group.posts[-1].json["card"]
    assert card["header"]["template"] == "red"  # kjj has an overdue milestone
    assert "A2-1 印发细化后的推进方案" in card["elements"][0]["content"]
    assert "kjj → kjj group (feishu" in result.output
    assert ": sent at attempt 3" in result.output
    (kept,) = deliveries()
    assert (kept.ok, kept.attempts) == (True, 3)


def test_a_robot_that_always_fails_fails_the_command_and_is_logged(
    app_for_robots: Flask, runner: FlaskCliRunner, caplog: pytest.LogCaptureFixture
) -> None:
    with robot_server("wecom") as broken, robot_server("wecom") as fine:
        broken.always = Answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        add_robot(RobotKind.WECOM, broken.url("/send?key=broken-key-0123456789"), code="gxj")
        add_robot(RobotKind.WECOM, fine.url(), code="kjj")
        with caplog.at_level(logging.WARNING, logger="tracker.robots"):
            result = remind(runner, "--channel", "robot")
    assert result.exit_code == 1
    assert len(broken.posts) == 3
    assert len(fine.posts) == 1  # one failing robot does not stop the others
    assert "gxj → gxj group (wecom http://127.0.0.1:" in result.output
    assert "NOT sent after 3 attempts: error 93000: invalid webhook url" in result.output
    assert "kjj → kjj group" in result.output
    assert "broken-key-0123456789" not in result.output
    failures = [r for r in caplog.records if r.name == "tracker.robots"]
    assert [r.levelname for r in failures] == ["WARNING", "WARNING", "ERROR"]
    assert all("broken-key-0123456789" not in r.getMessage() for r in failures)
    kept = {d.department.code: d for d in deliveries()}
    assert (kept["gxj"].ok, kept["gxj"].attempts) == (False, 3)
    assert kept["gxj"].detail == "error 93000: invalid webhook url"
    assert kept["kjj"].ok
    detail = db.session.scalar(
        sa.select(AuditEvent.detail).where(AuditEvent.action == "reminders_posted")
    )
    assert detail.startswith("as_of=2020-12-25; sent 1, failed 1; gxj → gxj group")
    assert "broken-key" not in detail


def test_switched_off_robots_and_departments_with_nothing_to_report_get_nothing(
    app_for_robots: Flask, runner: FlaskCliRunner
) -> None:
    with robot_server("wecom") as group:
        off = add_robot(RobotKind.WECOM, group.url(), code="gxj")
        off.active = False
        db.session.commit()
        add_robot(RobotKind.WECOM, group.url(), code="swj")
        # On the report date swj has nothing overdue, due soon or stale.
        result = runner.invoke(args=["remind", "--as-of", "2020-09-25", "--channel", "robot"])
    assert result.exit_code == 0, result.output
    assert group.posts == []
    assert "Group robots: none is set up for this plan or its departments" in result.output


def test_without_a_base_url_cards_carry_no_link(
    app_for_robots: Flask, runner: FlaskCliRunner
) -> None:
    app_for_robots.config["TRACKER_BASE_URL"] = ""
    with robot_server("wecom") as group:
        add_robot(RobotKind.WECOM, group.url(), code="gxj")
        result = remind(runner, "--channel", "robot", "--department", "gxj")
    assert result.exit_code == 0, result.output
    assert "TRACKER_BASE_URL is not set: the cards carry no link" in result.output
    assert "](" not in group.posts[0].json["markdown"]["content"]


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("TRACKER_WEBHOOK_ATTEMPTS", "lots", "TRACKER_WEBHOOK_ATTEMPTS is not a number"),
        ("TRACKER_WEBHOOK_TIMEOUT", "1000", "TRACKER_WEBHOOK_TIMEOUT must be from"),
        ("TRACKER_BASE_URL", "tracker.shinan.example", "TRACKER_BASE_URL is not an http(s)"),
    ],
)
def test_bad_settings_stop_the_command_before_anything_is_sent(
    app_for_robots: Flask, runner: FlaskCliRunner, setting: str, value: str, words: str
) -> None:
    app_for_robots.config[setting] = value
    with robot_server("wecom") as group:
        add_robot(RobotKind.WECOM, group.url(), code="gxj")
        result = remind(runner)
    assert result.exit_code == 1
    assert words in result.output
    assert group.posts == []


def test_an_unknown_channel_is_a_usage_error(app_for_robots: Flask, runner: FlaskCliRunner) -> None:
    result = remind(runner, "--channel", "fax")
    assert result.exit_code == 2
    assert "'fax' is not one of 'email', 'robot'" in result.output


# E-mail through a real SMTP server (aiosmtpd on a free local port)


def test_email_and_robots_together_through_real_servers(
    app_for_robots: Flask, runner: FlaskCliRunner
) -> None:
    department("gxj").email = "gxj@shinan.example"
    department("kjj").email = "kjj@shinan.example, duty@shinan.example"
    db.session.commit()
    with mail_server(user="tracker", password="mail-password-1") as mail, robot_server() as group:
        app_for_robots.config.update(
            TRACKER_SMTP_HOST="127.0.0.1",
            TRACKER_SMTP_PORT=mail.port,
            TRACKER_SMTP_USER="tracker",
            TRACKER_SMTP_PASSWORD="mail-password-1",
            TRACKER_SMTP_FROM="tracker@shinan.example",
        )
        add_robot(RobotKind.WECOM, group.url(), code="gxj")
        result = remind(runner)
    assert result.exit_code == 0, result.output
    assert mail.handler.logins == ["tracker"]
    by_recipients = {tuple(r.recipients): r for r in mail.handler.received}
    assert sorted(by_recipients) == [
        ("gxj@shinan.example",),
        ("kjj@shinan.example", "duty@shinan.example"),
    ]
    gxj = by_recipients[("gxj@shinan.example",)]
    assert gxj.sender == "tracker@shinan.example"
    assert str(gxj.message["Subject"]).startswith("【催办】区工业和信息化局")
    text = gxj.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "T1-3 年内开通5G基站970处" in text
    assert len(group.posts) == 1
    assert f"Mail through 127.0.0.1:{mail.port}:" in result.output
    assert "gxj: sent to gxj@shinan.example" in result.output
    assert "mail-password-1" not in result.output


def test_a_refused_mailbox_fails_the_command(app_for_robots: Flask, runner: FlaskCliRunner) -> None:
    department("gxj").email = "nobody@shinan.example"
    department("kjj").email = "kjj@shinan.example"
    db.session.commit()
    with mail_server() as mail:
        mail.handler.refuse = {"nobody@shinan.example"}
        app_for_robots.config.update(TRACKER_SMTP_HOST="127.0.0.1", TRACKER_SMTP_PORT=mail.port)
        result = remind(runner, "--channel", "email")
    assert result.exit_code == 1
    assert "gxj: NOT sent to nobody@shinan.example: recipients refused" in result.output
    assert "kjj: sent to kjj@shinan.example" in result.output
    assert [r.recipients for r in mail.handler.received] == [["kjj@shinan.example"]]
    assert "Group robots" not in result.output  # robots were not chosen


def test_no_smtp_server_listening_fails_the_command(
    app_for_robots: Flask, runner: FlaskCliRunner
) -> None:
    department("gxj").email = "gxj@shinan.example"
    db.session.commit()
    with mail_server() as mail:
        port = mail.port
    app_for_robots.config.update(TRACKER_SMTP_HOST="127.0.0.1", TRACKER_SMTP_PORT=port)
    result = remind(runner, "--channel", "email")
    assert result.exit_code == 1
    assert f"gxj: NOT sent to gxj@shinan.example: cannot reach 127.0.0.1:{port}" in result.output
