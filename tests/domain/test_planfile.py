"""The plan-file parser: valid files become specs, bad files are rejected with precise messages.

Bad files are built by mutating a small valid plan (a Python dict), dumping it with
``yaml.safe_dump`` and parsing the text, so each case shows the one thing that is wrong.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tracker.cli import DEFAULT_PLAN
from tracker.domain.planfile import PlanFileError, Text, parse_plan_file, parse_plan_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FILENAME = "plans/bad-plan.yaml"

Mutation = Callable[[Any], Any]


def text(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def minimal_plan() -> dict[str, Any]:
    """A small valid plan: 2 departments, 2 groups, items X1, X2 and Y1, one indicator."""
    return {
        "plan": {
            "code": "mini",
            "name": text("小计划", "Mini plan"),
            "start": date(2021, 1, 1),
            "end": date(2021, 12, 31),
            "report_date": date(2021, 1, 1),
        },
        "departments": [
            {"code": "a", "name": text("甲处", "Office A"), "coordinating": True},
            {"code": "b", "name": text("乙处", "Office B")},
        ],
        "groups": [
            {
                "code": "g0",
                "kind": "task",
                "name": text("任务", "Tasks"),
                "items": [
                    {
                        "code": "X1",
                        "title": text("任务一", "Task one"),
                        "lead": "a",
                        "supporting": ["b"],
                        "start": date(2021, 1, 1),
                        "due": date(2021, 6, 30),
                        "weight": 2,
                        "facts": [{"date": date(2020, 12, 1), "text": text("事实", "A fact")}],
                        "milestones": [
                            {
                                "code": "X1-a",
                                "title": text("启动", "Kick-off"),
                                "due": date(2021, 2, 1),
                                "status": "done",
                                "completed_on": date(2021, 1, 20),
                                "source": "report",
                            },
                            {
                                "code": "X1-b",
                                "title": text("完成", "Finish"),
                                "due": date(2021, 6, 30),
                                "department": "b",
                                "status": "on_track",
                                "progress": 40,
                            },
                        ],
                    },
                    {
                        "code": "X2",
                        "title": text("任务二", "Task two"),
                        "lead": "b",
                        "start": date(2021, 3, 1),
                        "due": date(2021, 12, 31),
                        "milestones": [
                            {
                                "code": "X2-a",
                                "title": text("唯一", "Only milestone"),
                                "due": date(2021, 12, 31),
                            }
                        ],
                    },
                ],
            },
            {
                "code": "g1",
                "kind": "project",
                "name": text("工程", "Projects"),
                "items": [
                    {
                        "code": "Y1",
                        "title": text("工程一", "Project one"),
                        "lead": "a",
                        "start": date(2021, 1, 1),
                        "due": date(2021, 12, 31),
                        "milestones": [
                            {
                                "code": "Y1-a",
                                "title": text("建成", "Built"),
                                "due": date(2021, 12, 31),
                                "weight": 2,
                            }
                        ],
                    }
                ],
            },
        ],
        "indicators": [
            {
                "code": "widgets",
                "name": text("部件", "Widgets"),
                "unit": text("个", "pieces"),
                "baseline": {"value": 10, "date": date(2021, 1, 1)},
                "targets": [{"date": date(2021, 12, 31), "value": 50, "source": "report"}],
                "measurements": [{"date": date(2021, 1, 1), "value": 10}],
            }
        ],
    }


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def reject(source: str, filename: str = FILENAME) -> PlanFileError:
    """Parse text that must be rejected; check the error's framing and return it."""
    with pytest.raises(PlanFileError) as caught:
        parse_plan_text(source, filename)
    error = caught.value
    assert error.filename == filename
    assert error.problems, "a rejected file lists at least one problem"
    assert str(error).startswith(f"{filename}: ")
    assert str(error).splitlines() == [f"{filename}: {problem}" for problem in error.problems]
    return error


# --- building mutations -------------------------------------------------------------------


def _walk(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def put(*path: Any, value: Any) -> Mutation:
    """Set the value at ``path`` (keys and list indices)."""

    def mutate(data: Any) -> Any:
        _walk(data, path[:-1])[path[-1]] = value
        return data

    return mutate


def drop(*path: Any) -> Mutation:
    """Remove the key or list entry at ``path``."""

    def mutate(data: Any) -> Any:
        del _walk(data, path[:-1])[path[-1]]
        return data

    return mutate


def append(*path: Any, value: Any) -> Mutation:
    """Append ``value`` to the list at ``path``."""

    def mutate(data: Any) -> Any:
        _walk(data, path).append(value)
        return data

    return mutate


def rename(*path: Any, to: str) -> Mutation:
    """Rename the key at ``path`` (a typo in a field name)."""

    def mutate(data: Any) -> Any:
        parent = _walk(data, path[:-1])
        parent[to] = parent.pop(path[-1])
        return data

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(data: Any) -> Any:
        for mutation in mutations:
            data = mutation(data)
        return data

    return mutate


X1 = ("groups", 0, "items", 0)
X2 = ("groups", 0, "items", 1)
Y1 = ("groups", 1, "items", 0)
X1A = (*X1, "milestones", 0)
X1B = (*X1, "milestones", 1)
X2A = (*X2, "milestones", 0)
IND = ("indicators", 0)

W_X1 = "groups[0].items[0] (X1)"
W_X2 = "groups[0].items[1] (X2)"
W_X1A = f"{W_X1}.milestones[0] (X1-a)"
W_X1B = f"{W_X1}.milestones[1] (X1-b)"
W_X2A = f"{W_X2}.milestones[0] (X2-a)"
W_IND = "indicators[0] (widgets)"

EXTRA_DEPARTMENT = {"code": "a", "name": text("重复", "Duplicate")}


def case(mutation: Mutation, where: str, message: str, *, id: str, count: int | None = 1) -> Any:
    """A bad plan: its mutation, the entry and problem expected, and how many problems in all.

    ``count=None`` leaves the total open where one mistake is reported in several places.
    """
    return pytest.param(mutation, where, message, count, id=id)


BAD_PLANS = [
    # unknown departments
    case(
        put(*X2, "lead", value="nope"),
        f"{W_X2}.lead",
        "unknown department 'nope'",
        id="unknown-lead",
        count=None,  # X2-a defaults to its item's lead, so it may name the department too
    ),
    case(
        put(*X1, "supporting", value=["b", "nope"]),
        f"{W_X1}.supporting",
        "unknown department 'nope'",
        id="unknown-supporting",
    ),
    case(
        put(*X1B, "department", value="nope"),
        f"{W_X1B}.department",
        "unknown department 'nope'",
        id="unknown-milestone-department",
    ),
    # duplicate codes
    case(
        append("departments", value=EXTRA_DEPARTMENT),
        "departments[2]",
        "duplicate code 'a' (first used at departments[0])",
        id="duplicate-department",
    ),
    case(
        put("groups", 1, "code", value="g0"),
        "groups[1]",
        "duplicate code 'g0' (first used at groups[0])",
        id="duplicate-group",
    ),
    case(
        put(*Y1, "code", value="X1"),
        "groups[1].items[0]",
        "duplicate code 'X1' (first used at groups[0].items[0])",
        id="duplicate-item",
    ),
    case(
        put(*X2A, "code", value="X1-b"),
        "groups[0].items[1].milestones[0]",
        "duplicate code 'X1-b' (first used at groups[0].items[0].milestones[1])",
        id="duplicate-milestone-across-items",
    ),
    case(
        put(*X1B, "code", value="X1-a"),
        "groups[0].items[0].milestones[1]",
        "duplicate code 'X1-a' (first used at groups[0].items[0].milestones[0])",
        id="duplicate-milestone-in-item",
    ),
    case(
        append("indicators", value={**minimal_plan()["indicators"][0], "item": "Y1"}),
        "indicators[1]",
        "duplicate code 'widgets' (first used at indicators[0])",
        id="duplicate-indicator",
    ),
    case(
        append(*IND, "targets", value={"date": date(2021, 12, 31), "value": 60}),
        f"{W_IND}.targets[1]",
        "'2021-12-31' (first used at",
        id="duplicate-target-date",
    ),
    # milestone due dates outside the plan
    case(
        put(*X1A, "due", value=date(2020, 12, 31)),
        f"{W_X1A}.due",
        "2020-12-31 is outside the plan's dates 2021-01-01..2021-12-31",
        id="milestone-before-plan-start",
    ),
    case(
        put(*X2A, "due", value=date(2022, 1, 1)),
        f"{W_X2A}.due",
        "2022-01-01 is outside the plan's dates 2021-01-01..2021-12-31",
        id="milestone-after-plan-end",
    ),
    # progress
    case(
        put(*X1B, "progress", value=-1),
        f"{W_X1B}.progress",
        "must be from 0 to 100, got -1",
        id="progress-negative",
    ),
    case(
        put(*X1B, "progress", value=101),
        f"{W_X1B}.progress",
        "must be from 0 to 100, got 101",
        id="progress-over-100",
    ),
    case(
        put(*X1B, "progress", value=50.5),
        f"{W_X1B}.progress",
        "expected a whole number from 0 to 100, got float 50.5",
        id="progress-fraction",
    ),
    case(
        put(*X1B, "progress", value="50"),
        f"{W_X1B}.progress",
        "expected a whole number from 0 to 100, got str '50'",
        id="progress-string",
    ),
    case(
        put(*X1B, "progress", value=True),
        f"{W_X1B}.progress",
        "expected a whole number from 0 to 100, got bool True",
        id="progress-bool",
    ),
    case(
        put(*X1A, "progress", value=50),
        f"{W_X1A}.progress",
        "a done milestone has progress 100, not 50",
        id="progress-done-not-100",
    ),
    # missing required fields and sections
    case(drop("plan", "code"), "plan.code", "missing required field", id="missing-plan-code"),
    case(drop("plan", "name"), "plan.name", "missing required field", id="missing-plan-name"),
    case(drop("plan", "end"), "plan.end", "missing required field", id="missing-plan-end"),
    case(
        drop("plan", "report_date"),
        "plan.report_date",
        "missing required field",
        id="missing-report-date",
    ),
    case(drop("plan"), "plan", "missing required section", id="missing-plan-section"),
    case(drop("groups"), "groups", "missing required list", id="missing-groups"),
    case(
        drop("departments", 1, "name"),
        "departments[1] (b).name",
        "missing required field",
        id="missing-department-name",
        count=None,  # places that name department b may report it unknown too
    ),
    case(drop("groups", 0, "kind"), "groups[0] (g0).kind", "missing", id="missing-group-kind"),
    case(drop(*X2, "title"), f"{W_X2}.title", "missing required field", id="missing-item-title"),
    case(drop(*X2, "lead"), f"{W_X2}.lead", "missing required field", id="missing-item-lead"),
    case(drop(*X2, "due"), f"{W_X2}.due", "missing required field", id="missing-item-due"),
    case(
        drop(*X2, "milestones"),
        f"{W_X2}.milestones",
        "missing required list",
        id="missing-milestones",
    ),
    case(
        put(*X2, "milestones", value=[]),
        f"{W_X2}.milestones",
        "an item needs at least one milestone",
        id="empty-milestones",
    ),
    case(
        drop(*X1A, "code"),
        f"{W_X1}.milestones[0].code",
        "missing required field",
        id="missing-milestone-code",
    ),
    case(drop(*X1A, "due"), f"{W_X1A}.due", "missing required field", id="missing-milestone-due"),
    case(
        put(*X1A, "due", value=None),
        f"{W_X1A}.due",
        "missing required field",
        id="null-milestone-due",
    ),
    case(
        drop(*IND, "baseline"),
        f"{W_IND}.baseline",
        "missing required field",
        id="missing-indicator-baseline",
    ),
    # wrong types and values
    case(
        put(*X2, "due", value="2021-13-01"),
        f"{W_X2}.due",
        "2021-13-01 is not a real date",
        id="date-month-13",
    ),
    case(
        put("plan", "start", value="next year"),
        "plan.start",
        "expected a date YYYY-MM-DD, got str 'next year'",
        id="date-not-a-date",
    ),
    case(
        put(*X1A, "completed_on", value=datetime(2021, 1, 20, 9, 30)),
        f"{W_X1A}.completed_on",
        "expected a date YYYY-MM-DD, got str '2021-01-20 09:30:00'",
        id="date-with-time",
    ),
    case(
        put("plan", "start", value=date(2022, 1, 1)),
        "plan",
        "start 2022-01-01 is after end 2021-12-31",
        id="plan-start-after-end",
        count=None,  # every milestone is then outside the plan's dates as well
    ),
    case(
        put(*X2, "start", value=date(2022, 1, 1)),
        W_X2,
        "start 2022-01-01 is after due 2021-12-31",
        id="item-start-after-due",
    ),
    case(
        put(*X1, "weight", value="heavy"),
        f"{W_X1}.weight",
        "expected a number, got str 'heavy'",
        id="weight-not-a-number",
    ),
    case(
        put(*X1, "weight", value=0),
        f"{W_X1}.weight",
        "must be greater than 0, got 0",
        id="weight-zero",
    ),
    case(
        put(*X1B, "weight", value=-2),
        f"{W_X1B}.weight",
        "must be greater than 0, got -2",
        id="weight-negative",
    ),
    case(
        put("plan", "name", value="Mini plan"),
        "plan.name",
        "expected {zh: ..., en: ...}, got str 'Mini plan'",
        id="name-not-a-mapping",
    ),
    case(
        put("groups", 0, "name", value={"zh": "任务"}),
        "groups[0] (g0).name",
        "missing the 'en' text",
        id="name-missing-en",
    ),
    case(
        put(*X1A, "title", value={"zh": "启动", "en": "  "}),
        f"{W_X1A}.title",
        "expected non-empty text",
        id="title-blank-en",
    ),
    case(
        put(*X1, "title", value={"zh": "任务一", "en": "Task one", "fr": "Tâche un"}),
        f"{W_X1}.title",
        "unknown language 'fr'",
        id="title-unknown-language",
    ),
    case(
        put("groups", value={"code": "g0"}),
        "groups",
        "expected a list, got dict",
        id="groups-not-a-list",
    ),
    case(
        put(*X1, "supporting", value="b"),
        f"{W_X1}.supporting",
        "expected a list of codes, got str 'b'",
        id="supporting-not-a-list",
    ),
    case(
        put(*X2A, value="X2-a"),
        "groups[0].items[1] (X2).milestones[0]",
        "expected a mapping, got str 'X2-a'",
        id="milestone-not-a-mapping",
    ),
    case(
        put(*Y1, "code", value="Y 1"),
        "groups[1].items[0].code",
        "expected a code",
        id="code-with-space",
    ),
    case(
        put("departments", 0, "coordinating", value="yes"),
        "departments[0] (a).coordinating",
        "expected true or false, got str 'yes'",
        id="flag-not-a-bool",
    ),
    case(
        put(*IND, "baseline", "value", value="ten"),
        f"{W_IND}.baseline.value",
        "expected a number, got str 'ten'",
        id="baseline-not-a-number",
    ),
    case(lambda data: [data], "file", "expected a mapping, got list", id="top-level-list"),
    # choices
    case(
        put("groups", 1, "kind", value="mission"),
        "groups[1] (g1).kind",
        "expected one of task, project, action, got str 'mission'",
        id="unknown-group-kind",
    ),
    case(
        put(*X1B, "status", value="finished"),
        f"{W_X1B}.status",
        "expected one of not_started, on_track, at_risk, delayed, done, got str 'finished'",
        id="unknown-status",
    ),
    case(
        put(*X1B, "source", value="rumour"),
        f"{W_X1B}.source",
        "expected one of report, sample, got str 'rumour'",
        id="unknown-source",
    ),
    # completion
    case(
        put(*X2A, "status", value="done"),
        f"{W_X2A}.completed_on",
        "required when status is done",
        id="done-without-completed-on",
    ),
    case(
        put(*X2A, "completed_on", value=date(2021, 5, 1)),
        f"{W_X2A}.completed_on",
        "only allowed when status is done, not not_started",
        id="completed-on-not-done",
    ),
    case(
        put(*X1B, "completed_on", value=date(2021, 5, 1)),
        f"{W_X1B}.completed_on",
        "only allowed when status is done, not on_track",
        id="completed-on-on-track",
    ),
    # unknown fields
    case(
        rename(*X2, "title", to="titel"),
        "groups[0].items[1] (X2)",
        "unknown field 'titel'",
        id="typo-item-field",
        count=2,  # and its title is missing
    ),
    case(
        put(*X1B, "statut", value="on_track"),
        f"{W_X1}.milestones[1] (X1-b)",
        "unknown field 'statut'",
        id="unknown-milestone-field",
    ),
    case(put("plan", "owner", value="a"), "plan", "unknown field 'owner'", id="unknown-plan-field"),
    case(
        rename("indicators", to="indicator"),
        "file",
        "unknown field 'indicator'",
        id="unknown-top-level-field",
    ),
    # indicators
    case(
        put(*IND, "item", value="Z9"),
        f"{W_IND}.item",
        "unknown item 'Z9'",
        id="indicator-unknown-item",
    ),
]


def test_minimal_plan_is_valid() -> None:
    """The base of every bad-file case parses, so each case's problem is its mutation."""
    spec = parse_plan_text(dump(minimal_plan()), FILENAME)

    assert spec.code == "mini"
    assert [g.code for g in spec.groups] == ["g0", "g1"]
    assert [i.code for i in spec.items] == ["X1", "X2", "Y1"]
    assert spec.indicators[0].item is None


def test_indicator_may_name_an_item_of_any_group() -> None:
    spec = parse_plan_text(dump(put(*IND, "item", value="Y1")(minimal_plan())), FILENAME)

    assert spec.indicators[0].item == "Y1"


@pytest.mark.parametrize(("mutation", "where", "message", "count"), BAD_PLANS)
def test_bad_plan_is_rejected_naming_entry_and_problem(
    mutation: Mutation, where: str, message: str, count: int
) -> None:
    data = mutation(copy.deepcopy(minimal_plan()))

    error = reject(dump(data))

    matching = [p for p in error.problems if p.startswith(f"{where}: ") and message in p]
    assert matching, f"no problem at {where!r} mentioning {message!r} in {error.problems}"
    if count is not None:
        assert len(error.problems) == count, error.problems


def test_malformed_yaml_names_the_line() -> None:
    source = dump(minimal_plan()).replace("lead: b\n", "lead: [b\n", 1)
    line = source.splitlines().index("    lead: [b") + 1

    error = reject(source)

    assert len(error.problems) == 1
    assert error.problems[0].startswith("not valid YAML: line ")
    reported = int(error.problems[0].removeprefix("not valid YAML: line ").split(",")[0])
    assert line <= reported <= line + 2  # the scanner notices a few lines after the bracket


def test_tab_indentation_is_malformed_yaml() -> None:
    error = reject("plan:\n\tcode: x\n")

    assert error.problems == [
        "not valid YAML: line 2, column 1: found character '\\t' that cannot start any token"
    ]


@pytest.mark.parametrize(
    "source", ["", "\n\n", "# only a comment\n"], ids=["empty", "blank", "comment"]
)
def test_empty_file_is_rejected(source: str) -> None:
    error = reject(source)

    assert error.problems == ["empty plan file"]


def test_top_level_scalar_is_rejected() -> None:
    error = reject("just some words\n")

    assert error.problems == ["file: expected a mapping, got str 'just some words'"]


def test_several_problems_are_reported_at_once() -> None:
    data = both(
        put(*X2, "lead", value="nope"),
        put(*X1B, "progress", value=101),
        put(*X1A, "due", value=date(2023, 1, 1)),
        put(*Y1, "weight", value=0),
    )(minimal_plan())

    error = reject(dump(data))

    assert f"{W_X2}.lead: unknown department 'nope'" in error.problems
    assert f"{W_X1B}.progress: must be from 0 to 100, got 101" in error.problems
    assert (
        f"{W_X1A}.due: 2023-01-01 is outside the plan's dates 2021-01-01..2021-12-31"
        in error.problems
    )
    assert "groups[1].items[0] (Y1).weight: must be greater than 0, got 0" in error.problems
    lines = str(error).splitlines()
    assert len(lines) == len(error.problems) >= 4
    assert all(line.startswith(f"{FILENAME}: ") for line in lines)


def test_problems_come_in_file_order() -> None:
    data = both(put(*Y1, "weight", value=0), put("plan", "code", value="bad code"))(minimal_plan())

    error = reject(dump(data))

    assert [p.split(":")[0] for p in error.problems] == [
        "plan.code",
        "groups[1].items[0] (Y1).weight",
    ]


# --- valid files --------------------------------------------------------------------------


def test_shinan_plan_parses() -> None:
    spec = parse_plan_file(DEFAULT_PLAN)

    assert spec.code == "shinan-2020"
    assert (spec.start, spec.end) == (date(2020, 1, 1), date(2022, 12, 31))
    assert [(g.code, g.kind, len(g.items)) for g in spec.groups] == [
        ("tasks", "task", 3),
        ("projects", "project", 4),
        ("actions", "action", 6),
    ]
    assert [i.code for i in spec.items] == [
        *(f"T{n}" for n in range(1, 4)),
        *(f"P{n}" for n in range(1, 5)),
        *(f"A{n}" for n in range(1, 7)),
    ]
    assert len(spec.departments) == 8
    assert [d.code for d in spec.departments if d.coordinating] == ["kjj"]


def test_shinan_5g_indicator() -> None:
    spec = parse_plan_file(DEFAULT_PLAN)
    indicator = next(i for i in spec.indicators if i.code == "5g-base-stations")

    assert indicator.item == "T1"
    assert indicator.name == Text("5G基站", "5G base stations")
    assert (indicator.baseline_value, indicator.baseline_date) == (618, date(2020, 9, 25))
    assert [(t.value, t.date, t.source) for t in indicator.targets] == [
        (970, date(2020, 12, 31), "report"),
        (1300, date(2022, 12, 31), "report"),
    ]


def test_shinan_milestones_lie_within_the_plan() -> None:
    spec = parse_plan_file(DEFAULT_PLAN)
    milestones = [m for item in spec.items for m in item.milestones]

    assert milestones
    assert all(spec.start <= m.due <= spec.end for m in milestones)
    assert all((m.status == "done") == (m.completed_on is not None) for m in milestones)


def test_small_plan_parses_with_its_own_groups() -> None:
    spec = parse_plan_file(FIXTURES / "small-plan.yaml")

    assert spec.code == "small"
    assert [(g.code, g.kind) for g in spec.groups] == [("first", "action"), ("second", "project")]
    assert [[i.code for i in g.items] for g in spec.groups] == [["X1", "X2"], ["Y1"]]
    assert [i.code for i in spec.indicators] == ["widgets"]


def test_defaults_are_filled_in() -> None:
    spec = parse_plan_file(FIXTURES / "small-plan.yaml")
    x1, x2, y1 = spec.items
    kick_off, finish = x1.milestones

    assert (x1.weight, x2.weight) == (3.0, 1.0)
    assert x1.supporting == ("it",)
    assert x2.supporting == ()
    assert x2.description == Text("", "")
    # a milestone without department belongs to its item's lead department
    assert (kick_off.department, finish.department) == ("ops", "it")
    # done means complete; otherwise not started at 0 unless said otherwise
    assert (kick_off.status, kick_off.progress) == ("done", 100)
    assert kick_off.completed_on == date(2021, 1, 20)
    only = x2.milestones[0]
    assert (only.status, only.progress, only.weight, only.source) == (
        "not_started",
        0,
        1.0,
        "sample",
    )
    assert only.completed_on is None
    assert y1.milestones[0].weight == 2.0
    assert spec.source == Text("", "")


def test_department_flags() -> None:
    spec = parse_plan_text(dump(minimal_plan()), FILENAME)

    assert [(d.code, d.coordinating, d.sample) for d in spec.departments] == [
        ("a", True, False),
        ("b", False, False),
    ]
    assert spec.items[0].facts[0].source == "report"


# --- reading from disk --------------------------------------------------------------------


def test_missing_file_is_reported_as_a_plan_file_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    with pytest.raises(PlanFileError) as caught:
        parse_plan_file(path)

    assert caught.value.filename == str(path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("cannot read the file: ")
    assert str(caught.value).startswith(f"{path}: cannot read the file")


def test_file_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(dump(minimal_plan()).encode().replace(b"Office B", b"Caf\xe9"))

    with pytest.raises(PlanFileError) as caught:
        parse_plan_file(path)

    assert caught.value.problems[0].startswith("cannot read the file: ")


def test_file_on_disk_is_named_by_its_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(dump(put(*X1B, "progress", value=101)(minimal_plan())), encoding="utf-8")

    with pytest.raises(PlanFileError) as caught:
        parse_plan_file(path)

    assert str(caught.value) == f"{path}: {W_X1B}.progress: must be from 0 to 100, got 101"


# --- regressions: each of these was once a bug ---------------------------------------------


@pytest.mark.parametrize("bad_date", ["2021-13-01", "2021-02-30"])
def test_unquoted_impossible_date_is_a_plan_file_error(bad_date: str) -> None:
    source = dump(minimal_plan()).replace("due: 2021-12-31", f"due: {bad_date}", 1)
    assert f"due: {bad_date}" in source

    error = reject(source)

    assert any(bad_date in p or "date" in p for p in error.problems)


def test_done_with_null_completed_on_is_rejected() -> None:
    data = put(*X1A, "completed_on", value=None)(minimal_plan())

    error = reject(dump(data))

    assert error.problems == [
        f"{W_X1A}.completed_on: required when status is done (or completed_by)"
    ]


def test_duplicate_is_named_by_its_position_in_the_file() -> None:
    data = both(
        append("departments", value={"code": "c"}),  # no name: invalid, dropped
        append("departments", value={"code": "b", "name": text("乙", "B again")}),
    )(minimal_plan())

    error = reject(dump(data))

    assert "departments[3]: duplicate code 'b' (first used at departments[1])" in error.problems


@pytest.mark.parametrize(
    ("mutation", "problem"),
    [
        pytest.param(
            put("groups", 0, "kind", value="mission"),
            "groups[0] (g0).kind: expected one of task, project, action, got str 'mission'",
            id="bad-group",
        ),
        pytest.param(
            put(*X1, "weight", value=0),
            f"{W_X1}.weight: must be greater than 0, got 0",
            id="bad-item",
        ),
    ],
)
def test_a_flawed_item_is_not_reported_unknown(mutation: Mutation, problem: str) -> None:
    data = both(put(*IND, "item", value="X1"), mutation)(minimal_plan())

    error = reject(dump(data))

    assert error.problems == [problem]


def test_repeated_key_is_rejected_with_its_line() -> None:
    source = dump(minimal_plan()).replace("plan:\n", "plan:\n  code: first\n", 1)

    error = reject(source)

    assert len(error.problems) == 1
    assert error.problems[0].startswith("not valid YAML: line ")
    assert "repeated key 'code'" in error.problems[0]


@pytest.mark.parametrize("weight", [float("nan"), float("inf")])
def test_weight_must_be_a_finite_number(weight: float) -> None:
    error = reject(dump(put(*X1, "weight", value=weight)(minimal_plan())))

    assert [p for p in error.problems if p.startswith(f"{W_X1}.weight: expected a number")]


def test_plan_without_groups_is_rejected() -> None:
    data = minimal_plan()
    data["groups"] = []
    data.pop("indicators", None)

    error = reject(dump(data))

    assert "groups: a plan needs at least one group" in error.problems


def test_compact_iso_date_is_not_accepted() -> None:
    error = reject(dump(put("plan", "start", value="20210101")(minimal_plan())))

    assert "plan.start: expected a date YYYY-MM-DD, got str '20210101'" in error.problems


def _milestone(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    milestone: dict[str, Any] = data["groups"][0]["items"][0]["milestones"][index]
    return milestone


def test_completed_by_says_done_by_that_day_the_day_not_given() -> None:
    data = minimal_plan()
    first = _milestone(data)
    first["completed_by"] = first.pop("completed_on")
    spec = parse_plan_text(dump(data), FILENAME)
    milestone = spec.items[0].milestones[0]
    assert (milestone.completed_on, milestone.completed_on_exact) == (date(2021, 1, 20), False)
    exact = parse_plan_text(dump(minimal_plan()), FILENAME).items[0].milestones[0]
    assert exact.completed_on_exact


def test_completed_on_and_completed_by_together_are_refused() -> None:
    data = minimal_plan()
    _milestone(data)["completed_by"] = date(2021, 1, 25)
    error = reject(dump(data))
    assert error.problems == [
        f"{W_X1A}: give completed_on (the day) or completed_by (done by then), not both"
    ]


def test_completed_by_on_an_open_milestone_is_refused() -> None:
    data = minimal_plan()
    first = _milestone(data)
    first.pop("completed_on")
    first |= {"status": "on_track", "progress": 50, "completed_by": date(2021, 1, 25)}
    error = reject(dump(data))
    assert error.problems == [
        f"{W_X1A}.completed_by: only allowed when status is done, not on_track"
    ]


@pytest.mark.parametrize(
    ("written", "day", "precision"),
    [
        ("2019-06-28", date(2019, 6, 28), "day"),
        ("2019-06", date(2019, 6, 1), "month"),
        ("2019", date(2019, 1, 1), "year"),
        (2019, date(2019, 1, 1), "year"),
    ],
)
def test_a_fact_is_dated_no_more_precisely_than_its_source(
    written: Any, day: date, precision: str
) -> None:
    data = minimal_plan()
    data["groups"][0]["items"][0]["facts"][0]["date"] = written
    fact = parse_plan_text(dump(data), FILENAME).items[0].facts[0]
    assert (fact.date, fact.precision, fact.date_text) == (day, precision, str(written))


@pytest.mark.parametrize("written", ["2019-13", "19", "2019-6", "early 2019"])
def test_a_fact_date_that_is_no_day_month_or_year_is_refused(written: str) -> None:
    data = minimal_plan()
    data["groups"][0]["items"][0]["facts"][0]["date"] = written
    error = reject(dump(data))
    assert len(error.problems) == 1
    assert "facts[0].date" in error.problems[0]
