"""The demo history's story, written before anything is stored: seeded, bounded, sample-marked,
and in an order the product's commands accept (no review of a report that was replaced, no
postponement decided over a pending report)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import FIXTURES, parsed_plan
from tracker.cli import DEFAULT_PLAN
from tracker.domain.demo_story import (
    SAMPLE_MARK,
    Finish,
    IndicatorFacts,
    ItemFacts,
    Kind,
    MilestoneFacts,
    Move,
    PlanFacts,
    Scenario,
    plan_history,
)
from tracker.domain.planfile import PlanSpec
from tracker.domain.status import Status
from tracker.services.commands.demo_history import DEFAULT_SEED, SCENARIO, SHINAN

ZONE = ZoneInfo("Asia/Shanghai")
END = date(2022, 12, 31)


def facts(spec: PlanSpec) -> PlanFacts:
    """The plan as the story reads it, straight from its file (the service reads the tables)."""
    departments = {d.code: d.name.zh for d in spec.departments}
    items = [item for group in spec.groups for item in group.items]
    return PlanFacts(
        start=spec.report_date,
        end=spec.end,
        items=tuple(ItemFacts(i.code, i.title.zh, i.lead, departments[i.lead]) for i in items),
        milestones=tuple(
            MilestoneFacts(
                m.code, i.code, m.department, m.title.zh, m.due, Status(m.status), m.progress,
                m.completed_on,
            )
            for i in items
            for m in i.milestones
        ),
        indicators=tuple(
            IndicatorFacts(
                ind.code, ind.item, ind.name.zh, ind.unit.zh, ind.baseline_value,
                tuple((t.date, t.value) for t in ind.targets),
            )
            for ind in spec.indicators
        ),
    )  # fmt: skip


@cache
def shinan_story(seed: int = DEFAULT_SEED, until: date = END) -> list[Move]:
    return plan_history(facts(parsed_plan(DEFAULT_PLAN)), SHINAN, seed=seed, until=until, zone=ZONE)


def day(move: Move) -> date:
    return move.at.astimezone(ZONE).date()


# Receipts (签收) touch no milestone row: they wait for no review and run beside the lanes.
RECEIPT_KINDS = {Kind.SIGN, Kind.DECLINE, Kind.ASSIGN_AGAIN}


def lanes(moves: list[Move]) -> dict[str, list[Move]]:
    """Each milestone's moves, and each item's figure reports, reviews and focus flags."""
    found: dict[str, list[Move]] = {}
    for move in moves:
        if move.kind in {Kind.INSTRUCT, Kind.REPLY, Kind.HANDLED, Kind.CLOSE, *RECEIPT_KINDS}:
            continue
        key = move.milestone or f"@{move.item}"
        found.setdefault(key, []).append(move)
    return found


def test_one_seed_writes_one_story_and_another_seed_another() -> None:
    again = plan_history(
        facts(parsed_plan(DEFAULT_PLAN)), SHINAN, seed=DEFAULT_SEED, until=END, zone=ZONE
    )
    assert again == shinan_story()
    assert shinan_story(7) != shinan_story()
    # The scenario's outcomes hold whatever the seed: the same milestones end done.
    done = {m.milestone for m in shinan_story(7) if m.proposal and m.proposal.completed_on}
    assert done == {m.milestone for m in shinan_story() if m.proposal and m.proposal.completed_on}


def test_the_story_runs_from_the_report_date_to_the_last_day_in_time_order() -> None:
    moves = shinan_story()
    assert moves == sorted(moves)
    assert day(moves[0]) > date(2020, 9, 25)
    assert day(moves[-1]) <= END
    shorter = shinan_story(until=date(2021, 6, 30))
    assert max(day(m) for m in shorter) <= date(2021, 6, 30)
    assert len(shorter) < len(moves)


def test_every_text_says_it_is_sample_data() -> None:
    texts = [m.text for m in shinan_story() if m.text] + [
        m.proposal.note for m in shinan_story() if m.proposal
    ]
    assert texts
    assert all(text.startswith(SAMPLE_MARK) for text in texts)


def test_each_lane_waits_for_its_review_before_the_next_step() -> None:
    """A report is reviewed before the next one on the same milestone (or item) is sent, and
    a postponement is decided while no report waits: otherwise the command would refuse."""
    for key, moves in lanes(shinan_story()).items():
        waiting = None
        for move in moves:
            if move.kind in {Kind.SUBMIT, Kind.SUBMIT_FIGURE, Kind.ASK}:
                assert waiting is None, f"{key}: {move.kind} at {move.at} while {waiting} waits"
                waiting = move.kind
            elif move.kind in {Kind.RETURN, Kind.APPROVE, Kind.DECIDE}:
                assert waiting is not None, f"{key}: {move.kind} at {move.at} with nothing waiting"
                waiting = None
            else:
                # A focus flag, or the office's close-out (销号) after an approval.
                assert move.kind in {Kind.FOCUS, Kind.CLOSE_OUT, Kind.REOPEN}, key
                assert waiting is None, key
        assert waiting is None, f"{key}: {waiting} still waits at the end"


def test_milestones_end_as_the_scenario_says() -> None:
    moves = shinan_story()
    completed = {
        m.milestone: m.proposal.completed_on
        for m in moves
        if m.proposal is not None and m.proposal.completed_on is not None
    }
    never = {code for code, course in SCENARIO.items() if course.finish is Finish.NEVER}
    assert never == {"T3-5", "A3-2"}
    assert never.isdisjoint(completed)
    assert completed["T1-3"] == date(2020, 12, 28)  # 970 base stations, three days early
    assert completed["T3-1"] > date(2021, 3, 31)  # late
    assert completed["T2-3"] == date(2021, 9, 24)  # on the postponed date's side
    # The reports say at risk, then recover, for a milestone that finished on time.
    t1_4 = [m.proposal.status for m in moves if m.milestone == "T1-4" and m.proposal]
    assert Status.AT_RISK in t1_4
    assert t1_4[-1] is Status.DONE
    assert t1_4.index(Status.AT_RISK) < len(t1_4) - 2
    # Reports still say how far it got, never less than before.
    a3_2 = [m.proposal.progress for m in moves if m.milestone == "A3-2" and m.proposal]
    assert a3_2 == sorted(a3_2)
    assert max(a3_2) <= SCENARIO["A3-2"].stall


def test_postponements_instructions_and_figures_come_in() -> None:
    kinds = Counter(m.kind for m in shinan_story())
    decisions = [m for m in shinan_story() if m.kind is Kind.DECIDE]
    assert sorted(m.flag for m in decisions) == [False, True, True]
    assert kinds[Kind.INSTRUCT] == 4
    assert kinds[Kind.CLOSE] == 2
    assert kinds[Kind.FOCUS] == 4
    five_g = [
        m.value
        for m in shinan_story()
        if m.kind is Kind.SUBMIT_FIGURE and m.indicator == "5g-base-stations"
    ]
    assert five_g[0] > 618
    assert 970 in five_g
    assert five_g[-1] == 1300
    assert five_g == sorted(five_g)


def test_a_plan_the_scenario_does_not_name_gets_a_generic_story() -> None:
    small = facts(parsed_plan(FIXTURES / "small-plan.yaml"))
    moves = plan_history(small, SHINAN, seed=1, until=small.end, zone=ZONE)
    assert {m.milestone for m in moves if m.milestone} == {"X1-b", "X2-a", "Y1-a"}
    assert all(m.text.startswith(SAMPLE_MARK) for m in moves if m.text)
    assert plan_history(small, SHINAN, seed=1, until=small.end, zone=ZONE) == moves


@pytest.mark.parametrize("seed", range(12))
def test_generic_courses_keep_to_the_commands_rules(seed: int) -> None:
    """Any seed, with no scenario at all: stories the commands accept (the lanes never
    overlap, a done report never comes before its day, a postponement asks for a later day)."""
    moves = plan_history(
        facts(parsed_plan(DEFAULT_PLAN)), Scenario(), seed=seed, until=END, zone=ZONE
    )
    for key, lane in lanes(moves).items():
        waiting = None
        for move in lane:
            if move.kind in {Kind.SUBMIT, Kind.SUBMIT_FIGURE, Kind.ASK}:
                assert waiting is None, key
                waiting = move.kind
            elif move.kind in {Kind.RETURN, Kind.APPROVE, Kind.DECIDE}:
                waiting = None
            if move.proposal is not None and move.proposal.completed_on is not None:
                assert move.proposal.completed_on <= day(move), key
    assert any(m.kind is Kind.DECIDE for m in moves)
    assert any(m.kind is Kind.INSTRUCT for m in moves)


@pytest.mark.parametrize("shift", [-75, -30, 30, 75])
def test_a_revised_plan_file_still_gets_a_story_the_commands_accept(shift: int) -> None:
    """Another hand edits the plan file: with every open milestone's due date moved, the
    scenario's fixed days (requests, risks) still make a story the commands take."""
    shinan = facts(parsed_plan(DEFAULT_PLAN))
    moved = tuple(
        m
        if m.status is Status.DONE
        else replace(m, due=min(END, max(date(2020, 10, 31), m.due + timedelta(days=shift))))
        for m in shinan.milestones
    )
    moves = plan_history(replace(shinan, milestones=moved), SHINAN, seed=3, until=END, zone=ZONE)
    due = {m.code: m.due for m in moved}
    for key, lane in lanes(moves).items():
        waiting, done = None, False
        for move in lane:
            if move.kind is Kind.ASK:
                assert move.on is not None
                assert not done, f"{key}: asks to postpone a milestone done"
                assert move.on > max(due[key], day(move)), key
            if move.kind in {Kind.SUBMIT, Kind.SUBMIT_FIGURE, Kind.ASK}:
                assert waiting is None, key
                waiting = move.kind
            elif move.kind in {Kind.RETURN, Kind.APPROVE, Kind.DECIDE}:
                if move.kind is Kind.DECIDE and move.flag:
                    due[key] = next(m.on for m in lane if m.kind is Kind.ASK and m.on)
                waiting = None
            if move.proposal is not None and move.proposal.status is Status.DONE:
                done = True


def test_the_office_closes_out_what_was_done_and_reopens_one() -> None:
    """Close-out (销号): each approved done report is closed out two to five working days later
    (T3-4 is first sent back for evidence, reported done again, and closed out then); the last
    ones approved before the end still await close-out."""
    closed, reopened, awaiting = [], [], []
    for key, moves in lanes(shinan_story()).items():
        done_approved = False
        last_done: Move | None = None
        for move in moves:
            if move.kind is Kind.SUBMIT:
                done = move.proposal is not None and move.proposal.status is Status.DONE
                last_done = move if done else None
            elif move.kind is Kind.APPROVE and last_done is not None:
                done_approved, approved_on = True, day(move)
            elif move.kind in {Kind.CLOSE_OUT, Kind.REOPEN}:
                assert done_approved, f"{key}: {move.kind} with nothing awaiting close-out"
                assert 2 <= (day(move) - approved_on).days <= 9, key
                assert move.at.astimezone(ZONE).weekday() < 5, key
                (closed if move.kind is Kind.CLOSE_OUT else reopened).append(key)
                done_approved = False
        if done_approved:
            awaiting.append(key)
    assert reopened == ["T3-4"]
    assert "T3-4" in closed
    assert len(closed) == 36
    assert awaiting == ["A2-3", "P4-3"]
    reason = next(m.text for m in shinan_story() if m.kind is Kind.REOPEN)
    assert reason.startswith(SAMPLE_MARK)
    assert "佐证材料不足" in reason


def workdays_between(first: date, last: date) -> int:
    """Working days (Monday to Friday) after ``first`` up to and including ``last``."""
    return sum((first + timedelta(days=n)).weekday() < 5 for n in range(1, (last - first).days + 1))


def test_departments_sign_for_their_milestones_in_the_first_days() -> None:
    """Every milestone open on the report date is signed for once: most within 1–3 working
    days, a few late; one is declined, assigned again by the admin, and then signed.
    """
    spec = parsed_plan(DEFAULT_PLAN)
    start = spec.report_date
    open_codes = {
        m.code for g in spec.groups for i in g.items for m in i.milestones if m.status != "done"
    }
    moves = [m for m in shinan_story() if m.kind in RECEIPT_KINDS]
    signed = {m.milestone: m for m in moves if m.kind is Kind.SIGN}
    assert set(signed) == open_codes
    assert len(signed) == sum(m.kind is Kind.SIGN for m in moves)
    waited = [workdays_between(start, day(m)) for m in signed.values()]
    quick = sum(1 <= n <= 3 for n in waited)
    assert quick >= 0.8 * len(waited)
    assert quick < len(waited)  # a few sign late
    assert max(waited) <= 12
    [declined] = [m for m in moves if m.kind is Kind.DECLINE]
    [again] = [m for m in moves if m.kind is Kind.ASSIGN_AGAIN]
    assert declined.milestone == again.milestone
    assert declined.at < again.at < signed[declined.milestone].at
    assert declined.text.startswith(SAMPLE_MARK)
    assert all(m.text.startswith(SAMPLE_MARK) for m in signed.values())
