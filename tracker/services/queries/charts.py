"""Data for the board's charts: each indicator against its targets, and the plan's timeline.

Everything is computed for one "as of" date (``progress.as_of``) and returned as plain,
JSON-serialisable values that ``static/js/board-charts.js`` draws with Apache ECharts. The
indicators are read in a fixed number of queries (indicators, targets, measurements); items
and milestones come from the already loaded ``progress``, so no query depends on data size.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from tracker.domain.rollup import MilestoneResult
from tracker.domain.status import Status
from tracker.i18n import SOURCE_LABELS, STATUS_COLOURS, STATUS_LABELS, localized
from tracker.models import Indicator, Measurement, Milestone, Plan
from tracker.services.queries.board import WATCH_LIMIT, plan_indicators
from tracker.services.queries.progress import PlanProgress

GANTT_MILESTONE_LIMIT = 12


def number(value: float) -> int | float:
    """Whole figures as integers, so the page and the chart show 618 rather than 618.0."""
    return int(value) if float(value).is_integer() else float(value)


def district_day(moment: datetime, zone: ZoneInfo) -> date:
    """The district day a stored (UTC) timestamp falls on."""
    return moment.astimezone(zone).date()


def known_by(measurement: Measurement, as_of: date, zone: ZoneInfo) -> bool:
    """Whether the board at the end of ``as_of`` knew this measurement.

    It must have been measured by then, and, unless it came with the plan file (which tells
    what was true on its dates), recorded by the end of that district day: a figure approved
    later did not count yet, even when it was measured earlier.
    """
    if measurement.measured_on > as_of:
        return False
    if measurement.from_plan_file:
        return True
    return district_day(measurement.recorded_at, zone) <= as_of


def source_label(source: str) -> str:
    """A known source code (report, sample, admin) in words; a free-text source as typed."""
    label = SOURCE_LABELS.get(source)
    return str(label) if label is not None else source


def chart_labels(as_of: date) -> dict[str, str]:
    """Every word the charts show, in the current language (legend, tooltips, as-of line)."""
    return {
        "actual": _("Actual"),
        "target": _("Target trajectory"),
        "baseline": _("Baseline"),
        "as_of": _("As of %(date)s", date=as_of.isoformat()),
        "start": _("Start date"),
        "due": _("Due date"),
        "original_due": _("Original due date"),
        "current_due": _("Current due date"),
        "lead_department": _("Lead department"),
        "department": _("Department"),
        "status": _("Status"),
        "item": _("Item"),
        "milestone": _("Milestone"),
        "no_measurements": _("No measurements yet."),
    }


def status_legend() -> list[dict[str, str]]:
    """The five statuses in the order the Gantt's legend lists them, with their colours."""
    return [
        {"status": s.value, "label": str(STATUS_LABELS[s]), "colour": STATUS_COLOURS[s]}
        for s in Status
    ]


def indicator_chart(
    indicator: Indicator, item_code: str | None, as_of: date, zone: ZoneInfo
) -> dict[str, Any]:
    """One indicator: its baseline, target points and the measurements known at ``as_of``."""
    measurements = [m for m in indicator.measurements if known_by(m, as_of, zone)]
    return {
        "code": indicator.code,
        "item_code": item_code,
        "name": localized(indicator, "name"),
        "unit": localized(indicator, "unit"),
        "baseline": {
            "date": indicator.baseline_date.isoformat(),
            "value": number(indicator.baseline_value),
        },
        "targets": [
            {
                "date": t.due.isoformat(),
                "value": number(t.value),
                "source": t.source,
                "source_label": source_label(t.source),
            }
            for t in indicator.targets
        ],
        "measurements": [
            {
                "date": m.measured_on.isoformat(),
                "value": number(m.value),
                "source": m.source,
                "source_label": source_label(m.source),
            }
            for m in measurements
        ],
        "latest": (
            {
                "date": measurements[-1].measured_on.isoformat(),
                "value": number(measurements[-1].value),
                "source": measurements[-1].source,
                "source_label": source_label(measurements[-1].source),
            }
            if measurements
            else None
        ),
        "next_target": next(
            (
                {
                    "date": t.due.isoformat(),
                    "value": number(t.value),
                    "source": t.source,
                    "source_label": source_label(t.source),
                }
                for t in indicator.targets
                if t.due >= as_of
            ),
            None,
        ),
    }


def _milestone_row(milestone: Milestone, result: MilestoneResult) -> dict[str, Any]:
    """A milestone on the timeline; its due date is the one in force at the as-of date."""
    status, due = result.status, result.due
    return {
        "code": milestone.code,
        "title": localized(milestone, "title"),
        "department": localized(milestone.department, "name"),
        "baseline_due": milestone.baseline_due.isoformat(),
        "due": due.isoformat(),
        "postponed": due != milestone.baseline_due,
        "status": status.value,
        "status_label": str(STATUS_LABELS[status]),
        "colour": STATUS_COLOURS[status],
    }


def gantt_rows(progress: PlanProgress) -> list[dict[str, Any]]:
    """Every item in plan order with its milestones, each with its computed status.

    Milestones come in the item's order (by current due date); the roll-up's results give
    their status and the due date in force at the as-of date. An item with more than
    ``GANTT_MILESTONE_LIMIT`` milestones carries none (only ``milestone_count``): the board
    fetches them when the item is opened, so the page does not grow with the milestones.
    """
    rows = []
    for section in progress.sections:
        group_name = localized(section.group, "name")
        for row in section.rows:
            item, result = row.item, row.result
            by_key = {m.key: m for m in result.milestones}
            count = sum(1 for m in item.milestones if m.id in by_key)
            rows.append(
                {
                    "code": item.code,
                    "title": localized(item, "title"),
                    "group": group_name,
                    "department": localized(item.lead_department, "name"),
                    "start": item.start.isoformat(),
                    "due": item.due.isoformat(),
                    "status": result.status.value,
                    "status_label": str(STATUS_LABELS[result.status]),
                    "colour": STATUS_COLOURS[result.status],
                    "progress": round(result.progress, 1),
                    "milestone_count": count,
                    # A milestone without a result did not exist yet at the as-of date.
                    "milestones": [
                        _milestone_row(m, by_key[m.id]) for m in item.milestones if m.id in by_key
                    ]
                    if count <= GANTT_MILESTONE_LIMIT
                    else [],
                }
            )
    return rows


def postponed_milestones(
    progress: PlanProgress, limit: int = WATCH_LIMIT
) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` postponed milestones in plan order, and how many there are."""
    shown: list[dict[str, Any]] = []
    total = 0
    for section in progress.sections:
        for row in section.rows:
            by_key = {m.key: m for m in row.result.milestones}
            for m in row.item.milestones:
                result = by_key.get(m.id)
                if result is None or result.due == m.baseline_due:
                    continue
                total += 1
                if len(shown) < limit:
                    shown.append({"item_code": row.item.code, **_milestone_row(m, result)})
    return shown, total


def _span(plan: Plan, rows: Iterable[dict[str, Any]]) -> tuple[str, str]:
    """The timeline's range: the plan's period, widened to show every bar and marker.

    The as-of date does not widen it: a board looked at years after the plan ended still
    shows the plan, with the as-of line at the edge.
    """
    dates = [plan.start.isoformat(), plan.end.isoformat()]
    for row in rows:
        dates += [row["start"], row["due"]]
        for m in row["milestones"]:
            dates += [m["baseline_due"], m["due"]]
    return min(dates), max(dates)


def board_charts(plan: Plan, progress: PlanProgress) -> dict[str, Any]:
    """The charts of the board at ``progress.as_of``, as JSON-serialisable values.

    ``indicators`` lists the plan's indicators by position; ``gantt`` holds the plan's
    period, the as-of date, a row per item (with its milestones) in plan order, and the
    first postponed milestones (``postponed_total`` counts them all) with their original and
    current due dates.
    """
    as_of = progress.as_of
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    indicators = plan_indicators(plan)
    # Keyed by item id; looked up with None too, for an indicator of the whole plan (no code).
    item_codes: dict[int | None, str] = {
        row.item.id: row.item.code for s in progress.sections for row in s.rows
    }
    rows = gantt_rows(progress)
    start, end = _span(plan, rows)
    postponed, postponed_total = postponed_milestones(progress)
    return {
        "as_of": as_of.isoformat(),
        "labels": chart_labels(as_of),
        "indicators": [
            indicator_chart(ind, item_codes.get(ind.item_id), as_of, zone) for ind in indicators
        ],
        "gantt": {
            "plan_start": plan.start.isoformat(),
            "plan_end": plan.end.isoformat(),
            "start": start,
            "end": end,
            "as_of": as_of.isoformat(),
            "statuses": status_legend(),
            "rows": rows,
            "milestone_limit": GANTT_MILESTONE_LIMIT,
            "postponed": postponed,
            "postponed_total": postponed_total,
        },
    }
