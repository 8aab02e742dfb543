"""The message registry words every problem of every command, each in its own words."""

from __future__ import annotations

from enum import StrEnum

import pytest
from flask import Flask
from flask_babel import force_locale

from tracker.domain.accounts import AccountProblem
from tracker.domain.assignment import AssignmentProblem
from tracker.domain.bulletins import BulletinProblem
from tracker.domain.directory import DirectoryProblem
from tracker.domain.filetypes import AttachmentProblem
from tracker.domain.instructions import InstructionProblem
from tracker.domain.passwords import PasswordProblem
from tracker.domain.plan_sheet import SheetProblem, SheetProblemKind
from tracker.domain.plan_states import PlanStateProblem
from tracker.domain.postponements import PostponementProblem
from tracker.domain.receipts import ReceiptProblem
from tracker.domain.refusal import Conflict, Refused
from tracker.domain.reporting import ReportProblem, ReviewProblem
from tracker.domain.screens import ScreenProblem
from tracker.domain.tokens import TokenProblem
from tracker.domain.webhooks import WebhookProblem
from tracker.messages import message, messages, sheet_problem

PROBLEMS: list[type[StrEnum]] = [
    AccountProblem,
    AssignmentProblem,
    AttachmentProblem,
    BulletinProblem,
    Conflict,
    InstructionProblem,
    PasswordProblem,
    PlanStateProblem,
    PostponementProblem,
    ReceiptProblem,
    ReportProblem,
    ReviewProblem,
    ScreenProblem,
    DirectoryProblem,
    TokenProblem,
    WebhookProblem,
]
# What callers add: file names, a milestone's dates, a plan's period.
FACTS = {
    "name": "a.pdf",
    "size": 10,
    "type": "PNG",
    "extension": ".png",
    "due": "2021-06-30",
    "date": "2024-12-31",
    "start": "2020-09-25",
    "end": "2022-12-31",
    "plan": "shinan-2020",
    "tomorrow": "2026-12-01",
    "month": "2019-06",
    "language": "fr",
    "by": "王五",
}


@pytest.mark.parametrize("problem", [p for kind in PROBLEMS for p in kind], ids=repr)
def test_every_problem_has_words_in_both_languages(app: Flask, problem: StrEnum) -> None:
    with app.test_request_context():
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                text = message(problem, FACTS)
            assert text
            assert "%(" not in text


def test_problems_that_share_a_value_keep_their_own_words(app: Flask) -> None:
    """StrEnum members with one value are equal: the registry must still tell them apart."""
    pairs = [
        (AssignmentProblem.STALE, PostponementProblem.STALE),
        (ReportProblem.NOTE_TOO_LONG, PostponementProblem.NOTE_TOO_LONG),
        (TokenProblem.LABEL_TOO_LONG, ScreenProblem.LABEL_TOO_LONG),
    ]
    with app.test_request_context(), force_locale("en"):
        for first, second in pairs:
            assert first == second
            assert message(first, FACTS) != message(second, FACTS)


def test_a_refusal_is_worded_with_its_own_facts(app: Flask) -> None:
    refusal = Refused([AttachmentProblem.EMPTY], name="")
    with app.test_request_context(), force_locale("en"):
        assert messages(refusal) == ["(no name): the file is empty, or no file was chosen."]


SHEET_FACTS = {
    "size": 2,
    "max": 5000,
    "value": "明年",
    "date": "2023-12-31",
    "start": "2021-01-01",
    "end": "2022-12-31",
    "name": "区大数据局",
    "codes": "a, b",
    "code": "A1",
    "first": 3,
    "first_value": "区科技局",
    "choices": "是、否",
    "length": 400,
    "progress": 90,
    "detail": "plan.code: missing required field",
}


@pytest.mark.parametrize("problem", list(SheetProblemKind), ids=repr)
def test_every_spreadsheet_problem_has_words_in_both_languages(
    app: Flask, problem: SheetProblemKind
) -> None:
    with app.test_request_context():
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                text = sheet_problem(
                    SheetProblem(problem, "任务分解表", 7, "完成时限", SHEET_FACTS)
                )
            assert text.startswith("任务分解表 · ")
            assert "%(" not in text
    with app.test_request_context(), force_locale("zh_CN"):
        where = sheet_problem(SheetProblem(problem, "任务分解表", 7, "完成时限", SHEET_FACTS))
        assert where.startswith("任务分解表 · 第7行 · 完成时限: ")
