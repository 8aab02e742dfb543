"""`flask --app tracker remind`: Mr. Li's reminder run on the 25th (story 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import load_plan
from tests.factories import create_user, csrf_token, department, login
from tests.services.test_reminders import FakeSMTP, body, install_fake_smtp
from tracker.extensions import db
from tracker.models import AuditEvent


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    return install_fake_smtp(monkeypatch)


def remind(runner: FlaskCliRunner, *args: str) -> object:
    return runner.invoke(args=["remind", *args])


def section(output: str, code: str) -> str:
    """The lines printed for one department, up to the next blank line."""
    match = re.search(rf"^{code} .*?(?=\n\n|\Z)", output, re.M | re.S)
    assert match, output
    return match.group(0)


def set_emails(**by_code: str) -> None:
    for code, address in by_code.items():
        department(code).email = address
    db.session.commit()


def configure_smtp(app: Flask) -> None:
    app.config.update(
        TRACKER_SMTP_HOST="mail.shinan.example",
        TRACKER_SMTP_FROM="tracker@shinan.example",
    )


def test_listing_on_the_25th_of_december(
    seeded: Flask, runner: FlaskCliRunner, fake_smtp: type[FakeSMTP]
) -> None:
    result = remind(runner, "--as-of", "2020-12-25")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Reminders for shinan-2020 as of 2020-12-25")
    kjj = section(out, "kjj")
    assert kjj.startswith("kjj 区科技局: 1 overdue, 2 due soon, 9 stale")
    assert (
        "A2-1 印发细化后的推进方案（任务书、路线图、时间表） — due 2020-11-30, 25 days overdue"
        in kjj
    )
    assert "A3-1 出台支持工业互联网高质量发展政策措施 — due 2020-12-31, in 6 days" in kjj
    gxj = section(out, "gxj")
    assert gxj.startswith("gxj 区工业和信息化局: 0 overdue, 2 due soon, 8 stale")
    assert "T1-3 年内开通5G基站970处 — due 2020-12-31, in 6 days" in gxj
    assert "T1-3 年内开通5G基站970处 — no update for 91 days (last on 2020-09-25)" in gxj
    assert "T1-1" not in out  # done
    assert "P1-2" in section(out, "zjj")
    # Eight departments own milestones; every one is listed, in code order.
    assert re.findall(r"^(\w+) 区", out, re.M) == [
        "czj", "fgj", "gxj", "kjj", "rsj", "swj", "wlj", "zjj",
    ]  # fmt: skip
    # No SMTP server configured: nothing is sent, and the command says so.
    assert "Mail is off (TRACKER_SMTP_HOST is not set): nothing was sent." in out
    assert fake_smtp.instances == []
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reminders_sent"))
    assert (event.address, event.username, event.target_label) == ("cli", "cli", "shinan-2020")


def test_one_department_only(seeded: Flask, runner: FlaskCliRunner) -> None:
    result = remind(runner, "--as-of", "2020-12-25", "--department", "gxj")
    assert result.exit_code == 0, result.output
    assert "gxj 区工业和信息化局" in result.output
    assert "kjj" not in result.output
    assert "A2-1" not in result.output


def test_nothing_to_report_on_the_report_date(seeded: Flask, runner: FlaskCliRunner) -> None:
    result = remind(runner, "--as-of", "2020-09-25", "--department", "swj")
    assert result.exit_code == 0
    assert "swj 区商务局: nothing overdue, due soon or stale" in result.output
    assert "swj: nothing to send" in result.output


@pytest.mark.parametrize(
    "bad", ["2020-13-01", "2020-02-30", "25.12.2020", "20201225", "99999-01-01", "tomorrow", ""]
)
def test_a_bad_date_is_a_usage_error(seeded: Flask, runner: FlaskCliRunner, bad: str) -> None:
    result = remind(runner, "--as-of", bad)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_an_unknown_department_is_a_usage_error(seeded: Flask, runner: FlaskCliRunner) -> None:
    result = remind(runner, "--department", "nope")
    assert result.exit_code == 2
    assert "no department 'nope'" in result.output


def test_without_a_plan_it_says_what_to_do(app: Flask, runner: FlaskCliRunner) -> None:
    result = remind(runner)
    assert result.exit_code == 1
    assert "No plan is loaded" in result.output


def test_default_day_is_today(seeded: Flask, runner: FlaskCliRunner) -> None:
    result = remind(runner)
    assert result.exit_code == 0, result.output
    assert re.match(r"Reminders for shinan-2020 as of \d{4}-\d{2}-\d{2}:", result.output)


def test_mails_each_department_its_own_list(
    seeded: Flask, runner: FlaskCliRunner, fake_smtp: type[FakeSMTP]
) -> None:
    configure_smtp(seeded)
    set_emails(gxj="gxj@shinan.example", kjj="kjj@shinan.example")
    result = remind(runner, "--as-of", "2020-12-25")
    assert result.exit_code == 0, result.output
    sent = {str(m["To"]): m for m in fake_smtp.all_sent()}
    assert sorted(sent) == ["gxj@shinan.example", "kjj@shinan.example"]
    gxj_text = body(sent["gxj@shinan.example"])
    assert "区工业和信息化局" in str(sent["gxj@shinan.example"]["Subject"])
    assert "T1-3 年内开通5G基站970处" in gxj_text
    assert "A2-1" not in gxj_text
    kjj_text = body(sent["kjj@shinan.example"])
    assert "A2-1 印发细化后的推进方案" in kjj_text
    assert "2020-11-30" in kjj_text
    out = result.output
    assert "Mail through mail.shinan.example:25:" in out
    assert "gxj: sent to gxj@shinan.example" in out
    assert "kjj: sent to kjj@shinan.example" in out
    assert "swj: skipped, the department has no e-mail address" in out
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reminders_sent"))
    assert "sent: gxj, kjj" in event.detail


def test_no_smtp_host_sends_nothing_even_with_addresses(
    seeded: Flask, runner: FlaskCliRunner, fake_smtp: type[FakeSMTP]
) -> None:
    set_emails(gxj="gxj@shinan.example")
    result = remind(runner, "--as-of", "2020-12-25")
    assert result.exit_code == 0
    assert fake_smtp.instances == []
    assert "gxj: not sent, mail is off (would go to gxj@shinan.example)" in result.output


def test_unreachable_server_fails_the_command(
    seeded: Flask, runner: FlaskCliRunner, fake_smtp: type[FakeSMTP]
) -> None:
    configure_smtp(seeded)
    set_emails(gxj="gxj@shinan.example")
    fake_smtp.unreachable = True
    result = remind(runner, "--as-of", "2020-12-25")
    assert result.exit_code == 1
    assert "gxj: NOT sent to gxj@shinan.example: cannot reach mail.shinan.example:25" in (
        result.output
    )
    # The run is still on record.
    detail = db.session.scalar(
        sa.select(AuditEvent.detail).where(AuditEvent.action == "reminders_sent")
    )
    assert "failed: gxj;" in detail


def test_bad_smtp_port_is_refused_before_anything_is_done(
    seeded: Flask, runner: FlaskCliRunner
) -> None:
    seeded.config.update(TRACKER_SMTP_HOST="mail", TRACKER_SMTP_PORT="smtp")
    result = remind(runner, "--as-of", "2020-12-25")
    assert result.exit_code == 1
    assert "TRACKER_SMTP_PORT" in result.output


# The admin sets where a department's reminders go.


@pytest.fixture
def admin_client(seeded: Flask) -> object:
    create_user("boss", "admin")
    client = seeded.test_client()
    login(client, "boss")
    client.get("/admin/departments?lang=en")
    return client


def edit_department(client: object, code: str, **changes: str) -> object:
    gxj = department(code)
    path = f"/admin/departments/{gxj.id}"
    data = {
        "name_zh": gxj.name_zh,
        "name_en": gxj.name_en,
        "active": "y",
        "csrf_token": csrf_token(client, path),  # type: ignore[arg-type]
        **changes,
    }
    return client.post(path, data=data)  # type: ignore[attr-defined]


def test_admin_sets_the_mailbox_and_remind_uses_it(
    seeded: Flask, admin_client: object, runner: FlaskCliRunner, fake_smtp: type[FakeSMTP]
) -> None:
    response = edit_department(admin_client, "gxj", email="wang.office@shinan.example")
    assert response.status_code == 302
    db.session.expire_all()
    assert department("gxj").email == "wang.office@shinan.example"
    listing = admin_client.get("/admin/departments").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "wang.office@shinan.example" in listing
    form = admin_client.get(f"/admin/departments/{department('gxj').id}").get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'value="wang.office@shinan.example"' in form

    configure_smtp(seeded)
    assert remind(runner, "--as-of", "2020-12-25", "--department", "gxj").exit_code == 0
    assert [str(m["To"]) for m in fake_smtp.all_sent()] == ["wang.office@shinan.example"]
    details = db.session.scalars(
        sa.select(AuditEvent.detail).where(AuditEvent.action == "department_updated")
    ).all()
    assert details == ["e-mail -→wang.office@shinan.example"]


@pytest.mark.parametrize(
    "email", ["not-an-address", "wang@", "a@b.example, nonsense", "x" * 190 + "@shinan.example"]
)
def test_a_bad_mailbox_is_refused_and_nothing_changes(
    seeded: Flask, admin_client: object, email: str
) -> None:
    response = edit_department(admin_client, "gxj", email=email, name_zh="改名局")
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "is-invalid" in html
    db.session.expire_all()
    assert department("gxj").email == ""
    assert department("gxj").name_zh == "区工业和信息化局"


def test_new_department_with_a_mailbox(seeded: Flask, admin_client: object) -> None:
    path = "/admin/departments/new"
    response = admin_client.post(  # type: ignore[attr-defined]
        path,
        data={
            "code": "dsj",
            "name_zh": "区大数据局",
            "name_en": "Big Data Bureau",
            "email": "dsj@shinan.example; duty@shinan.example",
            "csrf_token": csrf_token(admin_client, path),  # type: ignore[arg-type]
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert department("dsj").email == "dsj@shinan.example,duty@shinan.example"


def test_clearing_the_mailbox(seeded: Flask, admin_client: object) -> None:
    set_emails(gxj="old@shinan.example")
    response = edit_department(admin_client, "gxj", email="")
    assert response.status_code == 302
    db.session.expire_all()
    assert department("gxj").email == ""


def test_reminders_of_another_plan(seeded: Flask, runner: FlaskCliRunner) -> None:
    load_plan(Path(__file__).resolve().parent / "fixtures" / "second-plan.yaml")
    result = remind(
        runner, "--as-of", "2022-07-15", "--plan", "digital-2021", "--department", "gxj"
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Reminders for digital-2021 as of 2022-07-15")
    assert "T1-2" in result.output
    assert "T1-3" not in result.output  # Shinan's
    unknown = remind(runner, "--plan", "nowhere")
    assert unknown.exit_code == 1
    assert "No plan 'nowhere'" in unknown.output
