"""A stored plan read back as a :class:`~tracker.domain.planfile.PlanSpec`, for export.

What comes out is what a plan file would say to recreate the plan as it stands: milestones
carry their reported status and progress and their baseline due date (a postponement is the
database's business, so loading the export again re-plans nothing). Measurements are those
that came from a plan file; figures departments reported stay out. Departments are those the
plan refers to, by code. Read in a fixed number of queries.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.planfile import (
    DepartmentSpec,
    FactSpec,
    GroupSpec,
    IndicatorSpec,
    ItemSpec,
    MeasurementSpec,
    MilestoneSpec,
    PlanSpec,
    TargetSpec,
    Text,
)
from tracker.extensions import db
from tracker.models import Department, Group, Indicator, Item, Milestone, Plan


def all_plans() -> list[Plan]:
    """Every plan, oldest first, for the export links."""
    return list(db.session.scalars(sa.select(Plan).order_by(Plan.id)))


def find_plan_by_code(code: str) -> Plan | None:
    """The plan with exactly this code, or None."""
    return db.session.scalar(sa.select(Plan).where(Plan.code == code))


def _department(department: Department) -> DepartmentSpec:
    return DepartmentSpec(
        code=department.code,
        name=Text(department.name_zh, department.name_en),
        coordinating=department.is_coordinating,
        sample=department.is_sample,
    )


def known_departments() -> tuple[DepartmentSpec, ...]:
    """Every department the tracker knows, by code: what names in a spreadsheet may mean."""
    return tuple(
        _department(d) for d in db.session.scalars(sa.select(Department).order_by(Department.code))
    )


def plan_spec(plan: Plan) -> PlanSpec:
    """The plan as a plan file would describe it (see the module docstring for the choices)."""
    groups = db.session.scalars(
        sa.select(Group)
        .where(Group.plan_id == plan.id)
        .order_by(Group.position, Group.id)
        .options(
            so.selectinload(Group.items).selectinload(Item.supporting_departments),
            so.selectinload(Group.items).selectinload(Item.facts),
            so.selectinload(Group.items).joinedload(Item.lead_department),
        )
    ).all()
    milestones: dict[int, list[Milestone]] = {}
    for milestone in db.session.scalars(
        sa.select(Milestone)
        .where(Milestone.plan_id == plan.id)
        .order_by(Milestone.position, Milestone.id)
        .options(so.joinedload(Milestone.department))
    ):
        milestones.setdefault(milestone.item_id, []).append(milestone)
    indicators = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.plan_id == plan.id)
        .order_by(Indicator.position, Indicator.id)
        .options(
            so.selectinload(Indicator.targets),
            so.selectinload(Indicator.measurements),
            so.joinedload(Indicator.item),
        )
    ).all()
    departments: dict[str, Department] = {}
    group_specs = tuple(_group(g, milestones, departments) for g in groups)
    return PlanSpec(
        code=plan.code,
        name=Text(plan.name_zh, plan.name_en),
        source=Text(plan.source_zh, plan.source_en),
        start=plan.start,
        end=plan.end,
        report_date=plan.report_date,
        departments=tuple(_department(departments[code]) for code in sorted(departments)),
        groups=group_specs,
        indicators=tuple(_indicator(i) for i in indicators),
    )


def _group(
    group: Group, milestones: dict[int, list[Milestone]], departments: dict[str, Department]
) -> GroupSpec:
    items = []
    for item in sorted(group.items, key=lambda i: (i.position, i.id)):
        for department in (item.lead_department, *item.supporting_departments):
            departments[department.code] = department
        for milestone in milestones.get(item.id, []):
            departments[milestone.department.code] = milestone.department
        items.append(_item(item, milestones.get(item.id, [])))
    return GroupSpec(
        code=group.code,
        kind=group.kind,
        name=Text(group.name_zh, group.name_en),
        items=tuple(items),
    )


def _item(item: Item, milestones: list[Milestone]) -> ItemSpec:
    facts = sorted(item.facts, key=lambda f: f.position)
    return ItemSpec(
        code=item.code,
        title=Text(item.title_zh, item.title_en),
        description=Text(item.description_zh, item.description_en),
        lead=item.lead_department.code,
        supporting=tuple(d.code for d in item.supporting_departments),
        start=item.start,
        due=item.due,
        weight=item.weight,
        sample=item.is_sample,
        facts=tuple(
            FactSpec(f.happened_on, Text(f.text_zh, f.text_en), f.source, f.date_precision)
            for f in facts
        ),
        milestones=tuple(
            MilestoneSpec(
                code=m.code,
                title=Text(m.title_zh, m.title_en),
                due=m.baseline_due,
                department=m.department.code,
                weight=m.weight,
                status=m.reported_status,
                progress=m.progress,
                completed_on=m.completed_on,
                source=m.source,
                completed_on_exact=m.completed_on_exact,
            )
            for m in milestones
        ),
    )


def _indicator(indicator: Indicator) -> IndicatorSpec:
    return IndicatorSpec(
        code=indicator.code,
        item=indicator.item.code if indicator.item else None,
        name=Text(indicator.name_zh, indicator.name_en),
        unit=Text(indicator.unit_zh, indicator.unit_en),
        baseline_value=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        targets=tuple(TargetSpec(t.due, t.value, t.source) for t in indicator.targets),
        measurements=tuple(
            MeasurementSpec(m.measured_on, m.value, m.source, Text(m.note_zh, m.note_en))
            for m in indicator.measurements
            if m.from_plan_file
        ),
    )
