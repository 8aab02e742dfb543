"""The ledger (台账) shows each milestone's receipt (签收) and the day it was signed."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import sqlalchemy as sa
from flask import Flask

from tests.factories import create_user, department
from tests.querycount import count_queries
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.loaders import find_plan
from tracker.models import Milestone
from tracker.services.commands.receipts import current_receipt, decline, sign
from tracker.services.exports.ledger import build_ledger
from tracker.services.queries.progress import load_progress

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2020, 10, 10)


def ledger_rows() -> dict[str, tuple[object, ...]]:
    plan = find_plan()
    assert plan is not None
    progress = load_progress(plan, TODAY, 10.0, today=TODAY)
    data = build_ledger(
        plan, progress, TODAY, generated_at=datetime(2020, 10, 10, 2, tzinfo=UTC), zone=ZONE
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    rows = {}
    for ws in workbook.worksheets:
        header = [c.value for c in ws[1]]
        if "签收\nReceipt" not in header:
            continue
        state, day = header.index("签收\nReceipt"), header.index("签收日期\nSigned on")
        for row in ws.iter_rows(min_row=2, values_only=True):
            rows[str(row[0])] = (row[state], row[day])
    return rows


def test_the_ledger_shows_receipts_and_signing_days(seeded: Flask) -> None:
    lead = create_user("lead-gxj", "dept_lead", department=department("gxj"))
    code_of = {m.code: m for m in db.session.scalars(sa.select(Milestone))}
    # 2020-09-28 20:30 in Qingdao is still the 28th there (12:30 UTC).
    signed = current_receipt(code_of["T1-3"].id)
    declined = current_receipt(code_of["T1-4"].id)
    assert signed is not None
    assert declined is not None
    sign(Who(datetime(2020, 9, 28, 12, 30, tzinfo=UTC), lead), signed, responsible="张三")
    decline(Who(datetime(2020, 9, 28, 12, 30, tzinfo=UTC), lead), declined, reason="不属于本部门")
    db.session.commit()
    rows = ledger_rows()
    assert rows["T1-3"][0] == "已签收"
    assert rows["T1-3"][1] == datetime(2020, 9, 28)
    assert rows["T1-4"] == ("已拒收", None)
    assert rows["T1-5"] == ("待签收", None)
    assert rows["A1-1"] == (None, None)  # done when loaded: no receipt
    assert rows["T1"] == (None, None)  # an item row


def test_receipts_cost_one_statement(seeded: Flask) -> None:
    with count_queries() as statements:
        ledger_rows()
    assert sum("FROM receipt" in s for s in statements) == 1
