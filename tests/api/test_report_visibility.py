"""One visibility rule for a report's text: until it is approved only its department, the
coordinating office and leadership read it: on the item's timeline, in the API's history,
and (already) in its evidence files.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.api.conftest import Api, milestone
from tests.factories import signed_in
from tracker.domain.refusal import Who
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Report, User
from tracker.services.commands.reports import return_report, submit_milestone_report

NOW = datetime(2020, 10, 1, 9, tzinfo=UTC)
NOTE = "内部草稿：资金缺口约三百万元"
REASON = "退回理由：请补充合同佐证"


def _user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


@pytest.fixture
def returned(api: Api) -> Report:
    """A report of gxj on T1-3, returned by the coordinating office with a reason."""
    t13 = milestone("T1-3")
    report = submit_milestone_report(
        Who(NOW, _user("lead-gxj")),
        t13,
        MilestoneReport(Status.AT_RISK, 20, None, NOTE),
        version=t13.version,
        today=NOW.date(),
    )
    return_report(Who(NOW, _user("lead-kjj")), report, REASON, today=NOW.date())
    db.session.commit()
    return report


@pytest.mark.parametrize(("who", "reads"), [("viewer", False), ("lead-swj", False),
                                              ("lead-gxj", True), ("leader", True),
                                              ("lead-kjj", True)])  # fmt: skip
def test_the_item_page_shows_a_returned_reports_text_only_to_those_who_may_read_it(
    app: Flask, returned: Report, who: str, reads: bool
) -> None:
    html = signed_in(app, who, lang="en").get("/plans/shinan-2020/items/T1").get_data(as_text=True)
    assert (NOTE in html) is reads
    assert (REASON in html) is reads
    assert ('data-testid="withheld"' in html) is not reads


@pytest.mark.parametrize(("who", "reads"), [("viewer", False), ("swj", False), ("gxj", True),
                                              ("leader", True)])  # fmt: skip
def test_the_api_history_withholds_the_same_text(
    api: Api, returned: Report, who: str, reads: bool
) -> None:
    rows = api.get("/api/v1/updates?limit=200", who).get_json()["updates"]
    mine = [r for r in rows if r["report"] == returned.id]
    assert mine
    texts = " ".join(str(r["note"]) + str(r["new_value"]) for r in mine)
    assert (NOTE in texts) is reads
    assert (REASON in texts) is reads
    progress = [r for r in mine if r["field"] == "progress"]
    assert (progress[0]["new_value"] == "20") is reads
