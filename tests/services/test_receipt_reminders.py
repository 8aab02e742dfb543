"""Reminders (催办) chase assignments still waiting for the department's receipt (签收):
"待签收 3 项，最早已交办 6 天" in the e-mail's subject and text, and a list on the robot card.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask

from tests.factories import create_user, department
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Milestone, Plan
from tracker.services.commands.receipts import current_receipt, sign
from tracker.services.commands.reminders import listing_lines, reminder_card, reminder_mail
from tracker.services.queries.reminders import reminders_for_department

AS_OF = date(2020, 10, 1)  # six days after the plan (and its assignments) was loaded


def plan() -> Plan:
    return db.session.scalar(sa.select(Plan).where(Plan.code == "shinan-2020"))


def gxj_open_codes() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Milestone.code)
            .where(
                Milestone.department_id == department("gxj").id,
                Milestone.reported_status != "done",
            )
            .order_by(Milestone.code)
        )
    )


def test_unsigned_assignments_are_reminded_with_their_age(seeded: Flask) -> None:
    entry = reminders_for_department(plan(), department("gxj").id, AS_OF)
    assert sorted(r.code for r in entry.unsigned) == gxj_open_codes()
    assert {r.days for r in entry.unsigned} == {6}
    assert entry.oldest_unsigned_days == 6
    on_the_day = reminders_for_department(plan(), department("gxj").id, date(2020, 9, 25))
    assert on_the_day.unsigned == ()


def test_a_signed_assignment_is_no_longer_reminded(seeded: Flask) -> None:
    lead = create_user("lead-gxj", "dept_lead", department=department("gxj"))
    t13 = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    receipt = current_receipt(t13.id)
    assert receipt is not None
    sign(Who(datetime(2020, 9, 28, 2, tzinfo=UTC), lead), receipt, responsible="张三")
    db.session.commit()
    entry = reminders_for_department(plan(), department("gxj").id, AS_OF)
    assert "T1-3" not in [r.code for r in entry.unsigned]
    assert len(entry.unsigned) == len(gxj_open_codes()) - 1


def test_the_mail_the_card_and_the_listing_say_it(seeded: Flask) -> None:
    entry = reminders_for_department(plan(), department("gxj").id, AS_OF)
    count = len(entry.unsigned)
    with seeded.test_request_context("/"):
        message = reminder_mail(entry, plan(), sender="t@x.example", to=["gxj@x.example"])
        card = reminder_card(entry, plan(), base_url="")
    subject = str(message["Subject"])
    assert f"待签收 {count} 项，最早已交办 6 天" in subject
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    text = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "T1-3 年内开通5G基站970处：已交办 6 天，尚未签收" in text
    assert card.sections[0].heading == f"待签收 {count} 项，最早已交办 6 天"
    assert "T1-3 年内开通5G基站970处：已交办 6 天，尚未签收" in card.sections[0].lines
    lines = listing_lines(entry)
    assert f"{count} awaiting receipt" in lines[0]
    assert "    T1-3 年内开通5G基站970处 — assigned 6 days ago, not yet signed for" in lines
