"""Plan-shaped sample data at any size, for the bench (issue 12, "Fast at any size").

``flask --app tracker bench-data`` fills a migrated database with plans shaped like the Shinan
plan (its departments, its 3 groups of 3, 4 and 6 items with their codes, its indicators), as
many milestones per item as asked, and a history spread over the plan period that replays to
the milestones' stored state: reports in every review state, postponements, instructions and
measurements.

Everything derives from one seed, so two runs with the same options into empty databases write
the same rows (password hashes aside: their salt is random). Rows go in as bulk core INSERTs
in chunks: building ORM objects one by one would take minutes at 200,000 history rows.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tracker.domain.instructions import InstructionState
from tracker.domain.passwords import password_problems
from tracker.domain.plan_states import PlanState
from tracker.domain.planfile import IndicatorSpec, ItemSpec, PlanSpec, parse_plan_file
from tracker.domain.policy import Role
from tracker.domain.postponements import State as PostponementState
from tracker.domain.reporting import ReportState
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import (
    Department,
    Group,
    Indicator,
    IndicatorTarget,
    Instruction,
    InstructionReply,
    Item,
    Measurement,
    Milestone,
    Plan,
    Postponement,
    Report,
    Update,
    User,
)
from tracker.services.commands.history import as_text
from tracker.services.commands.plan_sync import indicator_columns

SHAPE_FILE = Path(__file__).resolve().parents[2] / "plans" / "shinan-2020.yaml"
PLAN_START = date(2020, 10, 1)
PLAN_END = date(2022, 12, 31)
DEFAULT_SEED = 2020
# Every bench account signs in with this; it is for scratch databases only.
DEFAULT_PASSWORD = "bench-only-password"  # noqa: S105  (bench accounts only)
# History rows per milestone when the number is not given.
UPDATES_PER_MILESTONE = 20
# One history row in this many goes to item reports (summaries and indicator figures).
ITEM_SHARE = 20
CHUNK = 10_000
# Accounts are stamped with a fixed time, so two runs write the same rows.
ACCOUNTS_CREATED = datetime(2020, 9, 1, tzinfo=UTC)

Row = dict[str, Any]


class BenchError(Exception):
    """The bench data cannot be written as asked (a plan code is taken, a password refused)."""


@dataclass(frozen=True)
class BenchSpec:
    """How much to write: ``updates`` counts history rows across all plans (None: 20 per
    milestone); ``users`` counts accounts (None: the minimum, see :func:`bench_accounts`).
    """

    plans: int = 1
    milestones_per_item: int = 4
    updates: int | None = None
    users: int | None = None
    password: str = DEFAULT_PASSWORD

    def history_rows(self, items_per_plan: int) -> int:
        """The number of history rows to write in all."""
        if self.updates is not None:
            return self.updates
        return UPDATES_PER_MILESTONE * self.plans * items_per_plan * self.milestones_per_item


@dataclass(frozen=True)
class Account:
    """A bench account: all share the bench password."""

    username: str
    role: str
    department: str | None = None


@dataclass
class BenchSummary:
    """What was written, for the command line to print and the tests to check."""

    plan_codes: list[str] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)
    report_states: Counter[str] = field(default_factory=Counter)
    instruction_states: Counter[str] = field(default_factory=Counter)


def plan_code(number: int) -> str:
    """The code of the ``number``-th bench plan: bench-01, bench-02, …"""
    return f"bench-{number:02d}"


def bench_accounts(departments: list[str], users: int | None) -> list[Account]:
    """An admin, a leader and one lead per department, then extra department leads up to
    ``users`` in all (bench-user-0001, … spread over the departments).
    """
    accounts = [
        Account("bench-admin", Role.ADMIN),
        Account("bench-leader", Role.LEADER),
        *(Account(f"bench-lead-{code}", Role.DEPT_LEAD, code) for code in departments),
    ]
    wanted = len(accounts) if users is None else users
    if wanted < len(accounts):
        raise BenchError(
            f"--users must be at least {len(accounts)}: an admin, a leader and one lead for "
            f"each of the {len(departments)} departments."
        )
    accounts += [
        Account(f"bench-user-{n:04d}", Role.DEPT_LEAD, departments[(n - 1) % len(departments)])
        for n in range(1, wanted - len(accounts) + 1)
    ]
    return accounts


def fill(spec: BenchSpec, *, seed: int) -> BenchSummary:
    """Write the bench data described by ``spec``; flush, and leave the commit to the caller.

    Departments and accounts that exist already (by code, by user name) are reused; a bench
    plan code that is taken is refused before anything is written.
    """
    shape = parse_plan_file(SHAPE_FILE)
    codes = [plan_code(n) for n in range(1, spec.plans + 1)]
    taken = db.session.scalars(sa.select(Plan.code).where(Plan.code.in_(codes))).all()
    if taken:
        raise BenchError(f"The database already holds plan(s) {', '.join(sorted(taken))}.")
    department_codes = [d.code for d in shape.departments]
    accounts = bench_accounts(department_codes, spec.users)
    for account in accounts:
        problems = password_problems(spec.password, account.username)
        if problems:
            raise BenchError(
                f"Password refused for {account.username}: "
                + ", ".join(p.replace("_", " ") for p in problems)
                + "."
            )
    summary = BenchSummary(plan_codes=codes, accounts=accounts)
    departments = _departments(shape, summary)
    people = _people(accounts, departments, spec.password, summary)
    rng = random.Random(seed)  # noqa: S311  (sample data, not secrets)
    items_per_plan = sum(len(group.items) for group in shape.groups)
    budgets = _split(spec.history_rows(items_per_plan), spec.plans)
    for code, budget in zip(codes, budgets, strict=True):
        _PlanWriter(
            rng=rng,
            shape=shape,
            code=code,
            milestones_per_item=spec.milestones_per_item,
            budget=budget,
            departments=departments,
            people=people,
            summary=summary,
        ).write()
    return summary


def _split(total: int, parts: int) -> list[int]:
    """``total`` in ``parts`` shares as even as can be, the larger ones first."""
    share, extra = divmod(total, parts)
    return [share + (1 if n < extra else 0) for n in range(parts)]


def _table(model: type[Any]) -> sa.Table:
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


def _insert(model: type[Any], rows: list[Row], summary: BenchSummary) -> None:
    """Bulk INSERT in chunks: one statement, many parameter sets, no ORM objects."""
    table = _table(model)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(table), rows[start : start + CHUNK])
    summary.rows[table.name] += len(rows)


def _insert_ids(
    model: type[Any],
    rows: list[Row],
    summary: BenchSummary,
    scope: sa.ColumnElement[bool] | None = None,
) -> list[int]:
    """Bulk INSERT in chunks, answering the new ids in the order of ``rows``.

    Without ``scope``, through RETURNING. SQLite cannot promise the order of RETURNING rows
    from one multi-row INSERT, so SQLAlchemy would send the rows one by one: for the big
    tables, ``scope`` picks out exactly the rows just written (those of a new plan), whose
    ids grow in the order they were inserted on both engines, and they are read back.
    """
    table = _table(model)
    if scope is not None:
        _insert(model, rows, summary)
        ids = list(db.session.scalars(sa.select(table.c.id).where(scope).order_by(table.c.id)))
        assert len(ids) == len(rows)
        return ids
    statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = []
    for start in range(0, len(rows), CHUNK):
        ids.extend(db.session.execute(statement, rows[start : start + CHUNK]).scalars())
    summary.rows[table.name] += len(rows)
    return ids


def _departments(shape: PlanSpec, summary: BenchSummary) -> dict[str, int]:
    """The Shinan plan's departments by code: reused when they exist, created otherwise."""
    existing = {  # noqa: C416  (Row to tuple)
        code: department_id
        for code, department_id in db.session.execute(sa.select(Department.code, Department.id))
    }
    missing = [d for d in shape.departments if d.code not in existing]
    rows = [
        {
            "code": d.code,
            "name_zh": d.name.zh,
            "name_en": d.name.en,
            "is_coordinating": d.coordinating,
            "is_sample": d.sample,
            "active": True,
            "email": "",
        }
        for d in missing
    ]
    ids = _insert_ids(Department, rows, summary)
    existing.update({d.code: new_id for d, new_id in zip(missing, ids, strict=True)})
    return {d.code: existing[d.code] for d in shape.departments}


@dataclass
class _People:
    """The accounts' ids by part: who reviews, who instructs, who reports for a department."""

    admin: int
    leader: int
    leads: dict[str, list[int]]


def _people(
    accounts: list[Account], departments: dict[str, int], password: str, summary: BenchSummary
) -> _People:
    """Create the accounts that are missing. The password is hashed once for all of them:
    hashing is slow on purpose, and the bench may ask for many accounts.
    """
    existing = {
        name.lower(): user_id
        for name, user_id in db.session.execute(sa.select(User.username, User.id))
    }
    missing = [a for a in accounts if a.username.lower() not in existing]
    password_hash = generate_password_hash(password) if missing else ""
    rows = [
        {
            "username": a.username,
            "display_name": a.username,
            "role": a.role,
            "department_id": departments[a.department] if a.department else None,
            "active": True,
            "password_hash": password_hash,
            "must_change_password": False,
            "locale": None,
            "session_version": 1,
            "created_at": ACCOUNTS_CREATED,
            "last_login_at": None,
        }
        for a in missing
    ]
    ids = _insert_ids(User, rows, summary)
    existing.update({a.username.lower(): new_id for a, new_id in zip(missing, ids, strict=True)})
    leads: dict[str, list[int]] = {code: [] for code in departments}
    for account in accounts:
        if account.department:
            leads[account.department].append(existing[account.username.lower()])
    return _People(admin=existing["bench-admin"], leader=existing["bench-leader"], leads=leads)


# ------------------------------------------------------------------------------------ drafts


@dataclass(slots=True)
class _MilestoneDraft:
    item: int  # the item's index in the plan
    code: str
    position: int
    title_zh: str
    title_en: str
    due: date
    department: str
    weight: float
    created_on: date | None  # added by an admin on that day, not by the plan file
    baseline_due: date = PLAN_END
    status: str = Status.NOT_STARTED
    progress: int = 0
    completed_on: date | None = None
    last_reported_on: date | None = None
    postponements: int = 0
    version: int = 1


@dataclass(slots=True)
class _ItemDraft:
    spec: ItemSpec
    group: int
    position: int
    start: date
    indicators: list[int] = field(default_factory=list)
    last_reported_on: date | None = None
    version: int = 1


class _Clock:
    """Strictly increasing times for one milestone's (or item's) events: 09:00 in the district
    (01:00 UTC) on the event's day, a second after the last event when several share a day.
    """

    def __init__(self) -> None:
        self.last: datetime | None = None

    def at(self, day: date) -> datetime:
        moment = datetime.combine(day, time(1, 0), tzinfo=UTC)
        if self.last is not None and moment <= self.last:
            moment = self.last + timedelta(seconds=1)
        self.last = moment
        return moment


_State = tuple[str, int, date | None]  # reported status, progress, completed on

_WORK_STATUSES = (Status.ON_TRACK, Status.AT_RISK, Status.DELAYED)


@dataclass(frozen=True, slots=True)
class _Target:
    """What a report or history row is about, as indexes into the plan's drafts."""

    item: int
    milestone: int | None


def _gap(start: date, end: date, rows: int) -> int:
    """The mean days between reports that spread ``rows`` history rows (about three rows a
    report, a report and its review a gap and a half apart) from ``start`` to ``end``.
    """
    reports = max(1, rows * 10 // 32)
    return max(1, (end - start).days * 2 // (3 * reports))


def _changes(old: _State, new: _State) -> list[tuple[str, object, object]]:
    """The fields a report changes, as the history names them."""
    return [
        (name, before, after)
        for name, before, after in zip(
            ("status", "progress", "completed_on"), old, new, strict=True
        )
        if before != after
    ]


class _PlanWriter:
    """One bench plan: drafted in memory with its whole history, then inserted table by table."""

    def __init__(
        self,
        *,
        rng: random.Random,
        shape: PlanSpec,
        code: str,
        milestones_per_item: int,
        budget: int,
        departments: dict[str, int],
        people: _People,
        summary: BenchSummary,
    ) -> None:
        self.rng = rng
        self.shape = shape
        self.code = code
        self.milestones_per_item = milestones_per_item
        self.budget = budget
        self.departments = departments
        self.people = people
        self.summary = summary
        self.items: list[_ItemDraft] = []
        self.milestones: list[_MilestoneDraft] = []
        # Rows whose references are still indexes into the lists above (and into reports).
        self.reports: list[Row] = []
        self.updates: list[Row] = []
        self.measurements: list[Row] = []
        self.postponements: list[Row] = []
        self.instructions: list[Row] = []
        self.replies: list[tuple[int, Row]] = []
        self._indicator_specs: list[IndicatorSpec] = list(shape.indicators)
        self._indicator_codes = [spec.code for spec in shape.indicators]
        self._item_index: dict[str, int] = {}
        self._ends_pending = False  # whether the milestone being drafted ends with a report waiting

    # -- drafting ----------------------------------------------------------------------------

    def write(self) -> None:
        self._draft_plan()
        item_budget = self.budget // ITEM_SHARE
        milestone_budgets = _split(self.budget - item_budget, len(self.milestones))
        forced_done = False
        carry = 0  # a row one milestone could not use goes to the next
        for index, (milestone, budget) in enumerate(
            zip(self.milestones, milestone_budgets, strict=True)
        ):
            # The first milestone with room shows every review state, whatever the dice say.
            force = not forced_done and budget >= 9
            forced_done = forced_done or force
            carry = self._milestone_history(index, milestone, budget + carry, force=force)
        # A budget too small for every item goes to the items with indicators, for figures.
        order = list(range(len(self.items)))
        if item_budget + carry < 3 * len(order):
            order = [n for n in order if self.items[n].indicators]
        budgets = _split(item_budget + carry, len(order))
        carry = 0
        for number, (index, budget) in enumerate(zip(order, budgets, strict=True)):
            last = number == len(order) - 1
            carry = self._item_history(index, self.items[index], budget + carry, last=last)
        for index, item in enumerate(self.items):
            self._instructions(index, item)
        self._insert_all()

    def _draft_plan(self) -> None:
        rng = self.rng
        for group_index, group in enumerate(self.shape.groups):
            for position, spec in enumerate(group.items):
                item_index = len(self.items)
                start = max(spec.start, PLAN_START)
                item = _ItemDraft(spec=spec, group=group_index, position=position, start=start)
                self.items.append(item)
                span = (spec.due - start).days
                drafts = []
                for n in range(self.milestones_per_item):
                    share = span * (n + 1) // self.milestones_per_item
                    jitter = rng.randint(-20, 20)
                    due = min(
                        spec.due, max(start + timedelta(days=30), start + timedelta(share + jitter))
                    )
                    department = (
                        rng.choice(spec.supporting)
                        if spec.supporting and rng.random() < 0.2
                        else spec.lead
                    )
                    created_on = None
                    if n and rng.random() < 0.08 and (due - PLAN_START).days > 90:
                        created_on = PLAN_START + timedelta(
                            rng.randint(10, (due - PLAN_START).days - 60)
                        )
                    drafts.append(
                        _MilestoneDraft(
                            item=item_index,
                            code=f"{spec.code}-{n + 1}",
                            position=n,
                            title_zh=f"{spec.title.zh}·节点{n + 1}",
                            title_en=f"{spec.title.en}: step {n + 1}",
                            due=due,
                            baseline_due=due,
                            department=department,
                            weight=rng.choice((1.0, 1.0, 1.0, 2.0, 0.5)),
                            created_on=created_on,
                        )
                    )
                self.milestones.extend(sorted(drafts, key=lambda m: (m.due, m.position)))
        self._item_index = {item.spec.code: n for n, item in enumerate(self.items)}
        for index, indicator in enumerate(self._indicator_specs):
            if indicator.item is not None:
                self.items[self._item_index[indicator.item]].indicators.append(index)

    def _update(
        self,
        field_name: str,
        old: object,
        new: object,
        *,
        at: datetime,
        on: _Target,
        user: int | None,
        note: str = "",
        origin: str = "web",
        report: int | None = None,
    ) -> None:
        self.updates.append(
            {
                "plan_id": None,
                "item_id": on.item,
                "milestone_id": on.milestone,
                "user_id": user,
                "created_at": at,
                "effective_on": at.date(),
                "field": field_name,
                "old_value": as_text(old),
                "new_value": as_text(new),
                "note": note,
                "origin": origin,
                "report_id": report,
            }
        )

    def _outcome(self, remaining: int, number: int, *, force: bool) -> ReportState:
        """How a report leaves review. Withdrawn only when a report follows to replace it (a
        department withdraws a report by sending a new one), and so at least two rows remain.
        """
        if force and number == 1:
            return ReportState.RETURNED
        if force and number == 2 and remaining >= 2:
            return ReportState.WITHDRAWN
        dice = self.rng.random()
        if dice < 0.08 and remaining >= 2:
            return ReportState.WITHDRAWN
        if dice < 0.2:
            return ReportState.RETURNED
        return ReportState.APPROVED

    def _file(
        self, on: _Target, at: datetime, rows: list[tuple[str, object, object]], **report: Any
    ) -> int:
        """A report and the history rows it writes at once: "report", then what it proposes."""
        row: Row = {
            "plan_id": None,
            "item_id": on.item,
            "milestone_id": on.milestone,
            "department_id": None,
            "submitted_at": at,
            "state": ReportState.SUBMITTED.value,
            "status": None,
            "progress": None,
            "completed_on": None,
            "note": "",
            "indicator_id": None,
            "measurement_value": None,
            "measured_on": None,
            "measurement_source": "",
            "reviewed_by_id": None,
            "reviewed_at": None,
            "review_note": "",
            **report,
        }
        self.reports.append(row)
        index = len(self.reports) - 1
        for name, old, new in [("report", None, ReportState.SUBMITTED), *rows]:
            self._update(
                name, old, new, at=at, on=on, user=row["author_id"], note=row["note"], report=index
            )
        return index

    def _leave_review(
        self, report: int, outcome: ReportState, at: datetime, *, user: int, note: str = ""
    ) -> None:
        """The history row of a report leaving review, and the report's new state."""
        row = self.reports[report]
        row["state"] = outcome.value
        if outcome is not ReportState.WITHDRAWN:
            row.update(reviewed_by_id=user, reviewed_at=at, review_note=note)
        on = _Target(row["item_id"], row["milestone_id"])
        self._update(
            "review",
            ReportState.SUBMITTED,
            outcome,
            at=at,
            on=on,
            user=user,
            note=note,
            report=report,
        )

    def _proposal(self, state: _State, target: int, share: float, day: date) -> _State:
        """What the department reports next: ``share`` of the way to ``target``, done at 100."""
        status, progress, _ = state
        if status == Status.DONE:
            return state
        planned = round(target * min(1.0, share) + self.rng.uniform(-4, 4))
        value = max(progress, min(target, planned))
        if value >= 100:
            return (Status.DONE, 100, day)
        new_status = self.rng.choices(_WORK_STATUSES, weights=(75, 15, 10))[0]
        return (new_status, value, None)

    def _pending_proposal(self, state: _State, changes: int, day: date) -> _State | None:
        """A last report, left waiting, that changes exactly ``changes`` fields (None: none
        can, as one change of a done milestone).
        """
        status, progress, _ = state
        if changes == 0:
            return state
        if status == Status.DONE:  # reopened: not done after all
            return {2: (Status.ON_TRACK, 100, None), 3: (Status.AT_RISK, 90, None)}.get(changes)
        if changes == 1:
            return (status, min(100, progress + self.rng.randint(1, 10)), None)
        if changes == 2:
            others = [s for s in _WORK_STATUSES if s != status]
            return (self.rng.choice(others), min(100, progress + self.rng.randint(1, 10)), None)
        return (Status.DONE, 100, day)

    def _milestone_history(
        self, index: int, milestone: _MilestoneDraft, budget: int, *, force: bool
    ) -> int:
        """``budget`` history rows for one milestone, whose replay ends on the state the
        milestone is stored with: reports, their reviews, a postponement, its creation.
        Answers the rows left over (one at most, when only a lone report would use it).
        """
        rng = self.rng
        on = _Target(milestone.item, index)
        clock = _Clock()
        cursor, left = self._before_reports(on, milestone, clock, budget)
        # Done by about the due date (two in three), or short of a target by the plan's end.
        target = 100 if rng.random() < 0.65 else rng.randint(10, 95)
        finish = PLAN_END
        if target == 100:
            finish = min(PLAN_END, milestone.due + timedelta(days=rng.randint(-20, 30)))
        finish = max(finish, min(PLAN_END, cursor + timedelta(days=30)))
        end = min(PLAN_END, finish + timedelta(days=20))
        gap = _gap(cursor, end, left)
        begun = cursor
        state: _State = (Status.NOT_STARTED, 0, None)
        ends_pending = self._ends_pending = force or rng.random() < 0.15
        withdrawn: int | None = None  # a report the next one replaces
        number = 0
        while left > 0:
            if left == 1 and not ends_pending:
                break  # a report left waiting only to use up a row: the next milestone's
            number += 1
            day = min(end, cursor + timedelta(days=rng.randint(1, 2 * gap)))
            author = rng.choice(self.people.leads[milestone.department])
            share = (day - begun).days / max(1, (finish - begun).days)
            proposal, outcome, cost = self._next_report(
                state, left, day, target=target, share=share, number=number, force=force
            )
            at = clock.at(day)
            if withdrawn is not None:
                self._leave_review(withdrawn, ReportState.WITHDRAWN, at, user=author)
                withdrawn = None
            milestone.version += 1  # the report touches the milestone
            report = self._file(
                on,
                at,
                _changes(state, proposal),
                author_id=author,
                department_id=self.departments[milestone.department],
                base_version=milestone.version,
                status=proposal[0],
                progress=proposal[1],
                completed_on=proposal[2],
                note=f"{milestone.code} report {number}",
            )
            milestone.last_reported_on = cursor = day
            if outcome is ReportState.WITHDRAWN:
                withdrawn = report
            elif outcome is not ReportState.SUBMITTED:
                cursor = min(end, day + timedelta(days=rng.randint(0, gap)))
                self._review(report, outcome, clock.at(cursor))
                if outcome is ReportState.APPROVED and proposal != state:
                    state = proposal
                    milestone.version += 1
            left -= cost
        milestone.status, milestone.progress, milestone.completed_on = state
        if state[0] != Status.DONE and budget and rng.random() < 0.05:
            self._postponement(on, milestone, clock, cursor, decide=False)
        return left

    def _before_reports(
        self, on: _Target, milestone: _MilestoneDraft, clock: _Clock, budget: int
    ) -> tuple[date, int]:
        """A milestone an admin added (its "created" row), and a postponement decided before
        anyone reported. Answers the day reports may start and the rows left for them.
        """
        left = budget
        cursor = PLAN_START
        if milestone.created_on is not None and left:
            cursor = milestone.created_on
            at = clock.at(cursor)
            self._update(
                "created",
                None,
                milestone.code,
                at=at,
                on=on,
                user=self.people.admin,
                note=milestone.title_zh,
            )
            left -= 1
        else:
            milestone.created_on = None
        if left >= 4 and self.rng.random() < 0.1:
            cursor = self._postponement(on, milestone, clock, cursor, decide=True)
            left -= milestone.postponements
        return cursor, left

    def _next_report(
        self,
        state: _State,
        left: int,
        day: date,
        *,
        target: int,
        share: float,
        number: int,
        force: bool,
    ) -> tuple[_State, ReportState, int]:
        """The next report on a milestone, how it leaves review, and the history rows it takes:
        the last of a milestone that ends waiting takes what is left, exactly.
        """
        if left <= 3 and (force or self._ends_pending):
            waiting = self._pending_proposal(state, left - 1, day)
            if waiting is not None:
                return waiting, ReportState.SUBMITTED, left
        proposal = self._proposal(state, target, share, day)
        if 2 + len(_changes(state, proposal)) > left:
            proposal = state  # a note only: nothing changed, but something to say
        cost = 2 + len(_changes(state, proposal))
        return proposal, self._outcome(left - cost, number, force=force), cost

    def _review(self, report: int, outcome: ReportState, at: datetime) -> None:
        """The coordinating office approves or returns a report (with a reason)."""
        note = "" if outcome is ReportState.APPROVED else "Please add the figures and the source."
        self._leave_review(report, outcome, at, user=self.people.admin, note=note)

    def _postponement(
        self, on: _Target, milestone: _MilestoneDraft, clock: _Clock, cursor: date, *, decide: bool
    ) -> date:
        """A request for a later due date: decided (approved seven times in ten, moving the due
        date with a history row) or left pending. Answers the day things stand after it.
        """
        rng = self.rng
        requested_on = min(PLAN_END, cursor + timedelta(days=rng.randint(5, 40)))
        requested_due = milestone.due + timedelta(days=rng.randint(30, 120))
        if decide and requested_due > PLAN_END:
            return cursor
        row: Row = {
            "milestone_id": on.milestone,
            "requested_by_id": rng.choice(self.people.leads[milestone.department]),
            "requested_at": clock.at(requested_on),
            "due_before": milestone.due,
            "requested_due": requested_due,
            "reason": f"{milestone.code}: the supplier needs more time.",
            "state": PostponementState.PENDING.value,
            "decided_by_id": None,
            "decided_at": None,
            "decision_note": "",
        }
        self.postponements.append(row)
        if not decide:
            return requested_on
        decided_on = requested_on + timedelta(days=rng.randint(1, 10))
        approved = rng.random() < 0.7
        at = clock.at(decided_on)
        row.update(
            state=(PostponementState.APPROVED if approved else PostponementState.REJECTED).value,
            decided_by_id=self.people.admin,
            decided_at=at,
            decision_note="" if approved else "Keep the date: report the risk instead.",
        )
        if approved:
            self._update(
                "due",
                milestone.due,
                requested_due,
                at=at,
                on=on,
                user=self.people.admin,
                note=row["reason"],
                origin="postponement",
            )
            milestone.due = requested_due
            milestone.postponements += 1
            milestone.version += 1
        return decided_on

    def _item_history(self, index: int, item: _ItemDraft, budget: int, *, last: bool) -> int:
        """``budget`` history rows of item reports: summaries, and for items with indicators
        new figures, which become measurements once approved. Answers the rows left over (one
        at most; none for the ``last`` item, which leaves a report waiting to use it).
        """
        rng = self.rng
        on = _Target(index, None)
        clock = _Clock()
        left = budget
        cursor = PLAN_START
        gap = _gap(cursor, PLAN_END, left)
        ends_pending = rng.random() < 0.3
        withdrawn: int | None = None
        number = 0
        while left > 0:
            if left == 1 and not (ends_pending or last):
                break
            number += 1
            day = min(PLAN_END, cursor + timedelta(days=rng.randint(1, 2 * gap)))
            author = rng.choice(self.people.leads[item.spec.lead])
            if left == 1 or (ends_pending and left == 2 and item.indicators):
                figure, outcome, cost = left == 2, ReportState.SUBMITTED, left
            else:
                figure = bool(item.indicators) and left >= 3 and rng.random() < 0.7
                cost = 2 + figure
                outcome = self._outcome(left - cost, number, force=False)
            at = clock.at(day)
            if withdrawn is not None:
                self._leave_review(withdrawn, ReportState.WITHDRAWN, at, user=author)
                withdrawn = None
            item.version += 1
            indicator = rng.choice(item.indicators) if figure else None
            value = self._figure(indicator, day) if indicator is not None else None
            measured_on = max(PLAN_START, day - timedelta(days=rng.randint(0, 10)))
            changes: list[tuple[str, object, object]] = []
            if indicator is not None:
                changes.append((f"indicator:{self._indicator_specs[indicator].code}", None, value))
            report = self._file(
                on,
                at,
                changes,
                author_id=author,
                department_id=self.departments[item.spec.lead],
                base_version=item.version,
                note=f"{item.spec.code} summary {number}",
                indicator_id=indicator,
                measurement_value=value,
                measured_on=measured_on if figure else None,
                measurement_source="bench" if figure else "",
            )
            item.last_reported_on = cursor = day
            if outcome is ReportState.WITHDRAWN:
                withdrawn = report
            elif outcome is not ReportState.SUBMITTED:
                cursor = min(PLAN_END, day + timedelta(days=rng.randint(0, gap)))
                self._review(report, outcome, clock.at(cursor))
                if outcome is ReportState.APPROVED and indicator is not None:
                    self._measured(self.reports[report])
            left -= cost
        return left

    def _measured(self, report: Row) -> None:
        """The measurement an approved item report with a figure adds to its indicator."""
        self.measurements.append(
            {
                "indicator_id": report["indicator_id"],
                "measured_on": report["measured_on"],
                "value": report["measurement_value"],
                "source": report["measurement_source"],
                "note_zh": report["note"],
                "note_en": report["note"],
                "from_plan_file": False,
                "recorded_by_id": report["author_id"],
                "recorded_at": report["reviewed_at"],
            }
        )

    def _figure(self, indicator: int, day: date) -> float:
        """An indicator's figure on ``day``: from the baseline towards the last target."""
        spec = self._indicator_specs[indicator]
        final = spec.targets[-1].value if spec.targets else spec.baseline_value * 1.5
        share = (day - spec.baseline_date).days / max(1, (PLAN_END - spec.baseline_date).days)
        return float(
            round(
                spec.baseline_value
                + (final - spec.baseline_value) * share * self.rng.uniform(0.9, 1.05)
            )
        )

    def _instructions(self, index: int, item: _ItemDraft) -> None:
        """Up to three leader's instructions on the item: open, handled or closed; replies."""
        rng = self.rng
        leads = self.people.leads[item.spec.lead]
        leader = self.people.leader
        for number in range(rng.choice((0, 1, 1, 2, 3))):
            created_on = PLAN_START + timedelta(
                days=rng.randint(0, (PLAN_END - PLAN_START).days - 60)
            )
            clock = _Clock()
            created_at = clock.at(created_on)
            state = rng.choices(
                (InstructionState.OPEN, InstructionState.HANDLED, InstructionState.CLOSED),
                weights=(3, 3, 4),
            )[0]
            row: Row = {
                "item_id": index,
                "author_id": leader,
                "created_at": created_at,
                "text": f"{item.spec.code} ({number + 1}): speed this up, report back.",
                "due_on": created_on + timedelta(days=30) if rng.random() < 0.6 else None,
                "state": state.value,
                "handled_at": None,
                "handled_by_id": None,
                "closed_at": None,
                "closed_by_id": None,
            }
            self.instructions.append(row)
            instruction = len(self.instructions) - 1
            day = created_on
            for _ in range(rng.randint(0, 2)):
                day += timedelta(days=rng.randint(1, 10))
                self.replies.append(
                    (
                        instruction,
                        {
                            "author_id": rng.choice(leads),
                            "created_at": clock.at(day),
                            "text": f"{item.spec.code}: under way.",
                        },
                    )
                )
            # Handled by the department; a closed one mostly was, before the leader closed it.
            if state is InstructionState.HANDLED or (
                state is InstructionState.CLOSED and rng.random() < 0.8
            ):
                day += timedelta(days=rng.randint(1, 10))
                row.update(handled_at=clock.at(day), handled_by_id=rng.choice(leads))
            if state is InstructionState.CLOSED:
                day += timedelta(days=rng.randint(1, 10))
                row.update(closed_at=clock.at(day), closed_by_id=leader)
            self.summary.instruction_states[state.value] += 1

    # -- inserting ---------------------------------------------------------------------------

    def _insert_all(self) -> None:
        summary = self.summary
        shape = self.shape
        plan_id = _insert_ids(
            Plan,
            [
                {
                    "code": self.code,
                    "name_zh": f"{shape.name.zh}（压测样例 {self.code}）",
                    "name_en": f"{shape.name.en} (bench sample {self.code})",
                    "source_zh": "压测样例数据，非真实数据。",
                    "source_en": "Bench sample data, not real.",
                    "start_date": PLAN_START,
                    "end_date": PLAN_END,
                    "report_date": PLAN_START,
                    "state": PlanState.ACTIVE.value,
                    "closed_on": None,
                }
            ],
            summary,
        )[0]
        group_ids = _insert_ids(
            Group,
            [
                {
                    "plan_id": plan_id,
                    "code": group.code,
                    "kind": group.kind,
                    "position": position,
                    "name_zh": group.name.zh,
                    "name_en": group.name.en,
                }
                for position, group in enumerate(shape.groups)
            ],
            summary,
        )
        item_ids = _insert_ids(
            Item,
            [
                {
                    "plan_id": plan_id,
                    "group_id": group_ids[item.group],
                    "code": item.spec.code,
                    "position": item.position,
                    "title_zh": item.spec.title.zh,
                    "title_en": item.spec.title.en,
                    "description_zh": item.spec.description.zh,
                    "description_en": item.spec.description.en,
                    "lead_department_id": self.departments[item.spec.lead],
                    "start_date": item.start,
                    "due_date": item.spec.due,
                    "weight": item.spec.weight,
                    "is_sample": True,
                    "focus": False,
                    "last_reported_on": item.last_reported_on,
                    "version": item.version,
                }
                for item in self.items
            ],
            summary,
        )
        db.session.execute(
            sa.insert(_table(Item).metadata.tables["item_supporting_department"]),
            [
                {"item_id": item_ids[index], "department_id": self.departments[code]}
                for index, item in enumerate(self.items)
                for code in item.spec.supporting
            ],
        )
        milestone_ids = _insert_ids(
            Milestone,
            [
                {
                    "plan_id": plan_id,
                    "item_id": item_ids[m.item],
                    "code": m.code,
                    "position": m.position,
                    "title_zh": m.title_zh,
                    "title_en": m.title_en,
                    "due_date": m.due,
                    "baseline_due_date": m.baseline_due,
                    "department_id": self.departments[m.department],
                    "assignee_id": None,
                    "weight": m.weight,
                    "reported_status": str(m.status),
                    "progress": m.progress,
                    "completed_on": m.completed_on,
                    "source": "admin" if m.created_on else "sample",
                    "postponement_count": m.postponements,
                    "last_reported_on": m.last_reported_on,
                    "version": m.version,
                }
                for m in self.milestones
            ],
            summary,
            Milestone.plan_id == plan_id,
        )
        self._insert_history(plan_id, item_ids, milestone_ids)

    def _insert_history(self, plan_id: int, item_ids: list[int], milestone_ids: list[int]) -> None:
        """Indicators, reports, history, postponements and instructions, their indexes turned
        into ids; reports and history rows in time order, so ids grow with time as in use.
        """
        summary = self.summary
        specs = self._indicator_specs
        indicator_ids = _insert_ids(
            Indicator,
            [
                {
                    "plan_id": plan_id,
                    "code": spec.code,
                    **indicator_columns(
                        spec,
                        item_ids[self._item_index[spec.item]] if spec.item else None,
                        position,
                    ),
                }
                for position, spec in enumerate(specs)
            ],
            summary,
        )
        _insert(
            IndicatorTarget,
            [
                {
                    "indicator_id": indicator_ids[index],
                    "due_date": target.date,
                    "value": target.value,
                    "source": target.source,
                }
                for index, spec in enumerate(specs)
                for target in spec.targets
            ],
            summary,
        )
        from_file = [
            {
                "indicator_id": indicator_ids[index],
                "measured_on": m.date,
                "value": m.value,
                "source": m.source,
                "note_zh": m.note.zh,
                "note_en": m.note.en,
                "from_plan_file": True,
                "recorded_by_id": None,
                "recorded_at": ACCOUNTS_CREATED,
            }
            for index, spec in enumerate(specs)
            for m in spec.measurements
        ]
        for row in self.measurements:
            row["indicator_id"] = indicator_ids[row["indicator_id"]]
        _insert(Measurement, [*from_file, *self.measurements], summary)

        order = sorted(range(len(self.reports)), key=lambda n: self.reports[n]["submitted_at"])
        for row in self.reports:
            row["plan_id"] = plan_id
            row["item_id"] = item_ids[row["item_id"]]
            if row["milestone_id"] is not None:
                row["milestone_id"] = milestone_ids[row["milestone_id"]]
            if row["indicator_id"] is not None:
                row["indicator_id"] = indicator_ids[row["indicator_id"]]
            summary.report_states[row["state"]] += 1
        new_ids = _insert_ids(
            Report, [self.reports[n] for n in order], summary, Report.plan_id == plan_id
        )
        report_ids = [0] * len(order)
        for position, n in enumerate(order):
            report_ids[n] = new_ids[position]

        for row in self.updates:
            row["plan_id"] = plan_id
            row["item_id"] = item_ids[row["item_id"]]
            if row["milestone_id"] is not None:
                row["milestone_id"] = milestone_ids[row["milestone_id"]]
            if row["report_id"] is not None:
                row["report_id"] = report_ids[row["report_id"]]
        # sorted() is stable: rows of one moment (a report and its changes) keep their order.
        _insert(Update, sorted(self.updates, key=lambda row: row["created_at"]), summary)

        for row in self.postponements:
            row["milestone_id"] = milestone_ids[row["milestone_id"]]
        _insert(
            Postponement, sorted(self.postponements, key=lambda row: row["requested_at"]), summary
        )
        for row in self.instructions:
            row["item_id"] = item_ids[row["item_id"]]
        instruction_ids = _insert_ids(
            Instruction, self.instructions, summary, Instruction.item_id.in_(item_ids)
        )
        _insert(
            InstructionReply,
            [
                {"instruction_id": instruction_ids[instruction], **reply}
                for instruction, reply in self.replies
            ],
            summary,
        )
