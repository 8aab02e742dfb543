"""A demo that was lived through: the plan carried out from its report date to its end (or
to the day given), played through the product's own commands.

``flask --app tracker seed --demo`` loads the plan and makes the demo accounts; then
:func:`play_demo_history` has the department leads report on their milestones month by month,
the coordinating office approve or return the reports, the leader write instructions (批示)
and flag items for focus (重点关注), departments ask for postponements that the admin decides,
indicator figures come in and evidence files are attached. Each step calls the command a page
or the API calls (:mod:`~tracker.services.commands.reports`, ``instructions``,
``postponements``, :func:`~tracker.services.exports.attachments.store_attachment`), once the
policy allowed its actor, with a :class:`Who` stamped with the simulated day's time: the
history, the reviews, the board's ``?as_of=`` replay and the charts are the real ones.

The story is data, at the top of this module: :data:`SCENARIO` (how each milestone's course
runs), :data:`FOCUS`, :data:`INSTRUCTIONS` and :data:`FIGURES`, keyed by the Shinan plan's
codes; :mod:`tracker.domain.demo_story` writes it out as moves, and gives whatever they do not
name (another plan, a milestone added later) a generic course drawn from the seed. Everything
written is sample data: every text starts with
:data:`~tracker.domain.demo_story.SAMPLE_MARK`, figures carry the source ``sample`` (the charts
say "sample data"), evidence files say so in their name and content.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage

from tracker.domain.demo_story import (
    SAMPLE_SOURCE,
    Course,
    Finish,
    IndicatorFacts,
    Instruct,
    ItemFacts,
    Kind,
    MilestoneFacts,
    Move,
    PlanFacts,
    Postpone,
    Reply,
    Scenario,
    plan_history,
)
from tracker.domain.plan_states import PlanState, takes_work
from tracker.domain.policy import (
    Action,
    Actor,
    ItemTarget,
    MilestoneTarget,
    ReceiptTarget,
    Role,
    Target,
    can,
)
from tracker.domain.receipts import ReceiptState
from tracker.domain.refusal import Refused, Who
from tracker.domain.reporting import ItemReport, MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import (
    Department,
    Indicator,
    Instruction,
    Item,
    Measurement,
    Milestone,
    Plan,
    Postponement,
    Receipt,
    Report,
    User,
)
from tracker.services.commands import (
    close_out,
    instructions,
    postponements,
    receipts,
    reports,
)
from tracker.services.exports.attachment_storage import AttachmentStorage
from tracker.services.exports.attachments import store_attachment
from tracker.services.queries.demo_history import recorded_work

DEFAULT_SEED = 2020
# What the history's steps give as the client address (the audit log's "from where").
ADDRESS = "demo-history"

# ------------------------------------------------------------------------------------------
# The scenario: how the Shinan plan went (sample data, invented; the figures 618, 970 and
# 1,300 base stations are the report's). Milestones it does not name run generically.

ON_TIME, LATE, NEVER = Finish.ON_TIME, Finish.LATE, Finish.NEVER
D = date  # short, for the tables below

SCENARIO: dict[str, Course] = {
    # 网络设施筑基: 970 base stations by the end of 2020, 1,300 by the end of 2022
    "T1-3": Course(ON_TIME, done=-3, evidence=True, figure="5g-base-stations"),
    "T1-4": Course(
        ON_TIME,
        done=-11,
        risk=(D(2021, 5, 1), D(2021, 7, 31)),
        why="党政机关、部分商务楼宇进场施工协调难度大，已提请区政府统筹协调",
    ),
    "T1-5": Course(ON_TIME, done=-31, evidence=True, figure="5g-base-stations"),
    # 平台引领
    "T2-3": Course(
        ON_TIME,
        done=-6,
        risk=(D(2021, 5, 1), D(2021, 6, 7)),
        why="文旅、航运两个平台的整体战略论证尚未完成",
        postpone=Postpone(
            asked=D(2021, 6, 8),
            to=D(2021, 9, 30),
            approved=True,
            reason="文化旅游、高端航运两个平台的整体战略需与工信部工业文化发展中心、"
            "青岛港集团进一步论证，申请延期至9月底。",
            decision="同意延期至9月30日，原计划日期作为基线保留，请按新节点完成。",
        ),
    ),
    "T2-4": Course(ON_TIME, done=-11, returns=1, figure="regional-hqs"),
    "T2-5": Course(ON_TIME, done=-11, figure="regional-hqs"),
    # 生态赋能
    "T3-1": Course(
        LATE,
        done=20,
        risk=(D(2021, 2, 15), D(2021, 3, 31)),
        why="扶持措施需征求财政、司法部门意见，会签流程较长",
    ),
    "T3-2": Course(
        LATE,
        done=47,
        risk=(D(2021, 4, 1), D(2021, 6, 30)),
        why="运营团队组建和场地装修进度慢于计划",
        postpone=Postpone(
            asked=D(2021, 6, 9),
            to=D(2021, 12, 31),
            approved=False,
            reason="运营团队组建和场地装修进度滞后，申请延期至年底。",
            decision="技术转移中心是国家战略部署，建成时间不宜后延。请加快推进，尽早建成运营。",
        ),
        evidence=True,
    ),
    "T3-3": Course(ON_TIME, done=-16, figure="incubation-projects"),
    "T3-4": Course(ON_TIME, done=-5, reopen=True),
    "T3-5": Course(
        NEVER,
        stall=75,
        risk=(D(2022, 9, 1), D(2022, 12, 31)),
        why="优秀服务商认定标准调整，部分企业未通过复核，年底预计74家，难以实现80家目标",
        figure="service-providers",
    ),
    # 四项重点工程
    "P1-2": Course(ON_TIME, done=-11, evidence=True),
    "P1-3": Course(ON_TIME, done=-9, returns=1),
    "P1-4": Course(ON_TIME, done=-15),
    "P2-2": Course(
        LATE,
        done=97,
        risk=(D(2021, 2, 15), D(2021, 3, 31)),
        why="联盟成员企业生产系统数据接口改造未完成，首批上线企业推迟",
        returns=1,
    ),
    "P2-3": Course(
        ON_TIME,
        done=-11,
        risk=(D(2022, 4, 1), D(2022, 5, 15)),
        why="受疫情影响，大厦装修和设备安装工期顺延",
        postpone=Postpone(
            asked=D(2022, 5, 16),
            to=D(2022, 10, 31),
            approved=True,
            reason="受疫情影响，大厦装修和设备安装工期顺延，申请延期至10月底。",
            decision="同意。请提前做好招商预热，确保按新节点投入使用。",
        ),
    ),
    "P2-4": Course(
        ON_TIME,
        done=-25,
        risk=(D(2022, 4, 1), D(2022, 6, 30)),
        why="受疫情影响，园区招商和施工进度放缓",
    ),
    "P3-1": Course(ON_TIME, done=-6, returns=1),
    "P3-2": Course(ON_TIME, done=-2, evidence=True),
    "P3-3": Course(ON_TIME, done=-20),
    "P4-1": Course(ON_TIME, done=-14, evidence=True),
    "P4-2": Course(
        LATE,
        done=33,
        risk=(D(2021, 5, 1), D(2021, 6, 30)),
        why="智慧航运、交易交割功能方案需与青岛港集团再次论证",
    ),
    "P4-3": Course(ON_TIME, done=-6),
    # 六大专项行动
    "A1-3": Course(ON_TIME, done=-15),
    "A1-4": Course(ON_TIME, done=-23, evidence=True),
    "A2-1": Course(
        LATE,
        done=39,
        risk=(D(2020, 11, 1), D(2020, 11, 30)),
        why="细化后的推进方案需提请区政府常务会审议，会期推后",
    ),
    "A2-2": Course(ON_TIME, done=-10),
    "A2-3": Course(ON_TIME, done=-3),
    "A3-1": Course(ON_TIME, done=-8, evidence=True),
    "A3-2": Course(
        NEVER,
        stall=60,
        risk=(D(2021, 4, 1), D(2021, 6, 30)),
        why="引导基金设立方案尚待市级基金管理机构审批，合作机构尚未确定",
    ),
    "A3-3": Course(
        LATE, done=45, risk=(D(2021, 8, 1), D(2021, 9, 30)), why="合作银行产品方案尚在总行审批"
    ),
    "A4-1": Course(
        LATE,
        done=25,
        risk=(D(2020, 12, 1), D(2020, 12, 31)),
        why="工信部工业文化发展中心内部审批时间推后",
    ),
    "A4-2": Course(ON_TIME, done=-12),
    "A4-3": Course(ON_TIME, done=-9, returns=1),
    "A5-1": Course(ON_TIME, done=-1),
    "A5-2": Course(ON_TIME, done=-18),
    "A5-3": Course(ON_TIME, done=-40),
    "A6-1": Course(ON_TIME, done=-16),
    "A6-2": Course(
        ON_TIME,
        done=-4,
        risk=(D(2021, 3, 1), D(2021, 4, 30)),
        why="部分平台企业扶持资金申报材料不全",
    ),
    "A6-3": Course(ON_TIME, done=-9),
}

# The leader flags items for focus (重点关注) and clears the flag: (item, day, flagged).
FOCUS: tuple[tuple[str, date, bool], ...] = (
    ("T1", D(2020, 10, 15), True),
    ("T1", D(2021, 1, 8), False),
    ("A3", D(2021, 8, 10), True),
    ("T3", D(2022, 9, 20), True),
)


INSTRUCTIONS: tuple[Instruct, ...] = (
    Instruct(
        "T1",
        D(2020, 10, 15),
        "5G基站建设是新基建的重中之重。请区工信局会同铁塔公司和三大运营商倒排工期，"
        "确保年底前开通970处，每半月报告一次进展。",
        due=D(2020, 12, 31),
        replies=(
            Reply(
                D(2020, 11, 3),
                "已建立周调度机制，与铁塔公司逐站落实选址和电力配套；截至10月底已开通726处，"
                "年底目标可以实现。",
            ),
        ),
        handled=Reply(D(2020, 12, 30), "年内开通5G基站970处的目标已于12月28日完成，详见12月报送。"),
        closed=D(2021, 1, 6),
    ),
    Instruct(
        "T3",
        D(2021, 5, 20),
        "上合组织成员国技术转移中心事关国家战略，请区科技局主动向上对接，6月底前拿出加快建设的方案。",
        due=D(2021, 6, 30),
        replies=(
            Reply(
                D(2021, 6, 2),
                "已赴省科技厅、市科技局对接，运营团队组建和场地装修同步推进，加快建设方案已报区政府。",
            ),
            Reply(D(2021, 6, 15), "方案可行，请抓紧落实，8月中旬前建成运营。", by="leader"),
        ),
        handled=Reply(D(2021, 8, 18), "技术转移中心已于8月16日建成运营。"),
        closed=D(2021, 8, 25),
    ),
    Instruct(
        "A3",
        D(2021, 8, 10),
        "政府引导基金投向工业互联网迟迟未落地，请区财政局说明原因并提出时间表。",
        due=D(2021, 8, 31),
        replies=(
            Reply(
                D(2021, 8, 26),
                "引导基金设立方案尚待市级基金管理机构审批，合作机构遴选已启动，力争年内完成设立。",
            ),
            Reply(D(2021, 9, 6), "请每月报告进展，必要时提请区政府常务会研究。", by="leader"),
        ),
        handled=Reply(D(2021, 8, 27), "已说明原因并报送时间表。"),
    ),
    Instruct(
        "P2",
        D(2022, 4, 12),
        "时尚总部大厦投入使用时间推后，请区商务局提前做好招商预热，确保投入使用后尽快满租。",
        replies=(Reply(D(2022, 4, 20), "已梳理意向入驻企业32家，正在逐户对接。"),),
    ),
)

# Indicator figures as the departments reported them: (measured on, value). The report gave
# 618 (2020-09), 970 by the end of 2020 and 1,300 by 2022; the figures between are invented.
FIGURES: dict[str, tuple[tuple[date, float], ...]] = {
    "5g-base-stations": (
        (D(2020, 10, 31), 726),
        (D(2020, 11, 30), 845),
        (D(2020, 12, 28), 970),
        (D(2021, 3, 31), 1038),
        (D(2021, 6, 30), 1102),
        (D(2021, 9, 30), 1156),
        (D(2021, 12, 31), 1203),
        (D(2022, 3, 31), 1238),
        (D(2022, 6, 30), 1259),
        (D(2022, 9, 30), 1284),
        (D(2022, 11, 30), 1300),
    ),
    "regional-hqs": (
        (D(2020, 12, 31), 11),
        (D(2021, 6, 30), 13),
        (D(2021, 12, 20), 15),
        (D(2022, 6, 30), 17),
        (D(2022, 12, 20), 20),
    ),
    "incubation-projects": (
        (D(2020, 12, 31), 38),
        (D(2021, 6, 30), 44),
        (D(2021, 12, 15), 50),
        (D(2022, 6, 30), 55),
        (D(2022, 12, 20), 61),
    ),
    "service-providers": (
        (D(2020, 12, 31), 55),
        (D(2021, 6, 30), 60),
        (D(2021, 12, 31), 64),
        (D(2022, 6, 30), 69),
        (D(2022, 12, 20), 74),
    ),
}

SHINAN = Scenario(courses=SCENARIO, focus=FOCUS, instructions=INSTRUCTIONS, figures=FIGURES)


# ------------------------------------------------------------------------------------------
# Playing the story through the product's commands


class DemoHistoryError(Exception):
    """The history cannot be played: an account is missing, or a command refused a step."""


@dataclass
class HistorySummary:
    """What playing wrote (or why nothing was played), for the command line to say."""

    played: bool
    reason: str = ""
    start: date | None = None
    until: date | None = None
    moves: int = 0
    reports: Counter[str] = field(default_factory=Counter)
    instructions: Counter[str] = field(default_factory=Counter)
    postponements: Counter[str] = field(default_factory=Counter)
    measurements: int = 0
    attachments: int = 0
    focus_changes: int = 0


def plan_facts(plan: Plan) -> PlanFacts:
    """The plan as the story is written from, in plan order."""
    items = sorted(plan.items, key=lambda i: (i.group.position, i.position, i.code))
    milestones = [
        MilestoneFacts(
            code=m.code,
            item=item.code,
            department=m.department.code,
            title=m.title_zh,
            due=m.due,
            status=Status(m.reported_status),
            progress=m.progress,
            completed_on=m.completed_on,
        )
        for item in items
        for m in sorted(item.milestones, key=lambda m: (m.position, m.code))
    ]
    indicators = db.session.scalars(
        sa.select(Indicator).where(Indicator.plan_id == plan.id).order_by(Indicator.position)
    )
    return PlanFacts(
        start=plan.report_date,
        end=plan.end,
        items=tuple(
            ItemFacts(i.code, i.title_zh, i.lead_department.code, i.lead_department.name_zh)
            for i in items
        ),
        milestones=tuple(milestones),
        indicators=tuple(
            IndicatorFacts(
                code=ind.code,
                item=ind.item.code if ind.item is not None else None,
                name=ind.name_zh,
                unit=ind.unit_zh,
                baseline=ind.baseline_value,
                targets=tuple((t.due, t.value) for t in ind.targets),
            )
            for ind in indicators
        ),
    )


class _Cast:
    """The demo accounts who act: the admin, the leader and each department's lead."""

    def __init__(self) -> None:
        users = db.session.scalars(sa.select(User).where(User.active).order_by(User.username)).all()
        self.by_name = {user.username: user for user in users}
        self.users = users
        # The coordinating office's demo lead, who reviews the departments' reports.
        self.coordinating = next(
            (
                u
                for u in users
                if u.role == Role.DEPT_LEAD
                and u.department is not None
                and u.department.is_coordinating
                and u.username == f"lead-{u.department.code}"
            ),
            None,
        )

    def _one(self, username: str, role: Role, department: Department | None = None) -> User:
        wanted = self.by_name.get(username)
        if (
            wanted is not None
            and wanted.role == role
            and (department is None or wanted.department_id == department.id)
        ):
            return wanted
        for user in self.users:
            if user.role == role and (department is None or user.department_id == department.id):
                return user
        whose = f" of {department.code}" if department is not None else ""
        raise DemoHistoryError(
            f"No active {role.value} account{whose} (the demo account is {username}): "
            "create the demo accounts first (`flask --app tracker seed --demo`)."
        )

    @property
    def admin(self) -> User:
        return self._one("admin", Role.ADMIN)

    @property
    def leader(self) -> User:
        return self._one("leader", Role.LEADER)

    def lead(self, department: Department) -> User:
        return self._one(f"lead-{department.code}", Role.DEPT_LEAD, department)

    def reviewer(self, author: User) -> User:
        """The coordinating office's lead reviews, except its own reports: the admin does."""
        if self.coordinating is None or self.coordinating.id == author.id:
            return self.admin
        return self.coordinating


def evidence_pdf(lines: Iterable[str]) -> bytes:
    """A small one-page PDF, marked as sample data, that the evidence rules accept."""
    text = " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
        for line in lines
    )
    stream = f"BT /F1 12 Tf 16 TL 72 770 Td {text} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("ascii")
    table = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode("ascii")
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{table}\n%%EOF\n"
    ).encode("ascii")
    return bytes(out)


class _Player:
    """Runs the moves in order, each as its actor through the command a page would call."""

    def __init__(self, plan: Plan, storage: AttachmentStorage) -> None:
        self.plan = plan
        self.state = PlanState(plan.state)
        self.storage = storage
        self.cast = _Cast()
        self.items = {i.code: i for i in plan.items}
        self.milestones = {m.code: m for i in plan.items for m in i.milestones}
        self.indicators = {
            i.code: i
            for i in db.session.scalars(sa.select(Indicator).where(Indicator.plan_id == plan.id))
        }
        self.reports: dict[str, Report] = {}
        self.requests: dict[str, Postponement] = {}
        self.orders: dict[int, Instruction] = {}
        self.attachments = 0
        self.focus_changes = 0
        self.handlers: dict[Kind, Callable[[Move], None]] = {
            Kind.SUBMIT: self._submit,
            Kind.SUBMIT_FIGURE: self._submit_figure,
            Kind.RETURN: self._return,
            Kind.APPROVE: self._approve,
            Kind.ASK: self._ask,
            Kind.DECIDE: self._decide,
            Kind.INSTRUCT: self._instruct,
            Kind.REPLY: self._reply,
            Kind.HANDLED: self._handled,
            Kind.CLOSE: self._close,
            Kind.FOCUS: self._focus,
            Kind.CLOSE_OUT: self._close_out,
            Kind.REOPEN: self._reopen,
            Kind.SIGN: self._sign,
            Kind.DECLINE: self._decline,
            Kind.ASSIGN_AGAIN: self._assign_again,
        }

    def play(self, moves: Iterable[Move]) -> None:
        for move in moves:
            try:
                self.handlers[move.kind](move)
            except Refused as refusal:
                what = f"{move.at.isoformat()} {move.kind} {move.milestone or move.item}"
                problems = ", ".join(refusal.problems)
                raise DemoHistoryError(f"{what}: refused ({problems})") from refusal

    # who acts, and may they

    def _who(self, move: Move, actor: User, action: Action, target: Target = None) -> Who:
        department = actor.department
        policy_actor = Actor(
            role=Role(actor.role),
            department_id=actor.department_id,
            department_coordinating=bool(department and department.is_coordinating),
            active=actor.active,
        )
        if not can(policy_actor, action, target, self.state):
            raise DemoHistoryError(
                f"{actor.username} may not {action} on plan {self.plan.code} ({move.kind} "
                f"{move.milestone or move.item})"
            )
        return Who(now=move.at, actor=actor, address=ADDRESS)

    def _today(self, move: Move) -> date:
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        return move.at.astimezone(zone).date()

    @staticmethod
    def _milestone_target(milestone: Milestone) -> MilestoneTarget:
        return MilestoneTarget(milestone.department_id, milestone.item.lead_department_id)

    @staticmethod
    def _item_target(item: Item) -> ItemTarget:
        return ItemTarget(
            item.lead_department_id, frozenset(d.id for d in item.supporting_departments)
        )

    # reports and their review

    def _submit(self, move: Move) -> None:
        milestone = self.milestones[move.milestone]
        proposal = move.proposal
        assert proposal is not None
        author = self.cast.lead(milestone.department)
        who = self._who(move, author, Action.UPDATE_MILESTONE, self._milestone_target(milestone))
        report = reports.submit_milestone_report(
            who,
            milestone,
            MilestoneReport(
                proposal.status, proposal.progress, proposal.completed_on, proposal.note
            ),
            version=milestone.version,
            today=self._today(move),
        )
        self.reports[move.milestone] = report
        if move.flag:
            self._attach(move, report, author)

    def _submit_figure(self, move: Move) -> None:
        item = self.items[move.item]
        indicator = self.indicators[move.indicator]
        author = self.cast.lead(item.lead_department)
        who = self._who(move, author, Action.UPDATE_ITEM, self._item_target(item))
        self.reports[f"@{move.item}"] = reports.submit_item_report(
            who,
            item,
            ItemReport(move.text, move.value, move.on, has_indicator=True),
            indicator=indicator,
            source=SAMPLE_SOURCE,
            version=item.version,
            today=self._today(move),
        )

    def _reviewed(self, move: Move) -> tuple[Report, Who]:
        report = self.reports[move.milestone or f"@{move.item}"]
        reviewer = self.cast.reviewer(report.author)
        return report, self._who(move, reviewer, Action.REVIEW_UPDATES)

    def _return(self, move: Move) -> None:
        report, who = self._reviewed(move)
        reports.return_report(who, report, move.text, today=self._today(move))

    def _approve(self, move: Move) -> None:
        report, who = self._reviewed(move)
        reports.approve_report(who, report, today=self._today(move))

    # close-out (销号)

    def _office(self, move: Move, milestone: Milestone) -> Who:
        office = self.cast.coordinating or self.cast.admin
        return self._who(move, office, Action.CLOSE_OUT, self._milestone_target(milestone))

    def _close_out(self, move: Move) -> None:
        milestone = self.milestones[move.milestone]
        who = self._office(move, milestone)
        close_out.close_out(who, milestone, version=milestone.version, today=self._today(move))

    def _reopen(self, move: Move) -> None:
        milestone = self.milestones[move.milestone]
        who = self._office(move, milestone)
        close_out.reopen(
            who, milestone, move.text, version=milestone.version, today=self._today(move)
        )

    def _attach(self, move: Move, report: Report, author: User) -> None:
        milestone = report.milestone
        proposal = move.proposal
        done = proposal.completed_on if proposal is not None else None
        data = evidence_pdf(
            [
                "SAMPLE DATA - generated by the Plan Tracker demo history, not a real document.",
                f"Plan {self.plan.code}, milestone {move.milestone}.",
                f"Reported done on {done.isoformat() if done else '-'}.",
            ]
        )
        upload = FileStorage(
            stream=io.BytesIO(data),
            filename=f"示例佐证-{move.milestone}.pdf",
            content_type="application/pdf",
        )
        store_attachment(
            upload,
            item=report.item,
            milestone=milestone,
            report=report,
            user=author,
            now=move.at,
            storage=self.storage,
        )
        self.attachments += 1

    # postponements

    def _ask(self, move: Move) -> None:
        milestone = self.milestones[move.milestone]
        asking = self.cast.lead(milestone.department)
        who = self._who(move, asking, Action.UPDATE_MILESTONE, self._milestone_target(milestone))
        assert move.on is not None
        self.requests[move.milestone] = postponements.request_postponement(
            who, milestone, requested_due=move.on, reason=move.text, version=milestone.version
        )

    def _decide(self, move: Move) -> None:
        request = self.requests[move.milestone]
        who = self._who(move, self.cast.admin, Action.DECIDE_POSTPONEMENT)
        if move.flag:
            postponements.approve_postponement(who, request, note=move.text)
        else:
            postponements.reject_postponement(who, request, note=move.text)

    # instructions and focus

    def _instruct(self, move: Move) -> None:
        item = self.items[move.item]
        who = self._who(move, self.cast.leader, Action.INSTRUCT)
        self.orders[move.key] = instructions.create_instruction(who, item, move.text, move.on)

    def _department_who(self, move: Move) -> Who:
        item = self.items[move.item]
        return self._who(
            move, self.cast.lead(item.lead_department), Action.UPDATE_ITEM, self._item_target(item)
        )

    def _reply(self, move: Move) -> None:
        if move.by == "leader":
            who = self._who(move, self.cast.leader, Action.INSTRUCT)
        else:
            who = self._department_who(move)
        instructions.reply(who, self.orders[move.key], move.text)

    def _handled(self, move: Move) -> None:
        instructions.mark_handled(self._department_who(move), self.orders[move.key], move.text)

    def _close(self, move: Move) -> None:
        who = self._who(move, self.cast.leader, Action.INSTRUCT)
        instructions.close(who, self.orders[move.key])

    def _focus(self, move: Move) -> None:
        item = self.items[move.item]
        who = self._who(move, self.cast.leader, Action.FLAG_FOCUS)
        if instructions.set_focus(who, item, move.flag, expected_version=item.version):
            self.focus_changes += 1

    # receipts (签收): a milestone whose receipt is no longer as the story expects (a real
    # answer, or none kept) is left as it is.

    def _pending_receipt(self, move: Move) -> tuple[Receipt, Who] | None:
        receipt = receipts.current_receipt(self.milestones[move.milestone].id)
        if receipt is None or receipt.state != ReceiptState.PENDING:
            return None
        lead = self.cast.lead(receipt.department)
        target = ReceiptTarget(receipt.department_id)
        return receipt, self._who(move, lead, Action.ANSWER_RECEIPT, target)

    def _sign(self, move: Move) -> None:
        if found := self._pending_receipt(move):
            receipt, who = found
            receipts.sign(who, receipt, responsible=move.text, work_plan=move.work_plan)

    def _decline(self, move: Move) -> None:
        if found := self._pending_receipt(move):
            receipt, who = found
            receipts.decline(who, receipt, reason=move.text)

    def _assign_again(self, move: Move) -> None:
        milestone = self.milestones[move.milestone]
        receipt = receipts.current_receipt(milestone.id)
        if receipt is None or receipt.state != ReceiptState.DECLINED:
            return
        who = self._who(move, self.cast.admin, Action.MANAGE_PLAN)
        receipts.assign_again(who, milestone)


def _date_assignments(plan: Plan, zone: ZoneInfo) -> None:
    """Date the plan's unanswered receipts on its report date, the day its work was assigned.

    A demo is loaded years after its story begins; its assignments belong to the story's
    first day, not to the moment of loading, or no signature could come after them.
    """
    assigned = datetime.combine(plan.report_date, time(9, 0), zone).astimezone(UTC)
    db.session.execute(
        sa.update(Receipt)
        .where(
            Receipt.plan_id == plan.id,
            Receipt.state == ReceiptState.PENDING,
            Receipt.assigned_at > assigned,
        )
        .values(assigned_at=assigned)
        .execution_options(synchronize_session=False, changes_plan=plan.id)
    )


def _counts(plan: Plan) -> tuple[Counter[str], Counter[str], Counter[str], int]:
    """Reports, instructions and postponements by state, and figures reported, on the plan."""

    def by_state(query: sa.Select[str, int]) -> Counter[str]:
        return Counter({state: n for state, n in db.session.execute(query)})  # noqa: C416

    report_states = by_state(
        sa.select(Report.state, sa.func.count())
        .where(Report.plan_id == plan.id)
        .group_by(Report.state)
    )
    instruction_states = by_state(
        sa.select(Instruction.state, sa.func.count())
        .join(Item, Item.id == Instruction.item_id)
        .where(Item.plan_id == plan.id)
        .group_by(Instruction.state)
    )
    request_states = by_state(
        sa.select(Postponement.state, sa.func.count())
        .join(Milestone, Milestone.id == Postponement.milestone_id)
        .where(Milestone.plan_id == plan.id)
        .group_by(Postponement.state)
    )
    figures = db.session.scalar(
        sa.select(sa.func.count(Measurement.id))
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .where(Indicator.plan_id == plan.id, sa.not_(Measurement.from_plan_file))
    )
    return report_states, instruction_states, request_states, figures or 0


def play_demo_history(
    plan: Plan,
    *,
    until: date,
    storage: AttachmentStorage,
    seed: int = DEFAULT_SEED,
    scenario: Scenario = SHINAN,
) -> HistorySummary:
    """Play the plan's sample history from its report date to ``until`` (at most its end).

    ``scenario`` tells how named milestones run (the Shinan plan's by default); the rest run
    generically, drawn from ``seed``.

    Played once: a plan that already holds reports, instructions, postponement requests or
    reported figures (an earlier play, or real work) is left alone, and the summary says why.
    Flushes and leaves the commit to the caller; a refused step raises
    :class:`DemoHistoryError` and the caller rolls everything back.
    """
    work = recorded_work(plan)
    if work.any:
        if work.is_sample_history:
            reason = "the demo history was played already"
        else:
            reason = "the plan already holds recorded work (reports, instructions or figures)"
        return HistorySummary(played=False, reason=reason)
    until = min(until, plan.end)
    if until <= plan.report_date:
        return HistorySummary(
            played=False,
            reason=f"nothing happens between the report date {plan.report_date} and {until}",
        )
    if not takes_work(PlanState(plan.state)):
        raise DemoHistoryError(f"Plan {plan.code} is {plan.state}: it takes no work.")
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    moves = plan_history(plan_facts(plan), scenario, seed=seed, until=until, zone=zone)
    _date_assignments(plan, zone)
    player = _Player(plan, storage)
    player.play(moves)
    db.session.flush()
    report_states, instruction_states, request_states, figures = _counts(plan)
    return HistorySummary(
        played=True,
        start=plan.report_date,
        until=until,
        moves=len(moves),
        reports=report_states,
        instructions=instruction_states,
        postponements=request_states,
        measurements=figures,
        attachments=player.attachments,
        focus_changes=player.focus_changes,
    )
