"""Apply a validated plan file to the database, in place, keeping every bit of history.

Entries are matched by code. Titles, dates, weights and departments follow the file, and each
change is written to the update history. A milestone's status and progress come from the
file only when it is first created; after that they belong to the people who report on it.
Nothing is deleted, so loading a revised plan never loses what was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.close_out import CloseOut
from tracker.domain.plan_states import PlanState, PlanStateProblem, takes_changes
from tracker.domain.planfile import GroupSpec, IndicatorSpec, ItemSpec, MilestoneSpec, PlanSpec
from tracker.domain.refusal import Refused
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import (
    Department,
    Fact,
    Group,
    Indicator,
    IndicatorTarget,
    Item,
    Measurement,
    Milestone,
    Plan,
    User,
)
from tracker.services.commands.history import record_change
from tracker.services.commands.receipts import open_receipt


@dataclass
class SyncReport:
    """What loading a plan file did, for the command line to print."""

    created: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def unchanged(self) -> bool:
        return not self.created and not self.changed


class _Sync:
    """One load of one plan file: the state shared by the steps below."""

    def __init__(
        self,
        spec: PlanSpec,
        now: datetime,
        note: str,
        new_state: PlanState = PlanState.ACTIVE,
        user: User | None = None,
    ) -> None:
        self.spec = spec
        self.now = now
        self.note = note
        self.user = user
        self.new_state = new_state
        self.report = SyncReport()
        self.departments: dict[str, Department] = {}
        self.plan: Plan | None = None
        self.groups: dict[str, Group] = {}
        self.items: dict[str, Item] = {}
        self.milestones: dict[str, Milestone] = {}

    def preload(self) -> None:
        """Read the plan's existing rows once, instead of one query per entry of the file."""
        assert self.plan is not None
        plan_id = self.plan.id
        self.groups = {
            g.code: g for g in db.session.scalars(sa.select(Group).where(Group.plan_id == plan_id))
        }
        self.items = {
            i.code: i
            for i in db.session.scalars(
                sa.select(Item)
                .where(Item.plan_id == plan_id)
                .options(so.selectinload(Item.supporting_departments), so.selectinload(Item.facts))
            )
        }
        self.milestones = {
            m.code: m
            for m in db.session.scalars(sa.select(Milestone).where(Milestone.plan_id == plan_id))
        }

    def assign(self, obj: object, kind: str, values: dict[str, object]) -> list[str]:
        """Set attributes that differ; return the names of those that changed."""
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        if changed:
            self.report.count(self.report.changed, kind)
        return changed

    def readable(self, attribute: str, value: object) -> object:
        """History names departments by code, which stays meaningful if ids change."""
        if attribute in {"lead_department_id", "department_id"}:
            return next((d.code for d in self.departments.values() if d.id == value), value)
        return value

    def history(
        self,
        item: Item,
        milestone: Milestone | None,
        field_name: str,
        old: object,
        new: object,
        *,
        effective_on: date | None = None,
    ) -> None:
        """Append one history row for a change the plan file made."""
        record_change(
            item,
            field_name,
            old,
            new,
            now=self.now,
            effective_on=effective_on or self.now.date(),
            user=self.user,
            milestone=milestone,
            note=self.note,
            origin="plan_file",
        )


def sync_plan(
    spec: PlanSpec,
    *,
    now: datetime,
    note: str,
    new_state: PlanState = PlanState.ACTIVE,
    user: User | None = None,
) -> SyncReport:
    """Create or update the plan described by ``spec``; flush, and leave the commit to the caller.

    ``note`` is the file's name, kept in every history row this load writes (pages word it in
    the reader's language, so it holds no words); ``user`` is who uploaded it (None from the
    command line); ``now`` is the time they are stamped with. A plan not loaded before
    starts in ``new_state`` (an import is a draft until an admin activates it); a loaded one
    keeps its state.
    """
    sync = _Sync(spec, now, note, new_state, user)
    _sync_departments(sync)
    _sync_plan_row(sync)
    for position, group_spec in enumerate(spec.groups):
        group = _sync_group(sync, position, group_spec)
        for item_position, item_spec in enumerate(group_spec.items):
            _sync_item(sync, group, item_position, item_spec)
    _sync_indicators(sync)
    db.session.flush()
    return sync.report


def _sync_departments(sync: _Sync) -> None:
    existing = {d.code: d for d in db.session.scalars(sa.select(Department))}
    for spec in sync.spec.departments:
        values = {
            "name_zh": spec.name.zh,
            "name_en": spec.name.en,
            "is_coordinating": spec.coordinating,
            "is_sample": spec.sample,
        }
        department = existing.get(spec.code)
        if department is None:
            department = Department(code=spec.code, active=True, **values)
            db.session.add(department)
            sync.report.count(sync.report.created, "departments")
        else:
            sync.assign(department, "departments", values)
        sync.departments[spec.code] = department
    db.session.flush()


def _sync_plan_row(sync: _Sync) -> None:
    spec = sync.spec
    values = {
        "name_zh": spec.name.zh,
        "name_en": spec.name.en,
        "source_zh": spec.source.zh,
        "source_en": spec.source.en,
        "start": spec.start,
        "end": spec.end,
        "report_date": spec.report_date,
    }
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == spec.code))
    if plan is None:
        plan = Plan(code=spec.code, state=sync.new_state.value, **values)
        db.session.add(plan)
        sync.report.count(sync.report.created, "plans")
    else:
        Refused.unless_clean(
            [] if takes_changes(PlanState(plan.state)) else [PlanStateProblem.READ_ONLY],
            plan=plan.code,
        )
        sync.assign(plan, "plans", values)
    db.session.flush()
    sync.plan = plan
    sync.preload()


def _sync_group(sync: _Sync, position: int, spec: GroupSpec) -> Group:
    assert sync.plan is not None
    values = {
        "kind": spec.kind,
        "position": position,
        "name_zh": spec.name.zh,
        "name_en": spec.name.en,
    }
    group = sync.groups.get(spec.code)
    if group is None:
        group = Group(plan_id=sync.plan.id, code=spec.code, **values)
        db.session.add(group)
        sync.report.count(sync.report.created, "groups")
        db.session.flush()
    else:
        sync.assign(group, "groups", values)
    return group


# Fields whose change is worth a line in an item's history (positions are not).
_ITEM_HISTORY = ("title_zh", "title_en", "start", "due", "weight", "lead_department_id")
_MILESTONE_HISTORY = ("title_zh", "title_en", "due", "weight", "department_id")


def _sync_item(sync: _Sync, group: Group, position: int, spec: ItemSpec) -> None:
    assert sync.plan is not None
    values: dict[str, object] = {
        "group_id": group.id,
        "position": position,
        "title_zh": spec.title.zh,
        "title_en": spec.title.en,
        "description_zh": spec.description.zh,
        "description_en": spec.description.en,
        "lead_department_id": sync.departments[spec.lead].id,
        "start": spec.start,
        "due": spec.due,
        "weight": spec.weight,
        "is_sample": spec.sample,
    }
    item = sync.items.get(spec.code)
    created = item is None
    if item is None:
        item = Item(plan_id=sync.plan.id, code=spec.code, **values)
        db.session.add(item)
        sync.report.count(sync.report.created, "items")
        db.session.flush()
    else:
        before = {name: getattr(item, name) for name in _ITEM_HISTORY}
        for name in sync.assign(item, "items", values):
            if name in before:
                old, new = sync.readable(name, before[name]), sync.readable(name, values[name])
                sync.history(item, None, _field_label(name), old, new)

    supporting = [sync.departments[code] for code in spec.supporting]
    old_codes = sorted(d.code for d in item.supporting_departments)
    new_codes = sorted(spec.supporting)
    if old_codes != new_codes:
        if not created:
            sync.history(
                item, None, "supporting_departments", ",".join(old_codes), ",".join(new_codes)
            )
            sync.report.count(sync.report.changed, "items")
        item.supporting_departments = supporting

    _sync_facts(sync, item, spec)
    for milestone_position, milestone_spec in enumerate(spec.milestones):
        _sync_milestone(sync, item, milestone_position, milestone_spec)


def _field_label(attribute: str) -> str:
    """History speaks of departments by name, not by column."""
    return {"lead_department_id": "lead_department", "department_id": "department"}.get(
        attribute, attribute
    )


def _sync_facts(sync: _Sync, item: Item, spec: ItemSpec) -> None:
    """Facts are background text: replaced as a whole, and only when they differ."""
    wanted = [(f.date, f.precision, f.text.zh, f.text.en, f.source) for f in spec.facts]
    stored = sorted(item.facts, key=lambda f: f.position)
    current = [(f.happened_on, f.date_precision, f.text_zh, f.text_en, f.source) for f in stored]
    if wanted == current:
        return
    for fact in list(item.facts):
        db.session.delete(fact)
    db.session.flush()
    for position, (happened_on, precision, zh, en, source) in enumerate(wanted):
        db.session.add(
            Fact(
                item_id=item.id,
                position=position,
                happened_on=happened_on,
                date_precision=precision,
                text_zh=zh,
                text_en=en,
                source=source,
            )
        )
    bucket = sync.report.changed if current else sync.report.created
    for _ in wanted or current:
        sync.report.count(bucket, "facts")
    db.session.flush()
    db.session.expire(item, ["facts"])


def _sync_milestone(sync: _Sync, item: Item, position: int, spec: MilestoneSpec) -> None:
    assert sync.plan is not None
    department_id = sync.departments[spec.department].id
    milestone = sync.milestones.get(spec.code)
    if milestone is None:
        milestone = Milestone(
            plan_id=sync.plan.id,
            item_id=item.id,
            code=spec.code,
            position=position,
            title_zh=spec.title.zh,
            title_en=spec.title.en,
            due=spec.due,
            baseline_due=spec.due,
            department_id=department_id,
            weight=spec.weight,
            reported_status=spec.status,
            progress=spec.progress,
            completed_on=spec.completed_on,
            completed_on_exact=spec.completed_on_exact,
            source=spec.source,
            # The source report is authoritative: a milestone it says is done is closed out.
            close_out=CloseOut.CLOSED.value if spec.status == Status.DONE else None,
        )
        db.session.add(milestone)
        db.session.flush()
        sync.report.count(sync.report.created, "milestones")
        _record_initial_state(sync, item, milestone)
        open_receipt(milestone, now=sync.now, by=sync.user)
        return

    values: dict[str, object] = {
        "item_id": item.id,
        "position": position,
        "title_zh": spec.title.zh,
        "title_en": spec.title.en,
        "department_id": department_id,
        "weight": spec.weight,
        "source": spec.source,
    }
    # The file holds the baseline. A changed baseline re-plans the milestone; an unchanged one
    # leaves a postponed due date alone.
    if milestone.baseline_due != spec.due:
        values["baseline_due"] = spec.due
        values["due"] = spec.due
    before = {name: getattr(milestone, name) for name in _MILESTONE_HISTORY}
    changed = sync.assign(milestone, "milestones", values)
    for name in changed:
        if name in before:
            old, new = sync.readable(name, before[name]), sync.readable(name, values[name])
            sync.history(item, milestone, _field_label(name), old, new)
    if "department_id" in changed:
        open_receipt(milestone, now=sync.now, by=sync.user)
    _sync_completion_exactness(sync, item, milestone, spec)


def _sync_completion_exactness(
    sync: _Sync, item: Item, milestone: Milestone, spec: MilestoneSpec
) -> None:
    """A file that now says ``completed_by`` where it said ``completed_on`` (or back) for the
    same day corrects what is known of that day, not the milestone's state: follow it.

    Only when the stored completion is that very day: a completion the departments reported
    since belongs to them, like the status.
    """
    if spec.completed_on is None or milestone.completed_on != spec.completed_on:
        return
    if milestone.completed_on_exact == spec.completed_on_exact:
        return
    old = milestone.completed_on_exact
    milestone.completed_on_exact = spec.completed_on_exact
    sync.report.count(sync.report.changed, "milestones")
    sync.history(
        item,
        milestone,
        "completed_on_exact",
        old,
        spec.completed_on_exact,
        effective_on=spec.completed_on,
    )


def _record_initial_state(sync: _Sync, item: Item, milestone: Milestone) -> None:
    """Write the status a new milestone starts with, dated when it became true.

    A milestone the file says is done counts from its completion date; other progress counts
    from the plan's report date. That lets the board be rebuilt as of an earlier date.
    """
    if milestone.reported_status == "not_started" and milestone.progress == 0:
        return
    effective = milestone.completed_on or sync.spec.report_date
    sync.history(item, milestone, "status", None, milestone.reported_status, effective_on=effective)
    if milestone.progress:
        sync.history(item, milestone, "progress", None, milestone.progress, effective_on=effective)
    if milestone.completed_on:
        sync.history(
            item, milestone, "completed_on", None, milestone.completed_on, effective_on=effective
        )
        if not milestone.completed_on_exact:
            sync.history(item, milestone, "completed_on_exact", None, False, effective_on=effective)


def _sync_indicators(sync: _Sync) -> None:
    assert sync.plan is not None
    items = {
        i.code: i for i in db.session.scalars(sa.select(Item).where(Item.plan_id == sync.plan.id))
    }
    for position, spec in enumerate(sync.spec.indicators):
        indicator = _sync_indicator(sync, items, position, spec)
        _sync_targets(sync, indicator, spec)
        _sync_measurements(sync, indicator, spec)
    db.session.flush()


def indicator_columns(spec: IndicatorSpec, item_id: int | None, position: int) -> dict[str, object]:
    """An indicator's stored columns as its plan file gives them (besides plan and code)."""
    return {
        "item_id": item_id,
        "position": position,
        "name_zh": spec.name.zh,
        "name_en": spec.name.en,
        "unit_zh": spec.unit.zh,
        "unit_en": spec.unit.en,
        "baseline_value": spec.baseline_value,
        "baseline_date": spec.baseline_date,
    }


def _sync_indicator(
    sync: _Sync, items: dict[str, Item], position: int, spec: IndicatorSpec
) -> Indicator:
    assert sync.plan is not None
    values = indicator_columns(spec, items[spec.item].id if spec.item else None, position)
    indicator = db.session.scalar(
        sa.select(Indicator).where(Indicator.plan_id == sync.plan.id, Indicator.code == spec.code)
    )
    if indicator is None:
        indicator = Indicator(plan_id=sync.plan.id, code=spec.code, **values)
        db.session.add(indicator)
        db.session.flush()
        sync.report.count(sync.report.created, "indicators")
    else:
        sync.assign(indicator, "indicators", values)
    return indicator


def _sync_targets(sync: _Sync, indicator: Indicator, spec: IndicatorSpec) -> None:
    """The file holds every target: new dates are added, changed ones updated, others dropped."""
    targets = {t.due: t for t in indicator.targets}
    for target_spec in spec.targets:
        target = targets.pop(target_spec.date, None)
        target_values = {"value": target_spec.value, "source": target_spec.source}
        if target is None:
            db.session.add(
                IndicatorTarget(indicator_id=indicator.id, due=target_spec.date, **target_values)
            )
            sync.report.count(sync.report.created, "targets")
        else:
            sync.assign(target, "targets", target_values)
    for stale in targets.values():
        db.session.delete(stale)
        sync.report.count(sync.report.changed, "targets")


def _sync_measurements(sync: _Sync, indicator: Indicator, spec: IndicatorSpec) -> None:
    """Figures from the file are added or updated; figures the departments reported are kept."""
    from_file = {m.measured_on: m for m in indicator.measurements if m.from_plan_file}
    for m_spec in spec.measurements:
        m_values = {
            "value": m_spec.value,
            "source": m_spec.source,
            "note_zh": m_spec.note.zh,
            "note_en": m_spec.note.en,
        }
        measurement = from_file.get(m_spec.date)
        if measurement is None:
            db.session.add(
                Measurement(
                    indicator_id=indicator.id,
                    measured_on=m_spec.date,
                    from_plan_file=True,
                    recorded_at=sync.now,
                    **m_values,
                )
            )
            sync.report.count(sync.report.created, "measurements")
        else:
            sync.assign(measurement, "measurements", m_values)
