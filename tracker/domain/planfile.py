"""Reading and validating a plan file into plain values, before anything touches a database.

The whole file is checked and every problem is reported at once, each naming the file, the
entry (by its position and code) and what is wrong, so an editor can fix a file in one go.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import yaml

from tracker.domain.status import STATUSES
from tracker.domain.text import has_control_characters

GROUP_KINDS = ("task", "project", "action")
SOURCES = ("report", "sample")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ISO_YEAR = re.compile(r"^\d{4}$")
# How much of a fact's date its source gives.
DATE_PRECISIONS = ("day", "month", "year")
# What the database columns hold, (Chinese, English): a longer text would be cut or refused.
NAME_MAX = (200, 300)
TITLE_MAX = (300, 400)
DEPARTMENT_NAME_MAX = (120, 200)
UNIT_MAX = (32, 64)
MAX_FILE_BYTES = 2 * 1024 * 1024
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")

T = TypeVar("T")


@dataclass(frozen=True)
class Text:
    """A text users read, in both languages."""

    zh: str
    en: str


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: Text
    coordinating: bool = False
    sample: bool = False


@dataclass(frozen=True)
class FactSpec:
    """A dated fact; ``precision`` month or year means ``date`` is that period's first day."""

    date: date
    text: Text
    source: str
    precision: str = "day"

    @property
    def date_text(self) -> str:
        """The date as the plan file writes it: ``2019``, ``2019-06`` or ``2019-06-28``."""
        return fact_date_text(self.date, self.precision)


def fact_date_text(day: date, precision: str) -> str:
    """A fact's date with no more than its source gives: ``2019``, ``2019-06`` or a day."""
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


@dataclass(frozen=True)
class MilestoneSpec:
    code: str
    title: Text
    due: date
    department: str
    weight: float
    status: str
    progress: int
    completed_on: date | None
    source: str
    # False for ``completed_by``: done by that day, the exact day unknown.
    completed_on_exact: bool = True


@dataclass(frozen=True)
class ItemSpec:
    code: str
    title: Text
    description: Text
    lead: str
    supporting: tuple[str, ...]
    start: date
    due: date
    weight: float
    sample: bool
    facts: tuple[FactSpec, ...]
    milestones: tuple[MilestoneSpec, ...]


@dataclass(frozen=True)
class GroupSpec:
    code: str
    kind: str
    name: Text
    items: tuple[ItemSpec, ...]


@dataclass(frozen=True)
class TargetSpec:
    date: date
    value: float
    source: str


@dataclass(frozen=True)
class MeasurementSpec:
    date: date
    value: float
    source: str
    note: Text


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    item: str | None
    name: Text
    unit: Text
    baseline_value: float
    baseline_date: date
    targets: tuple[TargetSpec, ...]
    measurements: tuple[MeasurementSpec, ...]


@dataclass(frozen=True)
class PlanSpec:
    """A whole plan file, validated."""

    code: str
    name: Text
    source: Text
    start: date
    end: date
    report_date: date
    departments: tuple[DepartmentSpec, ...]
    groups: tuple[GroupSpec, ...]
    indicators: tuple[IndicatorSpec, ...] = field(default=())

    @property
    def items(self) -> tuple[ItemSpec, ...]:
        """Every item, in file order across groups."""
        return tuple(item for group in self.groups for item in group.items)


class PlanFileError(Exception):
    """A plan file that cannot be loaded; ``problems`` lists every reason, one per line."""

    def __init__(self, filename: str, problems: list[str]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(f"{filename}: {problem}" for problem in problems))


class _Missing:
    """Marks a key that is absent, as opposed to present with a null value."""


MISSING = _Missing()


class _Reader:
    """Walks the parsed YAML, converting values and collecting problems with their place."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.departments: set[str] = set()
        self.plan_start: date | None = None
        self.plan_end: date | None = None

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def mapping(self, value: Any, where: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(where, f"expected a mapping, got {_describe(value)}")
            return None
        return value

    def sequence(self, value: Any, where: str, *, required: bool = True) -> list[Any]:
        if value is MISSING or value is None:
            if required:
                self.problem(where, "missing required list")
            return []
        if not isinstance(value, list):
            self.problem(where, f"expected a list, got {_describe(value)}")
            return []
        return value

    def field(
        self,
        data: dict[str, Any],
        key: str,
        where: str,
        convert: Callable[[Any], T],
        *,
        default: T | _Missing = MISSING,
    ) -> T | None:
        """Read ``data[key]`` through ``convert``; a missing key without default is a problem."""
        if key not in data or data[key] is None:
            if isinstance(default, _Missing):
                self.problem(f"{where}.{key}", "missing required field")
                return None
            return default
        try:
            return convert(data[key])
        except (TypeError, ValueError) as error:
            self.problem(f"{where}.{key}", str(error))
            return None

    def unknown_keys(self, data: dict[str, Any], allowed: set[str], where: str) -> None:
        for key in data:
            if key not in allowed:
                self.problem(where, f"unknown field {key!r}")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"[:80]


def _as_code(value: Any) -> str:
    if not isinstance(value, str) or not CODE_PATTERN.match(value):
        raise ValueError(
            f"expected a code (letters, digits, '-', '_', '.', at most 32), got {_describe(value)}"
        )
    return value


def _as_text_str(value: Any, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected non-empty text, got {_describe(value)}")
    if has_control_characters(value, multiline=True):
        raise ValueError("the text holds control characters (such as NUL); remove them")
    text = value.strip()
    if limit is not None and len(text) > limit:
        raise ValueError(f"the text has {len(text)} characters; at most {limit} fit")
    return text


def _text(zh_max: int | None = None, en_max: int | None = None) -> Callable[[Any], Text]:
    """A ``{zh, en}`` converter whose texts must fit their columns (None: any length)."""

    def convert(value: Any) -> Text:
        if not isinstance(value, dict):
            raise ValueError(f"expected {{zh: ..., en: ...}}, got {_describe(value)}")
        extra = set(value) - {"zh", "en"}
        if extra:
            raise ValueError(f"unknown language {sorted(extra)[0]!r}; expected zh and en")
        missing = [lang for lang in ("zh", "en") if lang not in value]
        if missing:
            raise ValueError(f"missing the {missing[0]!r} text")
        return Text(zh=_as_text_str(value["zh"], zh_max), en=_as_text_str(value["en"], en_max))

    return convert


_as_text = _text()


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"expected a date without time, got {value.isoformat()}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a real date") from None
    raise ValueError(f"expected a date YYYY-MM-DD, got {_describe(value)}")


def _as_fact_date(value: Any) -> tuple[date, str]:
    """A fact's date and how much of it is known: a day, ``YYYY-MM`` or ``YYYY``."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and ISO_YEAR.match(value):
        return date(int(value), 1, 1), "year"
    if isinstance(value, str) and (match := ISO_MONTH.match(value)):
        month = int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"{value} is not a real month")
        return date(int(match[1]), month, 1), "month"
    try:
        return _as_date(value), "day"
    except ValueError:
        raise ValueError(
            f"expected a date YYYY-MM-DD, a month YYYY-MM or a year YYYY, got {_describe(value)}"
        ) from None


def _as_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a number, got {_describe(value)}")
    return float(value)


def _as_weight(value: Any) -> float:
    weight = _as_number(value)
    if weight <= 0:
        raise ValueError(f"must be greater than 0, got {value}")
    return weight


def _as_progress(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number from 0 to 100, got {_describe(value)}")
    if not 0 <= value <= 100:
        raise ValueError(f"must be from 0 to 100, got {value}")
    return value


def _as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_describe(value)}")
    return value


def _one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {_describe(value)}")
        return str(value)

    return convert


def _code_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of codes, got {_describe(value)}")
    return tuple(_as_code(code) for code in value)


class _PlanLoader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text and refuses repeated keys.

    Dates stay strings so an impossible one (2021-13-01) is reported at its field like any
    other bad value, instead of failing inside the YAML parser; a repeated key would silently
    drop the first value, which is never what the editor meant.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Refuse aliases: a plan file needs none, and nested ones expand exponentially."""
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a plan file", mark
            )
        return super().compose_node(parent, index)


_PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _PlanLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            repeated = key in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark
            ) from None
        if repeated:
            raise yaml.constructor.ConstructorError(
                None, None, f"repeated key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_PlanLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def parse_plan_text(text: str, filename: str) -> PlanSpec:
    """Parse and validate plan-file text; raise :class:`PlanFileError` listing every problem."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_FILE_BYTES:
        raise PlanFileError(
            filename, [f"the file has {size} bytes; a plan file may have {MAX_FILE_BYTES}"]
        )
    try:
        data = yaml.load(text, Loader=_PlanLoader)  # noqa: S506  (a safe loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise PlanFileError(filename, [f"not valid YAML: {place}{problem}"]) from None
    if data is None:
        raise PlanFileError(filename, ["empty plan file"])
    return read_plan_data(data, filename)


def read_plan_data(data: Any, filename: str) -> PlanSpec:
    """Validate a plan already parsed into plain values, in the shape of a plan file.

    The one gate every plan passes: other readers (the spreadsheet, :mod:`plan_sheet`) build
    this shape and let the same checks decide, so no rule is kept in two places.
    """
    reader = _Reader()
    spec = _read_plan(reader, data)
    if reader.problems or spec is None:
        raise PlanFileError(filename, reader.problems or ["empty plan file"])
    return spec


def parse_plan_file(path: Path) -> PlanSpec:
    """Read a plan file from disk; unreadable files are reported like invalid ones."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PlanFileError(str(path), [f"cannot read the file: {error}"]) from None
    return parse_plan_text(text, str(path))


def _entries(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _declared_code(raw: Any) -> str | None:
    """An entry's code if it has a valid one, whatever else is wrong with the entry."""
    if isinstance(raw, dict):
        code = raw.get("code")
        if isinstance(code, str) and CODE_PATTERN.match(code):
            return code
    return None


def _declared(entries: list[Any], where: str) -> list[tuple[str, str]]:
    """``(place, code)`` of every entry that declares a code, by its position in the file."""
    return [
        (f"{where}[{i}]", code)
        for i, raw in enumerate(entries)
        if (code := _declared_code(raw)) is not None
    ]


def _read_plan(r: _Reader, data: Any) -> PlanSpec | None:
    """Read the whole file; codes are collected first, so one bad entry causes one problem.

    An entry with a mistake in one field still declares its code: other entries may refer to
    it, and duplicates are found, without a chain of follow-on messages.
    """
    root = r.mapping(data, "file")
    if root is None:
        return None
    r.unknown_keys(root, {"plan", "departments", "groups", "indicators"}, "file")
    known_items = _declare_codes(r, root)
    header = _read_plan_section(r, root)
    departments = tuple(
        d
        for i, raw in enumerate(r.sequence(root.get("departments", MISSING), "departments"))
        if (d := _read_department(r, raw, f"departments[{i}]")) is not None
    )
    groups = _read_groups(r, root)
    indicators = tuple(
        ind
        for i, raw in enumerate(
            r.sequence(root.get("indicators", MISSING), "indicators", required=False)
        )
        if (ind := _read_indicator(r, raw, f"indicators[{i}]", known_items)) is not None
    )
    if header is None or r.problems:
        return None
    return replace(header, departments=departments, groups=groups, indicators=indicators)


def _declare_codes(r: _Reader, root: dict[str, Any]) -> set[str]:
    """Check every declared code is unique; remember the departments; return the item codes.

    This runs before any entry is read, so a reference to an entry further down the file
    (or to one with a mistake elsewhere) is not reported as unknown.
    """
    raw_departments = _entries(root.get("departments"))
    raw_groups = _entries(root.get("groups"))
    raw_items = [
        (f"groups[{g}].items[{i}]", raw)
        for g, group in enumerate(raw_groups)
        if isinstance(group, dict)
        for i, raw in enumerate(_entries(group.get("items")))
    ]
    raw_milestones = [
        (f"{where}.milestones[{m}]", raw)
        for where, item in raw_items
        if isinstance(item, dict)
        for m, raw in enumerate(_entries(item.get("milestones")))
    ]
    declared_departments = _declared(raw_departments, "departments")
    declared_items = [(w, c) for w, raw in raw_items if (c := _declared_code(raw)) is not None]
    _check_unique(r, declared_departments)
    _check_unique(r, _declared(raw_groups, "groups"))
    _check_unique(r, declared_items)
    _check_unique(
        r, [(w, c) for w, raw in raw_milestones if (c := _declared_code(raw)) is not None]
    )
    _check_unique(r, _declared(_entries(root.get("indicators")), "indicators"))
    r.departments = {code for _, code in declared_departments}
    return {code for _, code in declared_items}


def _read_plan_section(r: _Reader, root: dict[str, Any]) -> PlanSpec | None:
    """Read ``plan:`` and remember its dates, which every milestone's due date must fall in.

    The plan comes back without its entries, which the caller reads next and adds.
    """
    plan: dict[str, Any] | None = None
    if "plan" not in root:
        r.problem("plan", "missing required section")
    else:
        plan = r.mapping(root["plan"], "plan")
    if plan is None:
        r.plan_start = r.plan_end = None
        return None
    r.unknown_keys(plan, {"code", "name", "source", "start", "end", "report_date"}, "plan")
    code = r.field(plan, "code", "plan", _as_code)
    name = r.field(plan, "name", "plan", _text(*NAME_MAX))
    source = r.field(plan, "source", "plan", _as_text, default=Text("", ""))
    start = r.field(plan, "start", "plan", _as_date)
    end = r.field(plan, "end", "plan", _as_date)
    report_date = r.field(plan, "report_date", "plan", _as_date)
    if start and end and start > end:
        r.problem("plan", f"start {start} is after end {end}")
    r.plan_start, r.plan_end = start, end
    if code is None or name is None or start is None or end is None or report_date is None:
        return None
    return PlanSpec(
        code, name, source or Text("", ""), start, end, report_date, departments=(), groups=()
    )


def _read_groups(r: _Reader, root: dict[str, Any]) -> tuple[GroupSpec, ...]:
    group_entries = r.sequence(root.get("groups", MISSING), "groups")
    if "groups" in root and isinstance(root["groups"], list) and not group_entries:
        r.problem("groups", "a plan needs at least one group")
    return tuple(
        g
        for i, raw in enumerate(group_entries)
        if (g := _read_group(r, raw, f"groups[{i}]")) is not None
    )


def _check_unique(r: _Reader, entries: list[tuple[str, str]], what: str = "code") -> None:
    seen: dict[str, str] = {}
    for where, value in entries:
        if value in seen:
            r.problem(where, f"duplicate {what} {value!r} (first used at {seen[value]})")
        else:
            seen[value] = where


def _read_department(r: _Reader, raw: Any, where: str) -> DepartmentSpec | None:
    data = r.mapping(raw, where)
    if data is None:
        return None
    code = r.field(data, "code", where, _as_code)
    where = f"{where} ({code})" if code else where
    r.unknown_keys(data, {"code", "name", "coordinating", "sample"}, where)
    name = r.field(data, "name", where, _text(*DEPARTMENT_NAME_MAX))
    coordinating = r.field(data, "coordinating", where, _as_bool, default=False)
    sample = r.field(data, "sample", where, _as_bool, default=False)
    if code is None or name is None:
        return None
    return DepartmentSpec(code, name, bool(coordinating), bool(sample))


def _read_group(r: _Reader, raw: Any, where: str) -> GroupSpec | None:
    data = r.mapping(raw, where)
    if data is None:
        return None
    code = r.field(data, "code", where, _as_code)
    label = f"{where} ({code})" if code else where
    r.unknown_keys(data, {"code", "kind", "name", "items"}, label)
    kind = r.field(data, "kind", label, _one_of(GROUP_KINDS))
    name = r.field(data, "name", label, _text(*NAME_MAX))
    raw_items = r.sequence(data.get("items", MISSING), f"{label}.items")
    if isinstance(data.get("items"), list) and not raw_items:
        r.problem(f"{label}.items", "a group needs at least one item")
    items = tuple(
        item
        for i, raw_item in enumerate(raw_items)
        if (item := _read_item(r, raw_item, f"{where}.items[{i}]")) is not None
    )
    if code is None or kind is None or name is None:
        return None
    return GroupSpec(code, kind, name, items)


def _check_department(r: _Reader, code: str | None, where: str) -> None:
    if code is not None and code not in r.departments:
        r.problem(where, f"unknown department {code!r}")


def _read_item(r: _Reader, raw: Any, where: str) -> ItemSpec | None:
    data = r.mapping(raw, where)
    if data is None:
        return None
    allowed = {"code", "title", "description", "lead", "supporting", "start", "due", "weight"}
    code = r.field(data, "code", where, _as_code)
    where = f"{where} ({code})" if code else where
    r.unknown_keys(data, allowed | {"sample", "facts", "milestones"}, where)
    title = r.field(data, "title", where, _text(*TITLE_MAX))
    description = r.field(data, "description", where, _as_text, default=Text("", ""))
    lead = r.field(data, "lead", where, _as_code)
    _check_department(r, lead, f"{where}.lead")
    no_codes: tuple[str, ...] = ()
    supporting = r.field(data, "supporting", where, _code_list, default=no_codes)
    for code_ in supporting or ():
        _check_department(r, code_, f"{where}.supporting")
    start = r.field(data, "start", where, _as_date)
    due = r.field(data, "due", where, _as_date)
    if start and due and start > due:
        r.problem(where, f"start {start} is after due {due}")
    weight = r.field(data, "weight", where, _as_weight, default=1.0)
    sample = r.field(data, "sample", where, _as_bool, default=False)
    facts = tuple(
        fact
        for i, raw_fact in enumerate(
            r.sequence(data.get("facts", MISSING), f"{where}.facts", required=False)
        )
        if (fact := _read_fact(r, raw_fact, f"{where}.facts[{i}]")) is not None
    )
    sound_start = start if start and due and start <= due else None  # else already reported
    raw_milestones = r.sequence(data.get("milestones", MISSING), f"{where}.milestones")
    if "milestones" in data and isinstance(data["milestones"], list) and not raw_milestones:
        r.problem(f"{where}.milestones", "an item needs at least one milestone")
    milestones = tuple(
        m
        for i, raw_m in enumerate(raw_milestones)
        if (m := _read_milestone(r, raw_m, f"{where}.milestones[{i}]", lead, sound_start))
        is not None
    )
    if code is None or title is None or lead is None:
        return None
    if start is None or due is None or weight is None:
        return None
    return ItemSpec(
        code=code,
        title=title,
        description=description or Text("", ""),
        lead=lead,
        supporting=tuple(supporting or ()),
        start=start,
        due=due,
        weight=weight,
        sample=bool(sample),
        facts=facts,
        milestones=milestones,
    )


def _read_fact(r: _Reader, raw: Any, where: str) -> FactSpec | None:
    data = r.mapping(raw, where)
    if data is None:
        return None
    r.unknown_keys(data, {"date", "text", "source"}, where)
    dated = r.field(data, "date", where, _as_fact_date)
    text = r.field(data, "text", where, _as_text)
    source = r.field(data, "source", where, _one_of(SOURCES), default="report")
    if dated is None or text is None or source is None:
        return None
    return FactSpec(dated[0], text, source, dated[1])


def _read_milestone(
    r: _Reader, raw: Any, where: str, item_lead: str | None, item_start: date | None
) -> MilestoneSpec | None:
    data = r.mapping(raw, where)
    if data is None:
        return None
    allowed = {"code", "title", "due", "department", "weight", "status", "progress"}
    code = r.field(data, "code", where, _as_code)
    where = f"{where} ({code})" if code else where
    r.unknown_keys(data, allowed | {"completed_on", "completed_by", "source"}, where)
    title = r.field(data, "title", where, _text(*TITLE_MAX))
    due = r.field(data, "due", where, _as_date)
    if due and r.plan_start and r.plan_end and not r.plan_start <= due <= r.plan_end:
        r.problem(f"{where}.due", f"{due} is outside the plan's dates {r.plan_start}..{r.plan_end}")
    elif due and item_start and due < item_start:
        r.problem(f"{where}.due", f"{due} is before the item's start {item_start}")
    department = r.field(data, "department", where, _as_code, default=item_lead)
    _check_department(r, department, f"{where}.department")
    weight = r.field(data, "weight", where, _as_weight, default=1.0)
    status = r.field(data, "status", where, _one_of(STATUSES), default="not_started")
    done = status == "done"
    progress = r.field(data, "progress", where, _as_progress, default=100 if done else 0)
    completed_on, exact = _read_completion(r, data, where, status)
    if done and progress is not None and progress != 100:
        r.problem(f"{where}.progress", f"a done milestone has progress 100, not {progress}")
    source = r.field(data, "source", where, _one_of(SOURCES), default="sample")
    if code is None or title is None or due is None or department is None:
        return None
    if weight is None or status is None or progress is None or source is None:
        return None
    return MilestoneSpec(
        code=code,
        title=title,
        due=due,
        department=department,
        weight=weight,
        status=status,
        progress=progress,
        completed_on=completed_on,
        source=source,
        completed_on_exact=exact,
    )


def _read_completion(
    r: _Reader, data: dict[str, Any], where: str, status: str | None
) -> tuple[date | None, bool]:
    """``completed_on`` (the day it was done) or ``completed_by`` (done by then, the day not
    given): one of them when the milestone is done, neither otherwise.
    """
    done = status == "done"
    completed_on = r.field(data, "completed_on", where, _as_date, default=None)
    completed_by = r.field(data, "completed_by", where, _as_date, default=None)
    given = [key for key in ("completed_on", "completed_by") if data.get(key) is not None]
    if len(given) == 2:
        r.problem(where, "give completed_on (the day) or completed_by (done by then), not both")
    if done and not given:
        r.problem(f"{where}.completed_on", "required when status is done (or completed_by)")
    for key in given if not done else ():
        r.problem(f"{where}.{key}", f"only allowed when status is done, not {status}")
    if completed_on is None and completed_by is not None:
        return completed_by, False
    return completed_on, True


def _read_indicator(r: _Reader, raw: Any, where: str, items: set[str]) -> IndicatorSpec | None:
    data = r.mapping(raw, where)
    if data is None:
        return None
    allowed = {"code", "item", "name", "unit", "baseline", "targets", "measurements"}
    code = r.field(data, "code", where, _as_code)
    where = f"{where} ({code})" if code else where
    r.unknown_keys(data, allowed, where)
    item = r.field(data, "item", where, _as_code, default=None)
    if item is not None and item not in items:
        r.problem(f"{where}.item", f"unknown item {item!r}")
    name = r.field(data, "name", where, _text(*NAME_MAX))
    unit = r.field(data, "unit", where, _text(*UNIT_MAX), default=Text("", ""))
    baseline = r.mapping(data.get("baseline"), f"{where}.baseline") if "baseline" in data else None
    if "baseline" not in data:
        r.problem(f"{where}.baseline", "missing required field")
    baseline_value = baseline_date = None
    if baseline is not None:
        r.unknown_keys(baseline, {"value", "date"}, f"{where}.baseline")
        baseline_value = r.field(baseline, "value", f"{where}.baseline", _as_number)
        baseline_date = r.field(baseline, "date", f"{where}.baseline", _as_date)
    targets = _read_targets(r, data, where)
    measurements = _read_measurements(r, data, where)
    if code is None or name is None or baseline_value is None or baseline_date is None:
        return None
    return IndicatorSpec(
        code=code,
        item=item,
        name=name,
        unit=unit or Text("", ""),
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        targets=tuple(targets),
        measurements=tuple(measurements),
    )


def _read_targets(r: _Reader, data: dict[str, Any], where: str) -> list[TargetSpec]:
    targets = []
    target_dates: list[tuple[str, str]] = []
    for i, raw_t in enumerate(
        r.sequence(data.get("targets", MISSING), f"{where}.targets", required=False)
    ):
        t_where = f"{where}.targets[{i}]"
        t = r.mapping(raw_t, t_where)
        if t is None:
            continue
        r.unknown_keys(t, {"date", "value", "source"}, t_where)
        when = r.field(t, "date", t_where, _as_date)
        value = r.field(t, "value", t_where, _as_number)
        source = r.field(t, "source", t_where, _one_of(SOURCES), default="sample")
        if when is not None:
            target_dates.append((t_where, str(when)))
        if when is not None and value is not None and source is not None:
            targets.append(TargetSpec(when, value, source))
    _check_unique(r, target_dates, "date")
    return targets


def _read_measurements(r: _Reader, data: dict[str, Any], where: str) -> list[MeasurementSpec]:
    measurements = []
    measurement_dates: list[tuple[str, str]] = []
    for i, raw_m in enumerate(
        r.sequence(data.get("measurements", MISSING), f"{where}.measurements", required=False)
    ):
        m_where = f"{where}.measurements[{i}]"
        m = r.mapping(raw_m, m_where)
        if m is None:
            continue
        r.unknown_keys(m, {"date", "value", "source", "note"}, m_where)
        when = r.field(m, "date", m_where, _as_date)
        value = r.field(m, "value", m_where, _as_number)
        source = r.field(m, "source", m_where, _one_of(SOURCES), default="sample")
        note = r.field(m, "note", m_where, _as_text, default=Text("", ""))
        if when is not None:
            measurement_dates.append((m_where, str(when)))
        if when is not None and value is not None and source is not None:
            measurements.append(MeasurementSpec(when, value, source, note or Text("", "")))
    _check_unique(r, measurement_dates, "date")
    return measurements


# The converters other readers of plans check single values with (each raises ValueError).
as_code = _as_code
as_number = _as_number
as_weight = _as_weight
as_progress = _as_progress
