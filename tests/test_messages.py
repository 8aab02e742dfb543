"""The message registry words every problem of every command, each in its own words."""

from __future__ import annotations

from enum import StrEnum

import pytest
from flask import Flask
from flask_babel import force_locale

from tracker.domain.accounts import AccountProblem
from tracker.domain.assignment import AssignmentProblem
from tracker.domain.filetypes import AttachmentProblem
from tracker.domain.instructions import InstructionProblem
from tracker.domain.passwords import PasswordProblem
from tracker.domain.plan_states import PlanStateProblem
from tracker.domain.postponements import PostponementProblem
from tracker.domain.refusal import Conflict, Refused
from tracker.domain.reporting import ReportProblem, ReviewProblem
from tracker.domain.screens import ScreenProblem
from tracker.domain.tokens import TokenProblem
from tracker.messages import message, messages

PROBLEMS: list[type[StrEnum]] = [
    AccountProblem,
    AssignmentProblem,
    AttachmentProblem,
    Conflict,
    InstructionProblem,
    PasswordProblem,
    PlanStateProblem,
    PostponementProblem,
    ReportProblem,
    ReviewProblem,
    ScreenProblem,
    TokenProblem,
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
