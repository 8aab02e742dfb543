"""A plan's sample history as a story: who reports, reviews, asks, decides and instructs,
on which day, in which words, written before anything is stored.

:func:`plan_history` turns the plan (as plain :class:`PlanFacts`) and a :class:`Scenario` (how
named milestones run, which items the leader instructs or flags, which figures come in) into
:class:`Move` values in time order; :mod:`tracker.services.commands.demo_history` plays them
through the product's commands. Pure: no Flask, no database, no wall clock. A milestone, item
or indicator the scenario does not name gets a generic course drawn from the seed, and each
draws from its own ``random.Random`` seeded with the seed and its code, so one seed writes one
story and a change to one milestone leaves the others' stories alone.

Every text it writes starts with :data:`SAMPLE_MARK` and every figure carries the source
:data:`SAMPLE_SOURCE`: the history is sample data, never mistaken for what a department or the
plan's source report said.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tracker.domain.status import Status

# Every text the history writes starts with this, wherever it is shown (report notes, review
# reasons, instructions, replies, postponement reasons and decisions, figures' notes).
SAMPLE_MARK = "【示例】"
# The source of every indicator figure the history reports: the charts label it sample data.
SAMPLE_SOURCE = "sample"


# ------------------------------------------------------------------------------------------
# How a story is told: the scenario's parts


class Finish(StrEnum):
    """How a milestone's course ends."""

    ON_TIME = "on_time"  # done by its due date (the postponed one, if a postponement was approved)
    LATE = "late"  # done after its due date
    NEVER = "never"  # still open when the history ends


@dataclass(frozen=True)
class Postpone:
    """A request to postpone, asked on ``asked`` for ``to``, approved or rejected."""

    asked: date
    to: date
    approved: bool
    reason: str
    decision: str


@dataclass(frozen=True)
class Course:
    """How one milestone's story runs.

    ``done`` counts days from the due date in force at the end (after an approved
    postponement) to the completion: negative is early. Between the days of ``risk`` the
    department reports it at risk (at the end, with ``why``); past its due date, delayed.
    ``returns`` is how often the office sends the final report back for its evidence, and
    ``evidence`` attaches a file to it anyway. A milestone that never finishes stops rising
    at ``stall`` percent. ``figure`` names an indicator whose latest figure the notes quote.
    ``reopen`` has the office send it back at close-out (销号) for missing evidence once.
    """

    finish: Finish = Finish.ON_TIME
    done: int = -7
    risk: tuple[date, date] | None = None
    why: str = ""
    postpone: Postpone | None = None
    returns: int = 0
    evidence: bool = False
    stall: int = 80
    figure: str | None = None
    reopen: bool = False


@dataclass(frozen=True)
class Reply:
    """A reply to an instruction, by the item's lead department or by the leader."""

    on: date
    text: str
    by: str = "department"  # or "leader"


@dataclass(frozen=True)
class Instruct:
    """A leader's instruction (批示) on an item, and what became of it."""

    item: str
    on: date
    text: str
    due: date | None = None
    replies: tuple[Reply, ...] = ()
    handled: Reply | None = None  # the department marks it handled, with these words
    closed: date | None = None  # the leader closes it


@dataclass(frozen=True)
class Scenario:
    """What a plan's story says in particular, keyed by the plan's codes: each milestone's
    course, the leader's focus flags (item, day, flagged) and instructions, and the figures
    each indicator reports (measured on, value). Whatever it does not name runs generically.
    """

    courses: Mapping[str, Course] = field(default_factory=dict)
    focus: Sequence[tuple[str, date, bool]] = ()
    instructions: Sequence[Instruct] = ()
    figures: Mapping[str, Sequence[tuple[date, float]]] = field(default_factory=dict)


# The words of reports, reviews and generic instructions ({progress} and the like filled in).
NOT_STARTED_NOTE = "尚未启动：按计划于{month}启动，前期准备工作已开展。"
START_NOTES = (
    "已启动：成立工作专班，明确责任人和时间节点。",
    "已启动：制定推进方案，完成前期调研。",
)
ON_TRACK_NOTES = (
    "按计划推进，本月完成阶段性工作，累计进度{progress}%。",
    "召开专题推进会，协调解决场地、资金等事项，工作按时间表推进，进度{progress}%。",
    "已与相关企业和单位完成对接，下步进入实施阶段，进度{progress}%。",
    "会同配合单位开展月度调度，未发现影响按期完成的问题，进度{progress}%。",
    "完成方案修改完善并征求相关部门意见，进度{progress}%。",
)
RISK_REASONS = (
    "受疫情影响，部分对接活动推迟",
    "合作方内部审批流程较长，协议签署时间推后",
    "项目选址尚未最终确定",
    "配套资金尚未到位",
)
AT_RISK_NOTE = "存在不能按期完成的风险：{why}。已制定追赶计划，当前进度{progress}%。"
DELAYED_NOTE = "未能按原定{due}完成：{why}。正在加快推进，当前进度{progress}%。"
RECOVERED_NOTE = "前期风险已化解，已追回进度，恢复按期推进，进度{progress}%。"
DONE_NOTE = "已完成（完成日期{completed_on}）。{closing}"
DONE_CLOSINGS = (
    "相关文件和会议纪要已归档。",
    "成果已通过牵头部门验收。",
    "已按计划完成，后续转入常态化推进。",
)
FIGURE_NOTE = "截至{on}，{name}{value}{unit}。"
RETURN_FOR_EVIDENCE = "请补充佐证材料（签约文本、会议纪要或现场照片）后重新报送。"
RETURN_REASONS = (
    "情况说明过于简略，请写明本月完成的具体事项和下步安排。",
    "本月进度较上月提高较多，请说明完成的具体工作及依据。",
)
RETURN_FOR_SOURCE = "请注明数据来源和统计口径后重新报送。"
RESUBMIT_EVIDENCE = "已按审核意见补充佐证材料。"
REOPEN_FOR_EVIDENCE = "佐证材料不足：请补充验收报告或现场照片后重新报送完成情况。"
RESUBMIT_AFTER_REOPEN = "已按销号审核意见补充验收报告。"
RESUBMIT_DETAIL = "补充说明：本月完成事项、配合单位和下月安排已列明。"
RESUBMIT_SOURCE = "数据来源：牵头部门会同相关单位汇总统计。"
GENERIC_INSTRUCTION = "请{department}高度重视“{item}”推进中的问题，倒排工期，每半月报告一次进展。"
GENERIC_REPLY = "已召开专题会研究，明确责任人和完成时限，将按要求报告进展。"
GENERIC_HANDLED = "已按批示要求落实，相关情况已在月度报送中说明。"
GENERIC_POSTPONE_REASON = "{why}，申请延期至{to}。"
GENERIC_APPROVAL = "同意延期，原计划日期作为基线保留，请按新节点完成。"
GENERIC_REJECTION = "延期理由不充分，请加快推进，按原计划节点完成。"
# Receipts (签收): who the lead names as responsible, a first plan of work, a decline's reason.
RESPONSIBLE_NAMES = ("王科长", "李主任", "张副局长", "刘科长", "陈主任", "赵科长")
RECEIPT_WORK_PLAN = "已明确责任科室，按节点倒排工期，每月报送进展。"
DECLINE_REASON = "经研究，该事项不属于本部门职责范围，请重新明确承办单位。"
# Most departments sign within 1–3 working days; this share signs late, 5–10 working days on.
LATE_RECEIPT_SHARE = 0.2

# No month's report within this many days before the milestone is reported done.
DONE_SOON = 10
# How often, in a generic course, a month's report is sent back, and a figure's.
RETURN_SHARE = 0.05
FIGURE_RETURN_SHARE = 0.1


# ------------------------------------------------------------------------------------------
# What the story is written from: the plan as plain values


@dataclass(frozen=True)
class MilestoneFacts:
    code: str
    item: str
    department: str
    title: str
    due: date
    status: Status
    progress: int
    completed_on: date | None


@dataclass(frozen=True)
class ItemFacts:
    code: str
    title: str
    lead: str
    lead_name: str


@dataclass(frozen=True)
class IndicatorFacts:
    code: str
    item: str | None
    name: str
    unit: str
    baseline: float
    targets: tuple[tuple[date, float], ...]


@dataclass(frozen=True)
class PlanFacts:
    """The plan as the story needs it, in plan order; ``start`` is the plan's report date."""

    start: date
    end: date
    items: tuple[ItemFacts, ...]
    milestones: tuple[MilestoneFacts, ...]
    indicators: tuple[IndicatorFacts, ...]


# ------------------------------------------------------------------------------------------
# The story as moves: who does what when, in words and figures, before anything is written


class Kind(StrEnum):
    SUBMIT = "submit"  # a milestone report (the milestone's department)
    SUBMIT_FIGURE = "submit_figure"  # an item report with an indicator figure (lead department)
    RETURN = "return"  # the coordinating office returns a report, with a reason
    APPROVE = "approve"  # the coordinating office approves it
    ASK = "ask"  # the department asks to postpone a milestone
    DECIDE = "decide"  # the admin approves or rejects the request
    INSTRUCT = "instruct"  # the leader writes an instruction
    REPLY = "reply"  # the department (or the leader) replies
    HANDLED = "handled"  # the department marks the instruction handled
    CLOSE = "close"  # the leader closes it
    FOCUS = "focus"  # the leader flags an item for focus, or clears the flag
    CLOSE_OUT = "close_out"  # the coordinating office closes out a milestone done (销号)
    REOPEN = "reopen"  # or sends it back at close-out, with the reason (退回重办)
    SIGN = "sign"  # the department's lead signs for an assigned milestone (签收)
    DECLINE = "decline"  # the lead declines it: not the department's to do
    ASSIGN_AGAIN = "assign_again"  # the admin assigns a declined milestone again (重新交办)


@dataclass(frozen=True)
class Proposal:
    """What a milestone report says."""

    status: Status
    progress: int
    completed_on: date | None
    note: str


@dataclass(frozen=True, order=True)
class Move:
    """One step of the story. ``milestone`` or ``item`` says what it is about (a figure's
    report, its review and a focus flag are about an item); ``key`` numbers instructions."""

    at: datetime
    seq: int
    kind: Kind = field(compare=False)
    milestone: str = field(default="", compare=False)
    item: str = field(default="", compare=False)
    indicator: str = field(default="", compare=False)
    proposal: Proposal | None = field(default=None, compare=False)
    text: str = field(default="", compare=False)
    value: float | None = field(default=None, compare=False)
    on: date | None = field(default=None, compare=False)
    flag: bool = field(default=False, compare=False)
    key: int = field(default=0, compare=False)
    by: str = field(default="", compare=False)
    work_plan: str = field(default="", compare=False)  # a receipt's first plan of work


def marked(text: str) -> str:
    """Sample text, said to be so wherever it is shown."""
    return SAMPLE_MARK + text


def _workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class _Story:
    """The moves written so far, the calendar they are written on, and the lanes.

    A lane holds the steps that must not overlap: one milestone's reports, reviews and
    postponement requests (a review fails if the milestone changed since the report), or
    one item's figure reports and focus flags (a flag changes the item). An episode starts
    once its lane is free; one that would start after ``until`` never happens, and a step
    after ``until`` of an episode already begun is brought forward to that day's evening.
    """

    def __init__(self, zone: ZoneInfo, start: date, until: date) -> None:
        self.zone = zone
        self.start = start
        self.until = until
        self.moves: list[Move] = []
        self.free: dict[str, datetime] = {}
        self.evening = datetime.combine(until, time(18, 0), zone).astimezone(UTC)

    def at(self, day: date, rng: random.Random) -> datetime:
        """A moment of office hours on ``day`` (or the next workday)."""
        local = datetime.combine(_workday(day), time(8, 50), self.zone)
        return (local + timedelta(minutes=rng.randrange(500))).astimezone(UTC)

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def after(self, moment: datetime, rng: random.Random, low: int, high: int) -> datetime:
        """Office hours ``low`` to ``high`` days after ``moment`` (later than it in any case)."""
        later = self.at(self.day(moment) + timedelta(days=rng.randint(low, high)), rng)
        return later if later > moment else moment + timedelta(minutes=20)

    def begin(self, lane: str, wanted: datetime, rng: random.Random) -> datetime:
        """When an episode in ``lane`` may begin: as wanted, or once the lane is free."""
        free = self.free.get(lane)
        if free is None or wanted > free:
            return wanted
        return self.after(free, rng, 1, 2)

    def open(self, moment: datetime) -> bool:
        """Whether an episode beginning at ``moment`` happens at all."""
        return self.day(moment) <= self.until

    def write(self, lane: str | None, steps: list[Move]) -> None:
        """Add an episode's moves, each bounded by the last day, and occupy the lane."""
        previous: datetime | None = None
        for step in steps:
            at = step.at
            if step.kind is Kind.CLOSE_OUT and self.day(at) > self.until:
                break  # still awaiting close-out (待销号) on the last day
            if self.day(at) > self.until:
                at = max(self.evening, previous + timedelta(minutes=10) if previous else at)
            if previous is not None and at <= previous:
                at = previous + timedelta(minutes=10)
            previous = at
            self.moves.append(replace(step, at=at, seq=len(self.moves)))
        if lane is not None and previous is not None:
            self.free[lane] = previous


def _rng(seed: int, *parts: str) -> random.Random:
    """A generator of its own for one part of the story, so each part is the same whatever
    else the plan holds."""
    return random.Random("/".join([str(seed), *parts]))  # noqa: S311  (sample data, not secrets)


def _round5(value: float) -> int:
    return round(value / 5.0) * 5


def _months(first: date, last: date) -> Iterable[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class _MilestoneCourse:
    """Writes one milestone's episodes: monthly reports, a postponement request, the end."""

    def __init__(
        self,
        story: _Story,
        facts: MilestoneFacts,
        course: Course,
        rng: random.Random,
        *,
        late_share: float,
        figures: Figures,
    ) -> None:
        self.story, self.facts, self.course, self.rng = story, facts, course, rng
        self.late_share = late_share
        self.figures = figures
        self.lane = f"milestone:{facts.code}"
        self.due = facts.due
        final_due = (
            course.postpone.to if course.postpone and course.postpone.approved else facts.due
        )
        self.done_day = (
            None if course.finish is Finish.NEVER else final_due + timedelta(days=course.done)
        )
        if self.done_day is not None and self.done_day <= story.start:
            self.done_day = story.start + timedelta(days=rng.randint(3, 15))
        started = facts.status is not Status.NOT_STARTED or facts.progress > 0
        lead = rng.randint(240, 420)
        self.first = story.start if started else max(story.start, facts.due - timedelta(lead))
        self.progress = facts.progress
        self.status = facts.status

    def write(self) -> None:
        """Every episode of the milestone, in the order its days come."""
        events: list[tuple[date, int, Callable[[date], None]]] = []
        last = min(self.done_day or self.story.until, self.story.until)
        for year, month in _months(self.story.start, last):
            day = self._report_day(year, month)
            if self.story.start < day <= self.story.until and (
                self.done_day is None or day < self.done_day - timedelta(days=DONE_SOON)
            ):
                events.append((day, 1, self._monthly))
        postpone = self.course.postpone
        if postpone is not None and self.story.start < postpone.asked <= self.story.until:
            events.append((postpone.asked, 0, self._postponement))
        if self.done_day is not None and self.done_day <= self.story.until:
            events.append((self.done_day + timedelta(self.rng.randint(0, 2)), 2, self._done))
        for day, _order, write in sorted(events, key=lambda e: (e[0], e[1])):
            write(day)

    def _report_day(self, year: int, month: int) -> date:
        """A month's report: in its last third, or (a late department) early the next."""
        if self.rng.random() < self.late_share:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return date(year, month, self.rng.randint(1, 6))
        return date(year, month, self.rng.randint(18, 27))

    def _figure(self, day: date) -> str:
        if self.course.figure is None or self.course.figure not in self.figures:
            return ""
        indicator, figures = self.figures[self.course.figure]
        known = [(on, value) for on, value in figures if on <= day]
        if not known:
            return ""
        on, value = known[-1]
        return FIGURE_NOTE.format(
            on=on.isoformat(), name=indicator.name, value=f"{value:g}", unit=indicator.unit
        )

    def _proposal(self, day: date) -> Proposal:
        """What the department says on ``day``: the status and progress of that day."""
        course, rng = self.course, self.rng
        if day < self.first and day <= self.due:
            month = f"{self.first.year}年{self.first.month}月"
            return Proposal(
                Status.NOT_STARTED, 0, None, marked(NOT_STARTED_NOTE.format(month=month))
            )
        in_risk = course.risk is not None and course.risk[0] <= day <= course.risk[1]
        # A milestone never done rises as if it were to be done on the last day, and stalls.
        target = self.done_day or self.story.until
        span = max(1, (target - self.first).days)
        linear = self.facts.progress + (100 - self.facts.progress) * (day - self.first).days / span
        progress = self.progress + rng.choice((0, 0, 5)) if in_risk else _round5(linear)
        if course.finish is Finish.NEVER:
            progress = min(progress, course.stall)
        progress = max(self.progress, min(95, progress), 5)
        why = course.why or rng.choice(RISK_REASONS)
        if day > self.due:
            status, note = (
                Status.DELAYED,
                DELAYED_NOTE.format(due=self.due, why=why, progress=progress),
            )
        elif in_risk:
            status, note = Status.AT_RISK, AT_RISK_NOTE.format(why=why, progress=progress)
        elif self.status is Status.NOT_STARTED:
            status, note = Status.ON_TRACK, rng.choice(START_NOTES)
        elif self.status in {Status.AT_RISK, Status.DELAYED}:
            status, note = Status.ON_TRACK, RECOVERED_NOTE.format(progress=progress)
        else:
            status, note = Status.ON_TRACK, rng.choice(ON_TRACK_NOTES).format(progress=progress)
        return Proposal(status, progress, None, marked(self._figure(day) + note))

    def _monthly(self, day: date) -> None:
        start = self.story.begin(self.lane, self.story.at(day, self.rng), self.rng)
        if not self.story.open(start):
            return
        proposal = self._proposal(self.story.day(start))
        returned = self.rng.random() < RETURN_SHARE
        reasons = [(self.rng.choice(RETURN_REASONS), RESUBMIT_DETAIL)] if returned else []
        self._report(start, proposal, reasons, evidence=False)

    def _done(self, day: date) -> None:
        assert self.done_day is not None
        start = self.story.begin(self.lane, self.story.at(day, self.rng), self.rng)
        if not self.story.open(start):
            return
        closing = self._figure(self.done_day) + self.rng.choice(DONE_CLOSINGS)
        note = DONE_NOTE.format(completed_on=self.done_day.isoformat(), closing=closing)
        proposal = Proposal(Status.DONE, 100, self.done_day, marked(note))
        reasons = [(RETURN_FOR_EVIDENCE, RESUBMIT_EVIDENCE)] * self.course.returns
        self._report(
            start,
            proposal,
            reasons,
            evidence=self.course.evidence or bool(reasons),
            close_out=True,
        )

    def _report(
        self,
        start: datetime,
        proposal: Proposal,
        reasons: list[tuple[str, str]],
        *,
        evidence: bool,
        close_out: bool = False,
    ) -> None:
        """Submit; for each reason, returned and submitted again; then approved. A done report
        is then closed out (销号) a few working days later, or first sent back for evidence."""
        story, rng, code = self.story, self.rng, self.facts.code
        steps = [Move(start, 0, Kind.SUBMIT, milestone=code, proposal=proposal, flag=evidence)]
        steps[0] = replace(steps[0], flag=evidence and not reasons)
        moment = start
        for number, (reason, answer) in enumerate(reasons, start=1):
            moment = story.after(moment, rng, 1, 3)
            steps.append(Move(moment, 0, Kind.RETURN, milestone=code, text=marked(reason)))
            moment = story.after(moment, rng, 1, 3)
            proposal = replace(proposal, note=f"{proposal.note}{answer}")
            last = number == len(reasons)
            steps.append(
                Move(
                    moment,
                    0,
                    Kind.SUBMIT,
                    milestone=code,
                    proposal=proposal,
                    flag=evidence and last,
                )
            )
        steps.append(Move(story.after(moment, rng, 1, 4), 0, Kind.APPROVE, milestone=code))
        if close_out:
            steps.extend(self._close_out(steps[-1].at, proposal))
        story.write(self.lane, steps)
        self.progress, self.status = proposal.progress, proposal.status

    def _close_out(self, approved: datetime, proposal: Proposal) -> list[Move]:
        """The office's close-out of a done milestone, two to five working days after the
        approval; a course with ``reopen`` is first sent back for evidence, reported done
        again with it, approved, and closed out then."""
        story, rng, code = self.story, self.rng, self.facts.code
        moment = story.after(approved, rng, 2, 5)
        steps = []
        if self.course.reopen:
            steps.append(
                Move(moment, 0, Kind.REOPEN, milestone=code, text=marked(REOPEN_FOR_EVIDENCE))
            )
            moment = story.after(moment, rng, 2, 4)
            again = replace(proposal, note=f"{proposal.note}{RESUBMIT_AFTER_REOPEN}")
            steps.append(Move(moment, 0, Kind.SUBMIT, milestone=code, proposal=again, flag=True))
            moment = story.after(moment, rng, 1, 3)
            steps.append(Move(moment, 0, Kind.APPROVE, milestone=code))
            moment = story.after(moment, rng, 2, 5)
        steps.append(Move(moment, 0, Kind.CLOSE_OUT, milestone=code))
        return steps

    def _postponement(self, day: date) -> None:
        postpone = self.course.postpone
        assert postpone is not None
        start = self.story.begin(self.lane, self.story.at(day, self.rng), self.rng)
        asked = self.story.day(start)
        done = self.done_day is not None and self.done_day <= asked
        # A request the commands would refuse (after the milestone was done, or for a day not
        # later than its due date or than the day of asking) is not made: a plan file revised
        # since the scenario was written does not stop the history.
        if not self.story.open(start) or done or postpone.to <= max(self.due, asked):
            return
        decided = self.story.after(start, self.rng, 2, 4)
        code = self.facts.code
        self.story.write(
            self.lane,
            [
                Move(
                    start, 0, Kind.ASK, milestone=code, on=postpone.to, text=marked(postpone.reason)
                ),
                Move(
                    decided,
                    0,
                    Kind.DECIDE,
                    milestone=code,
                    flag=postpone.approved,
                    text=marked(postpone.decision),
                ),
            ],
        )
        if postpone.approved:
            self.due = postpone.to


def generic_course(facts: MilestoneFacts, rng: random.Random) -> Course:
    """A plausible course for a milestone the scenario does not name: most finish on time,
    some after a risk, some late, a few never."""
    due = facts.due
    draw = rng.random()
    why = rng.choice(RISK_REASONS)
    if draw < 0.6:
        return Course(Finish.ON_TIME, done=-rng.randint(2, 25), evidence=rng.random() < 0.1)
    if draw < 0.75:
        risk = (due - timedelta(days=75), due - timedelta(days=30))
        return Course(Finish.ON_TIME, done=-rng.randint(0, 10), risk=risk, why=why)
    if draw < 0.93:
        risk = (due - timedelta(days=40), due)
        return Course(
            Finish.LATE, done=rng.randint(8, 50), risk=risk, why=why, returns=rng.randint(0, 1)
        )
    risk = (due - timedelta(days=60), date.max)
    return Course(Finish.NEVER, stall=rng.randrange(55, 90, 5), risk=risk, why=why)


def _with_generic_postponements(
    courses: dict[str, Course], milestones: Iterable[MilestoneFacts], plan: PlanFacts, seed: int
) -> dict[str, Course]:
    """A plan the scenario does not cover gets one approved request and one rejected, on its
    first late milestones that leave time to ask."""
    if any(course.postpone for course in courses.values()):
        return courses
    late = [m for m in sorted(milestones, key=lambda m: (m.due, m.code)) if courses.get(m.code)]
    late = [m for m in late if courses[m.code].finish is Finish.LATE]
    chosen = 0
    for facts in late:
        rng = _rng(seed, "postpone", facts.code)
        asked = facts.due - timedelta(days=rng.randint(8, 20))
        if not plan.start + timedelta(days=10) < asked:
            continue
        course, why = courses[facts.code], courses[facts.code].why
        if chosen == 0:
            to = facts.due + timedelta(days=rng.randint(45, 90))
            reason = GENERIC_POSTPONE_REASON.format(why=why, to=to.isoformat())
            postpone = Postpone(asked, to, True, reason, GENERIC_APPROVAL)
            courses[facts.code] = replace(
                course, finish=Finish.ON_TIME, done=-rng.randint(2, 12), postpone=postpone
            )
        else:
            to = facts.due + timedelta(days=rng.randint(30, 60))
            reason = GENERIC_POSTPONE_REASON.format(why=why, to=to.isoformat())
            courses[facts.code] = replace(
                course, postpone=Postpone(asked, to, False, reason, GENERIC_REJECTION)
            )
        chosen += 1
        if chosen == 2:
            break
    return courses


def generic_figures(
    indicator: IndicatorFacts, plan: PlanFacts, seed: int
) -> list[tuple[date, float]]:
    """Quarterly figures rising from the baseline toward the last target (or by a third)."""
    rng = _rng(seed, "figures", indicator.code)
    final_day, final = indicator.targets[-1] if indicator.targets else (plan.end, 0.0)
    if not indicator.targets:
        final = indicator.baseline * 1.3 or 10.0
    whole = float(indicator.baseline).is_integer() and float(final).is_integer()
    figures: list[tuple[date, float]] = []
    value = indicator.baseline
    span = max(1, (final_day - plan.start).days)
    for year, month in _months(plan.start, plan.end):
        if month % 3:
            continue
        day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        if day <= plan.start:
            continue
        share = min(1.0, (day - plan.start).days / span) * rng.uniform(0.92, 1.04)
        rising = indicator.baseline + (final - indicator.baseline) * share
        value = max(value, min(rising, final * 1.05))
        figures.append((day, float(round(value)) if whole else round(value, 2)))
    return figures


Figures = dict[str, tuple[IndicatorFacts, Sequence[tuple[date, float]]]]


def _figures_of(plan: PlanFacts, scenario: Scenario, seed: int) -> Figures:
    """Each indicator's figures: the scenario's, else a generic series."""
    return {
        indicator.code: (
            indicator,
            scenario.figures.get(indicator.code) or generic_figures(indicator, plan, seed),
        )
        for indicator in plan.indicators
    }


def _write_item_lane(
    story: _Story,
    item: ItemFacts,
    figures: list[tuple[IndicatorFacts, date, float]],
    focus: list[tuple[date, bool]],
    seed: int,
) -> None:
    """One item's figure reports and focus flags, one after another in the order they come."""
    rng = _rng(seed, "item", item.code)
    lane = f"item:{item.code}"
    events: list[tuple[date, int, Callable[[datetime], list[Move]]]] = []
    for indicator, on, value in figures:
        submitted = on + timedelta(days=rng.randint(0, 3))
        events.append(
            (submitted, 1, _figure_episode(story, rng, item, indicator, on=on, value=value))
        )
    for day, flagged in focus:
        events.append((day, 0, _focus_episode(item, flagged)))
    for day, _order, episode in sorted(events, key=lambda e: (e[0], e[1])):
        start = story.begin(lane, story.at(day, rng), rng)
        if story.open(start):
            story.write(lane, episode(start))


def _figure_episode(
    story: _Story,
    rng: random.Random,
    item: ItemFacts,
    indicator: IndicatorFacts,
    *,
    on: date,
    value: float,
) -> Callable[[datetime], list[Move]]:
    """A figure's report: submitted, perhaps returned for its source and sent again, approved."""

    def moves(start: datetime) -> list[Move]:
        note = marked(
            FIGURE_NOTE.format(
                on=on.isoformat(), name=indicator.name, value=f"{value:g}", unit=indicator.unit
            )
        )

        def submit(moment: datetime, text: str) -> Move:
            return Move(
                moment,
                0,
                Kind.SUBMIT_FIGURE,
                item=item.code,
                indicator=indicator.code,
                text=text,
                value=value,
                on=on,
            )

        steps = [submit(start, note)]
        moment = start
        if rng.random() < FIGURE_RETURN_SHARE:
            moment = story.after(moment, rng, 1, 2)
            steps.append(
                Move(moment, 0, Kind.RETURN, item=item.code, text=marked(RETURN_FOR_SOURCE))
            )
            moment = story.after(moment, rng, 1, 2)
            steps.append(submit(moment, note + RESUBMIT_SOURCE))
        steps.append(Move(story.after(moment, rng, 1, 3), 0, Kind.APPROVE, item=item.code))
        return steps

    return moves


def _focus_episode(item: ItemFacts, flagged: bool) -> Callable[[datetime], list[Move]]:
    def moves(start: datetime) -> list[Move]:
        return [Move(start, 0, Kind.FOCUS, item=item.code, flag=flagged)]

    return moves


def _generic_instructions(
    plan: PlanFacts, courses: dict[str, Course]
) -> tuple[list[Instruct], list[tuple[str, date, bool]]]:
    """For a plan the scenario does not cover: an instruction on each of the first two items
    whose milestones run into trouble (the first flagged for focus and closed, the second
    still open)."""
    items = {item.code: item for item in plan.items}
    troubled: list[tuple[date, str]] = []
    for facts in plan.milestones:
        course = courses.get(facts.code)
        if course is None or course.risk is None:
            continue
        day = max(course.risk[0], plan.start) + timedelta(days=5)
        if day < plan.end and facts.item not in {code for _, code in troubled}:
            troubled.append((day, facts.item))
    chosen = sorted(troubled)[:2]
    orders: list[Instruct] = []
    focus: list[tuple[str, date, bool]] = []
    for number, (day, code) in enumerate(chosen):
        item = items[code]
        text = GENERIC_INSTRUCTION.format(department=item.lead_name, item=item.title)
        reply = Reply(day + timedelta(days=7), GENERIC_REPLY)
        if number == 0:
            handled = Reply(day + timedelta(days=25), GENERIC_HANDLED)
            orders.append(
                Instruct(
                    code,
                    day,
                    text,
                    day + timedelta(days=30),
                    (reply,),
                    handled,
                    day + timedelta(days=32),
                )
            )
            focus.append((code, day, True))
        else:
            orders.append(Instruct(code, day, text, None, (reply,)))
    return orders, focus


def _write_instruction(story: _Story, key: int, order: Instruct, seed: int) -> None:
    """An instruction and what became of it: replies, handled, closed, each on its day."""
    rng = _rng(seed, "instruction", str(key))
    if not story.start < order.on <= story.until:
        return
    steps = [
        Move(
            story.at(order.on, rng),
            0,
            Kind.INSTRUCT,
            item=order.item,
            text=marked(order.text),
            on=order.due,
            key=key,
        )
    ]
    later: list[tuple[date, Move]] = []
    for answer in order.replies:
        later.append(
            (
                answer.on,
                Move(
                    steps[0].at,
                    0,
                    Kind.REPLY,
                    item=order.item,
                    text=marked(answer.text),
                    key=key,
                    by=answer.by,
                ),
            )
        )
    if order.handled is not None:
        later.append(
            (
                order.handled.on,
                Move(
                    steps[0].at,
                    0,
                    Kind.HANDLED,
                    item=order.item,
                    text=marked(order.handled.text),
                    key=key,
                ),
            )
        )
    if order.closed is not None:
        later.append((order.closed, Move(steps[0].at, 0, Kind.CLOSE, item=order.item, key=key)))
    for day, step in sorted(later, key=lambda pair: pair[0]):
        if day > story.until:
            break
        steps.append(
            replace(step, at=max(story.at(day, rng), steps[-1].at + timedelta(minutes=10)))
        )
    story.write(None, steps)


def _courses(plan: PlanFacts, scenario: Scenario, seed: int) -> dict[str, Course]:
    """Each open milestone's course: the scenario's, else a generic one; a plan the scenario
    does not know at all gets generic postponements too."""
    courses = {
        facts.code: scenario.courses.get(facts.code)
        or generic_course(facts, _rng(seed, "course", facts.code))
        for facts in plan.milestones
        if facts.status is not Status.DONE
    }
    if not {m.code for m in plan.milestones} & scenario.courses.keys():
        courses = _with_generic_postponements(courses, plan.milestones, plan, seed)
    return courses


def plan_history(
    plan: PlanFacts, scenario: Scenario, *, seed: int, until: date, zone: ZoneInfo
) -> list[Move]:
    """The whole story from the day after the plan's report date to ``until``, in order.

    Pure: it reads nothing but its arguments (``zone`` places office hours in the district's
    day), so one seed writes one story.
    """
    story = _Story(zone, plan.start, until)
    courses = _courses(plan, scenario, seed)
    figures = _figures_of(plan, scenario, seed)
    late_share = {
        code: _rng(seed, "department", code).choice((0.05, 0.08, 0.12, 0.3))
        for code in sorted({m.department for m in plan.milestones})
    }
    for facts in plan.milestones:
        if facts.code in courses:
            _MilestoneCourse(
                story,
                facts,
                courses[facts.code],
                _rng(seed, "milestone", facts.code),
                late_share=late_share[facts.department],
                figures=figures,
            ).write()
    items = {item.code for item in plan.items}
    orders = [order for order in scenario.instructions if order.item in items]
    focus = [change for change in scenario.focus if change[0] in items]
    if not orders:
        orders, focus = _generic_instructions(plan, courses)
    for item in plan.items:
        item_figures = [
            (indicator, on, value)
            for indicator, series in figures.values()
            if indicator.item == item.code
            for on, value in series
            if plan.start < on
        ]
        item_focus = [(day, flagged) for code, day, flagged in focus if code == item.code]
        _write_item_lane(story, item, item_figures, item_focus, seed)
    for key, order in enumerate(orders, start=1):
        _write_instruction(story, key, order, seed)
    _write_receipts(story, plan, seed)
    return sorted(story.moves)


def _after_workdays(day: date, count: int) -> date:
    """The working day ``count`` working days after ``day`` (weekends skipped)."""
    for _ in range(count):
        day = _workday(day + timedelta(days=1))
    return day


def _write_receipts(story: _Story, plan: PlanFacts, seed: int) -> None:
    """Each milestone open on the report date is signed for by its department: most within
    1–3 working days, a few late; one is declined as not the department's, assigned again by
    the admin, and then signed. Written last, from generators of their own, so the rest of the
    story is the same with or without receipts.
    """
    open_codes = [m.code for m in plan.milestones if m.status is not Status.DONE]
    if not open_codes:
        return
    declined = _rng(seed, "receipts").choice(open_codes)
    for code in open_codes:
        rng = _rng(seed, "receipt", code)
        late = rng.random() < LATE_RECEIPT_SHARE
        day = _after_workdays(story.start, rng.randint(5, 10) if late else rng.randint(1, 3))
        moment = story.at(day, rng)
        if not story.open(moment):
            continue
        steps = []
        if code == declined:
            steps.append(Move(moment, 0, Kind.DECLINE, milestone=code, text=marked(DECLINE_REASON)))
            moment = story.after(moment, rng, 1, 2)
            steps.append(Move(moment, 0, Kind.ASSIGN_AGAIN, milestone=code))
            moment = story.after(moment, rng, 1, 2)
        work_plan = marked(RECEIPT_WORK_PLAN) if rng.random() < 0.5 else ""
        steps.append(
            Move(
                moment,
                0,
                Kind.SIGN,
                milestone=code,
                text=marked(rng.choice(RESPONSIBLE_NAMES)),
                work_plan=work_plan,
            )
        )
        story.write(None, steps)
