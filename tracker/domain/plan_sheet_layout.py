"""The plan template: its sheets and columns, shared by the reader and the writer.

A 督查室 hands every department a 任务分解表 with the same columns; this is that table, plus
optional columns that carry what the tracker needs for a plan to survive a round trip
(codes, English titles, weights, status). Headings are matched by name, not position.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain.planfile import Text
from tracker.domain.sheet_values import header_key

MAIN_SHEET = "任务分解表"
PLAN_SHEET = "计划"
DEPARTMENT_SHEET = "部门"
FACT_SHEET = "背景资料"
INDICATOR_SHEET = "指标"
GUIDE_SHEET = "说明"

# Other names offices give the sheets (compared like headings).
SHEET_ALIASES = {
    MAIN_SHEET: ("任务分解表", "重点任务分解表", "任务清单", "工作任务分解表", "tasks"),
    PLAN_SHEET: ("计划", "计划信息", "plan"),
    DEPARTMENT_SHEET: ("部门", "单位", "部门清单", "departments"),
    FACT_SHEET: ("背景资料", "背景", "facts"),
    INDICATOR_SHEET: ("指标", "指标目标", "indicators"),
}


@dataclass(frozen=True)
class Column:
    """A column of a template sheet: its heading, other headings it is known by, its help."""

    key: str
    header: str
    help: Text
    aliases: tuple[str, ...] = ()
    required: bool = False
    width: float = 14
    is_date: bool = False

    @property
    def label(self) -> str:
        """The heading the template writes: required columns carry a ``*``."""
        return f"{self.header}*" if self.required else self.header

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(header_key(name) for name in (self.header, *self.aliases))


def _c(key: str, header: str, zh: str, en: str, **options: object) -> Column:
    return Column(key, header, Text(zh, en), **options)  # type: ignore[arg-type]


_MAIN_COLUMNS = (
    _c("seq", "序号", "任务的顺序号，仅供阅读。", "Sequence number, for reading only.", width=6),
    _c(
        "group",
        "任务类别",
        "任务所属类别（如“三大攻坚任务”）；空白时沿用上一行；也可用整行合并的标题行分类。",
        "The group (e.g. key tasks); blank repeats the row above; a merged heading row also "
        "starts a group.",
        aliases=("类别", "任务分类", "分类", "group"),
        width=16,
    ),
    _c(
        "group_code",
        "类别编号",
        "可选：类别的编号。",
        "Optional: the group's code.",
        aliases=("group code",),
        width=10,
    ),
    _c(
        "group_kind",
        "类别类型",
        "可选：任务、工程或行动（task/project/action）；空白时按类别名称判断。",
        "Optional: 任务, 工程 or 行动 (task/project/action); blank: guessed from the name.",
        aliases=("kind",),
        width=10,
    ),
    _c(
        "group_en",
        "类别英文名称",
        "可选：类别的英文名称；空白时用中文名称。",
        "Optional: the group's English name; blank: the Chinese one.",
        width=16,
    ),
    _c(
        "item",
        "重点任务",
        "任务名称；一个任务占多行时可合并单元格，或在下面的行留空。",
        "The item; an item spanning rows may be a merged cell, or blank below.",
        aliases=("主要任务", "工作任务", "任务名称", "任务", "item"),
        required=True,
        width=28,
    ),
    _c(
        "item_code",
        "任务编号",
        "可选：任务编号（字母、数字、-、_、.）；空白时按类别字母加序号生成（A1、A2…）。",
        "Optional: the item's code; blank: generated as group letter + number (A1, A2…).",
        aliases=("item code",),
        width=10,
    ),
    _c("item_en", "任务英文名称", "可选：任务的英文名称。", "Optional: English title.", width=24),
    _c(
        "description",
        "任务说明",
        "可选：任务的详细说明。",
        "Optional: the item's description.",
        aliases=("任务描述",),
        width=30,
    ),
    _c(
        "description_en",
        "任务英文说明",
        "可选：任务说明的英文。",
        "Optional: the description in English.",
        width=30,
    ),
    _c(
        "milestone",
        "具体措施/节点",
        "本行的具体措施或时间节点，每行一个。",
        "The milestone of this row: one per row.",
        aliases=("具体措施", "节点", "工作节点", "推进节点", "工作措施", "主要措施", "milestone"),
        required=True,
        width=36,
    ),
    _c(
        "milestone_code",
        "节点编号",
        "可选：节点编号；空白时为任务编号加序号（A1-1、A1-2…）。",
        "Optional: the milestone's code; blank: item code + number (A1-1, A1-2…).",
        aliases=("编号", "milestone code"),
        width=10,
    ),
    _c(
        "milestone_en",
        "节点英文名称",
        "可选：节点的英文名称。",
        "Optional: English title.",
        width=24,
    ),
    _c(
        "lead",
        "牵头单位",
        "牵头部门；列多个时第一个牵头，其余作为配合单位。",
        "The lead department; when several are listed the first leads, the others support.",
        aliases=("牵头部门", "lead"),
        required=True,
        width=18,
    ),
    _c(
        "supporting",
        "配合单位",
        "可选：配合部门，用、，,;；/或换行分隔。",
        "Optional: supporting departments, separated by 、，,;；/ or line breaks.",
        aliases=("配合部门", "协办单位", "supporting"),
        width=22,
    ),
    _c(
        "department",
        "责任单位",
        "可选：负责本节点的部门（一个）；空白时为牵头单位。",
        "Optional: the one department responsible for this milestone; blank: the lead.",
        aliases=("责任部门", "节点责任单位"),
        width=16,
    ),
    _c(
        "due",
        "完成时限",
        "节点的完成时限，如 2021年6月底、2021-06-30、年底前、长期坚持（见说明）。",
        "The milestone's deadline, e.g. 2021年6月底, 2021-06-30, 年底前, 长期坚持 (see notes).",
        aliases=("完成时间", "时间节点", "截止时间", "完成期限", "时限", "due"),
        required=True,
        width=14,
        is_date=True,
    ),
    _c(
        "start",
        "开始时间",
        "可选：任务的开始日期；空白时为计划开始日期。",
        "Optional: the item's start; blank: the plan's start.",
        aliases=("启动时间", "任务开始时间"),
        width=12,
        is_date=True,
    ),
    _c(
        "item_due",
        "任务完成时限",
        "可选：任务的完成时限；空白时为其最晚节点的时限。",
        "Optional: the item's due date; blank: its latest milestone's.",
        width=12,
        is_date=True,
    ),
    _c(
        "item_weight",
        "任务权重",
        "可选：任务权重，大于0，默认1。",
        "Optional: item weight, above 0, default 1.",
        width=8,
    ),
    _c(
        "weight",
        "节点权重",
        "可选：节点权重，大于0，默认1。",
        "Optional: milestone weight, above 0, default 1.",
        aliases=("权重",),
        width=8,
    ),
    _c(
        "status",
        "状态",
        "可选：未启动、按期推进、有风险、滞后、已完成；默认未启动。",
        "Optional: not started, on track, at risk, delayed, done; default not started.",
        aliases=("进展状态", "status"),
        width=10,
    ),
    _c(
        "progress",
        "进度",
        "可选：进度百分比，0到100的整数（可写45%）。",
        "Optional: progress, a whole percent 0-100 (45% is fine).",
        aliases=("完成进度", "progress"),
        width=8,
    ),
    _c(
        "completed_on",
        "完成日期",
        "状态为已完成时必填：实际完成日期；只知道不晚于某日时写“2020-09-25前”。",
        "Required when done: the completion date; write 2020-09-25前 when it is only known "
        "to be done by that day.",
        aliases=("实际完成时间", "实际完成日期"),
        width=12,
        is_date=True,
    ),
    _c(
        "source",
        "来源",
        "可选：报道（来自计划原文）或样例（示例数据）；默认样例。",
        "Optional: 报道 (from the source) or 样例 (sample data); default sample.",
        width=8,
    ),
    _c(
        "sample",
        "样例数据",
        "可选：是/否，任务的分工和日期是否为示例。",
        "Optional: 是/否, whether the item's assignment and dates are sample data.",
        aliases=("样例",),
        width=8,
    ),
    _c(
        "person",
        "责任人",
        "仅供阅读，不导入：节点的经办人请在分工页面指定。",
        "For reading only, not imported: assign people on the assignment page.",
        width=10,
    ),
    _c("notes", "备注", "仅供阅读，不导入。", "For reading only, not imported.", width=16),
)

# The office's own columns first, as a 督查室 lays them out; the tracker's optional ones after.
_ORDER = (
    "seq", "group", "item", "milestone", "lead", "supporting", "due", "person", "notes",
    "department", "start", "item_due", "status", "progress", "completed_on",
    "item_weight", "weight", "group_code", "item_code", "milestone_code", "group_kind",
    "group_en", "item_en", "milestone_en", "description", "description_en", "source", "sample",
)  # fmt: skip
MAIN_COLUMNS: tuple[Column, ...] = tuple(
    sorted(_MAIN_COLUMNS, key=lambda column: _ORDER.index(column.key))
)

PLAN_FIELDS = (
    _c(
        "code",
        "计划编号",
        "计划的编号（字母、数字、-、_、.）。",
        "The plan's code (letters, digits, - _ .).",
        required=True,
    ),
    _c("name", "计划名称", "计划的名称。", "The plan's name.", required=True),
    _c("name_en", "英文名称", "可选：英文名称。", "Optional: English name."),
    _c(
        "start",
        "开始日期",
        "计划开始日期。",
        "The plan's start.",
        required=True,
        is_date=True,
        aliases=("开始时间",),
    ),
    _c(
        "end",
        "结束日期",
        "计划结束日期；所有节点的时限都在开始和结束之间。",
        "The plan's end; every milestone is due between start and end.",
        required=True,
        is_date=True,
        aliases=("结束时间",),
    ),
    _c(
        "report_date",
        "发布日期",
        "计划印发（或报道）的日期；“年底前”等没有年份的时限按这一年理解。空白时为开始日期。",
        "The day the plan was issued; deadlines without a year (年底前) mean this year. "
        "Blank: the start date.",
        aliases=("报告日期", "印发日期", "制定日期"),
        is_date=True,
    ),
    _c("source", "来源", "可选：计划的出处。", "Optional: where the plan comes from."),
    _c("source_en", "英文来源", "可选：出处的英文。", "Optional: the source in English."),
)

DEPARTMENT_COLUMNS = (
    _c(
        "code", "编号", "部门编号（字母、数字）。", "The department's code.", required=True, width=8
    ),
    _c(
        "name",
        "中文名称",
        "部门全称，如 区科技局。",
        "Full Chinese name.",
        required=True,
        aliases=("名称", "部门名称"),
        width=22,
    ),
    _c("name_en", "英文名称", "可选：英文名称。", "Optional: English name.", width=36),
    _c(
        "aliases",
        "简称",
        "可选：表中使用的其他名称，如 工信局；用、分隔。",
        "Optional: other names used in the table, e.g. 工信局; separated by 、.",
        width=16,
    ),
    _c(
        "coordinating",
        "牵头协调",
        "可选：是/否，是否为审核进展的协调部门。",
        "Optional: 是/否, whether it is the coordinating office that reviews reports.",
        aliases=("协调部门",),
        width=10,
    ),
    _c("sample", "样例", "可选：是/否，是否为示例部门。", "Optional: 是/否, sample data.", width=8),
)

FACT_COLUMNS = (
    _c("item_code", "任务编号", "所属任务的编号。", "The item's code.", width=10),
    _c(
        "item",
        "重点任务",
        "或所属任务的名称（无编号时）。",
        "Or the item's title (without a code).",
        width=24,
    ),
    _c(
        "date",
        "日期",
        "事实发生的日期；来源只给出月份或年份时写“2019年6月”或“2019年”。",
        "When it happened; write 2019年6月 or 2019年 when the source gives only a month or a year.",
        required=True,
        is_date=True,
    ),
    _c("text", "内容", "事实内容。", "The fact.", required=True, width=50),
    _c("text_en", "英文内容", "可选：英文。", "Optional: in English.", width=50),
    _c("source", "来源", "可选：报道或样例；默认报道。", "Optional: 报道 or 样例; default 报道."),
)

INDICATOR_COLUMNS = (
    _c("code", "指标编号", "可选：指标编号；空白时生成。", "Optional: code; generated if blank."),
    _c("name", "指标名称", "指标名称。", "The indicator's name.", required=True, width=18),
    _c("name_en", "英文名称", "可选：英文名称。", "Optional: English name.", width=18),
    _c("unit", "单位", "可选：单位，如 处、家。", "Optional: unit.", width=8),
    _c("unit_en", "英文单位", "可选：单位的英文。", "Optional: unit in English.", width=8),
    _c(
        "item_code",
        "任务编号",
        "可选：指标衡量的任务（编号或名称）。",
        "Optional: the item it measures (code or title).",
        aliases=("重点任务",),
        width=10,
    ),
    _c(
        "entry",
        "类型",
        "基期、目标或实际：每个指标一行基期，目标和实际值可有多行。",
        "基期 (baseline), 目标 (target) or 实际 (measured): one baseline per indicator.",
        required=True,
        width=8,
    ),
    _c("date", "日期", "数值对应的日期。", "The date of the value.", required=True, is_date=True),
    _c("value", "数值", "数值。", "The value.", required=True, width=10),
    _c("source", "来源", "可选：报道或样例；默认样例。", "Optional: 报道 or 样例; default 样例."),
    _c("note", "说明", "可选：实际值的说明。", "Optional: a note on a measured value.", width=30),
    _c("note_en", "英文说明", "可选：说明的英文。", "Optional: the note in English.", width=30),
)

GROUP_COLUMNS = ("group", "group_code", "group_kind", "group_en")
ITEM_COLUMNS = (
    "seq",
    "item",
    "item_code",
    "item_en",
    "description",
    "description_en",
    "lead",
    "supporting",
    "start",
    "item_due",
    "item_weight",
    "sample",
)

# What status, kind, source and entry cells may say, in Chinese or English.
STATUS_WORDS = {
    "not_started": ("未启动", "未开始", "notstarted", "not_started"),
    "on_track": ("按期推进", "正常推进", "推进中", "进行中", "正常", "ontrack", "on_track"),
    "at_risk": ("有风险", "存在风险", "风险", "atrisk", "at_risk"),
    "delayed": ("滞后", "延期", "逾期", "延迟", "delayed"),
    "done": ("已完成", "完成", "已办结", "办结", "done"),
}
KIND_WORDS = {
    "task": ("任务", "task"),
    "project": ("工程", "项目", "project"),
    "action": ("行动", "action"),
}
SOURCE_WORDS = {
    "report": ("报道", "报告", "原文", "report"),
    "sample": ("样例", "示例", "sample"),
}
ENTRY_WORDS = {
    "baseline": ("基期", "基数", "基准", "baseline"),
    "target": ("目标", "目标值", "target"),
    "measurement": ("实际", "实际值", "完成值", "实绩", "measurement"),
}
# How the writer spells them (the first Chinese word of each).
STATUS_LABELS_ZH = {code: words[0] for code, words in STATUS_WORDS.items()}
KIND_LABELS_ZH = {code: words[0] for code, words in KIND_WORDS.items()}
SOURCE_LABELS_ZH = {code: words[0] for code, words in SOURCE_WORDS.items()}
ENTRY_LABELS_ZH = {code: words[0] for code, words in ENTRY_WORDS.items()}

DEFAULT_GROUP = Text("重点任务", "Key tasks")
