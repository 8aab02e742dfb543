"""Command-line tools: ``flask --app tracker seed`` and friends."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from tracker.cli_directory import directory
from tracker.cli_directory import register as register_directory_commands
from tracker.clock import today, utcnow
from tracker.domain.bulletins import BulletinProblem, Month
from tracker.domain.passwords import password_problems
from tracker.domain.plan_sheet import PlanSheetError
from tracker.domain.plan_states import PLAN_STATES, PlanState
from tracker.domain.plan_yaml import dump_plan_yaml
from tracker.domain.planfile import (
    CODE_PATTERN,
    MAX_FILE_BYTES,
    PlanFileError,
    PlanSpec,
    parse_plan_file,
)
from tracker.domain.policy import ROLES
from tracker.domain.refusal import Refused, Who
from tracker.domain.reminders import DUE_SOON_DAYS, STALE_AFTER_DAYS, parse_day
from tracker.domain.webhooks import url_problems
from tracker.extensions import db
from tracker.loaders import find_department_by_code, find_plan, find_row, find_user_by_name
from tracker.messages import message, messages, sheet_problem
from tracker.models import ApiToken, CalendarDay, Plan
from tracker.readiness import Outcome, run_checks
from tracker.services.commands.accounts import create_user, deactivate_user
from tracker.services.commands.bench_data import (
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    UPDATES_PER_MILESTONE,
    BenchError,
    BenchSpec,
    BenchSummary,
    fill,
)
from tracker.services.commands.bulletins import issue_bulletin
from tracker.services.commands.calendar import load_calendar
from tracker.services.commands.demo import create_demo_accounts
from tracker.services.commands.demo_history import DEFAULT_SEED as DEFAULT_HISTORY_SEED
from tracker.services.commands.demo_history import DemoHistoryError, play_demo_history
from tracker.services.commands.plan_states import move_plan
from tracker.services.commands.plan_sync import SyncReport, sync_plan
from tracker.services.commands.reminders import (
    MailState,
    listing_lines,
    outcome_line,
    post_robot_reminders,
    record_robot_reminders,
    robot_line,
    robot_posts,
    send_reminders,
)
from tracker.services.commands.tokens import all_tokens, create_token, revoke_token
from tracker.services.exports.attachment_move import MoveError, move_local_attachments
from tracker.services.exports.attachment_storage import (
    attachment_storage,
    local_attachment_directory,
)
from tracker.services.exports.backup import BackupError, restore_backup, write_backup
from tracker.services.exports.bulletin import change_text
from tracker.services.exports.mailer import MailError, SmtpSettings, smtp_settings
from tracker.services.exports.plan_workbook import plan_workbook, read_plan_file
from tracker.services.exports.robots import RobotSettings, WebhookSettingsError, robot_settings
from tracker.services.queries.accounts import all_users
from tracker.services.queries.demo_history import history_digest
from tracker.services.queries.plan_spec import find_plan_by_code, known_departments, plan_spec
from tracker.services.queries.plans import visible_plans
from tracker.services.queries.reminders import (
    DepartmentReminders,
    reminders_by_department,
    reminders_for_department,
)
from tracker.unit_of_work import unit_of_work

DEFAULT_PLAN = Path(__file__).resolve().parent / "plans" / "shinan-2020.yaml"


@click.command("seed")
@click.argument(
    "path", required=False, type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PLAN
)
@click.option(
    "--demo",
    is_flag=True,
    help="Also create demo accounts (one per role, one lead per department) and print them.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only load when the database holds no plan yet (what `make run` does on first start).",
)
@click.option(
    "--no-history",
    is_flag=True,
    help="With --demo: the plan and the accounts only, without the sample history.",
)
@click.option(
    "--seed",
    "history_seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=None,
    help=f"With --demo: the seed of the sample history (default {DEFAULT_HISTORY_SEED}).",
)
def seed_command(
    path: Path, if_empty: bool, demo: bool, no_history: bool, history_seed: int | None
) -> None:
    """Load a plan file (default: the Shinan plan) into the database.

    The file is validated whole first; a bad file changes nothing. Loading the same file again
    changes nothing either; a revised file updates the plan in place and keeps its history.

    With --demo it also creates the demo accounts and plays a sample history of the plan from
    its report date to its end (or today): reports month by month, reviews, instructions,
    postponements, figures and evidence, all marked as sample data. The history is played
    once, on a plan nobody has worked on; the same seed plays the same history.
    """
    if not demo and (no_history or history_seed is not None):
        raise click.UsageError("--no-history and --seed go with --demo.")
    try:
        spec = parse_plan_file(path)
    except PlanFileError as error:
        for problem in error.problems:
            click.echo(f"{error.filename}: {problem}", err=True)
        raise click.exceptions.Exit(1) from None

    _require_tables()
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Plan)):
        click.echo("The database already holds a plan; nothing loaded.")
        return

    report = _load(spec, path.name)
    _echo_report(path.name, spec.code, report)
    if demo:
        _create_demo_accounts()
        _load_sample_calendar()
        if not no_history:
            _play_demo_history(
                spec.code, DEFAULT_HISTORY_SEED if history_seed is None else history_seed
            )


def _require_tables() -> None:
    """Stop with a hint when the database was never migrated."""
    if not sa.inspect(db.engine).has_table("plan"):
        _fail("The database has no tables yet: run `flask --app tracker db upgrade`.")


def _echo_report(name: str, code: str, report: SyncReport) -> None:
    """Say what loading a plan created and changed, kind by kind."""
    if report.unchanged:
        click.echo(f"{name}: plan {code} is already up to date.")
        return
    click.echo(f"{name}: plan {code} loaded.")
    for label, counts in (("created", report.created), ("updated", report.changed)):
        if counts:
            listed = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
            click.echo(f"  {label}: {listed}")


def _create_demo_accounts() -> None:
    """Create the demo accounts that do not exist yet and print their passwords once."""
    with unit_of_work():
        created = create_demo_accounts(_who())
    if not created:
        click.echo("Demo accounts exist already; their passwords were shown when they were made.")
        return
    click.echo("")
    click.echo("Demo accounts (passwords are shown only now):")
    width = max(len(account.username) for account in created)
    for account in created:
        click.echo(f"  {account.username:<{width}}  {account.password}  {account.description}")


SAMPLE_CALENDAR = Path(__file__).resolve().parent / "samples" / "holidays-cn-2020-2022.csv"


def _load_sample_calendar() -> None:
    """The demo counts working days (receipts, the evaluation) by the shipped sample of the
    Chinese public holidays of the plan's years, unless a calendar was loaded already.
    """
    if db.session.scalar(sa.select(CalendarDay.day).limit(1)) is not None:
        return
    with unit_of_work():
        done = load_calendar(SAMPLE_CALENDAR.read_bytes())
    click.echo(f"Holiday calendar (sample): {done.added} days from {SAMPLE_CALENDAR.name}.")


def _play_demo_history(code: str, seed: int) -> None:
    """Play the plan's sample history in one unit of work, and say what it wrote."""
    plan = find_plan_by_code(code)
    assert plan is not None, "the plan was just loaded"
    started = time.perf_counter()
    try:
        with unit_of_work():
            summary = play_demo_history(
                plan,
                until=min(plan.end, today()),
                storage=attachment_storage(current_app),
                seed=seed,
            )
    except DemoHistoryError as error:
        _fail(f"Demo history not played: {error}")
    if not summary.played:
        click.echo(f"Demo history: nothing played, {summary.reason}.")
        return
    seconds = time.perf_counter() - started
    click.echo("")
    click.echo(
        f"Demo history (sample data, seed {seed}): {summary.start} to {summary.until}, "
        f"{summary.moves} steps in {seconds:.1f} s."
    )
    for label, counts in (
        ("reports", summary.reports),
        ("instructions", summary.instructions),
        ("postponement requests", summary.postponements),
    ):
        listed = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        click.echo(f"    {label}: {sum(counts.values())} ({listed})")
    click.echo(f"    indicator figures: {summary.measurements}")
    click.echo(f"    evidence files: {summary.attachments}")
    click.echo(f"    focus flags set or cleared: {summary.focus_changes}")
    click.echo(f"    digest: {history_digest(plan)}")


users = AppGroup("users", help="Create, list and deactivate accounts.")


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The account's role.")
@click.option(
    "--department", "department_code", help="Department code (required for dept_lead and staff)."
)
@click.option("--display-name", default="", help="The name shown in the interface.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input; without it a one-time password is printed.",
)
def users_create(
    username: str, role: str, department_code: str | None, display_name: str, password_stdin: bool
) -> None:
    """Create an account (the first admin, or accounts for scripts)."""
    department = None
    if department_code:
        department = find_department_by_code(department_code)
        if department is None:
            _fail(f"Unknown department {department_code!r}.")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        problems = password_problems(password, username)
        if problems:
            _fail("Password refused: " + ", ".join(p.replace("_", " ") for p in problems) + ".")
    with _committed():
        user, generated = create_user(
            _who(),
            username=username,
            role=role,
            department=department,
            display_name=display_name,
            password=password,
        )
    click.echo(f"Created {user.username} ({role}).")
    if generated:
        click.echo(f"One-time password (must be changed at first sign-in): {generated}")


@users.command("list")
def users_list() -> None:
    """List every account with its role, department and state."""
    for user in all_users(case_sensitive=True):
        department = user.department.code if user.department else "-"
        state = "active" if user.active else "inactive"
        last = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "never"
        click.echo(f"{user.username}\t{user.role}\t{department}\t{state}\t{last}")


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    """Deactivate an account; its sessions end at once."""
    user = find_user_by_name(username)
    if user is None:
        _fail(f"No user {username!r}.")
    with _committed():
        changed = deactivate_user(_who(), user)
    click.echo(f"Deactivated {username}." if changed else f"{username} was already inactive.")


tokens = AppGroup("tokens", help="Create, list and revoke personal API tokens.")


@tokens.command("create")
@click.argument("username")
@click.option("--label", default="command line", help="What the token is for.")
def tokens_create(username: str, label: str) -> None:
    """Make an API token for USERNAME and print it (only now: it is stored hashed)."""
    user = find_user_by_name(username)
    if user is None:
        _fail(f"No user {username!r}.")
    with _committed():
        token, text = create_token(_who(), user, label=label)
    click.echo(f"Created token {token.id} for {user.username} ({token.label}).")
    click.echo("It is shown only now; send it as Authorization: Bearer TOKEN")
    click.echo(text)


@tokens.command("list")
def tokens_list() -> None:
    """List every token: id, user, prefix, label, state and last use (never the token)."""
    for token in all_tokens():
        state = "active" if token.active else "revoked"
        last = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
        click.echo(
            f"{token.id}\t{token.user.username}\t{token.prefix}…\t{token.label}\t{state}\t{last}"
        )


@tokens.command("revoke")
@click.argument("token_id", type=click.IntRange(min=1, max=2**31 - 1))
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID (see `tokens list`); programs using it are refused at once."""
    token = find_row(ApiToken, token_id)
    if token is None:
        _fail(f"No token {token_id}.")
    with _committed():
        changed = revoke_token(_who(), token)
    click.echo(
        f"Revoked token {token_id}." if changed else f"Token {token_id} was already revoked."
    )


def _who() -> Who:
    """The command line as the actor of a change: the system itself, from "cli"."""
    return Who(now=utcnow(), address="cli")


def _load(spec: PlanSpec, filename: str, new_state: PlanState = PlanState.ACTIVE) -> SyncReport:
    """Load ``spec`` in one unit of work; a closed plan refuses (status 1, nothing written)."""
    try:
        with unit_of_work():
            return sync_plan(spec, now=utcnow(), note=filename, new_state=new_state)
    except Refused as refusal:
        with force_locale("en"):
            _fail(f"{filename}: " + "; ".join(messages(refusal)))


def _fail(message: str) -> NoReturn:
    """Say what went wrong on standard error and end with status 1."""
    click.echo(message, err=True)
    raise click.exceptions.Exit(1)


@contextmanager
def _committed() -> Iterator[None]:
    """One unit of work: committed, or rolled back with the refusal's problems printed."""
    try:
        with unit_of_work():
            yield
    except Refused as error:
        _fail("Refused: " + ", ".join(p.replace("_", " ") for p in error.problems) + ".")


def _parse_as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; write it as YYYY-MM-DD, for example 2020-12-25."
        ) from None


CHANNELS = ("email", "robot")


@click.command("remind")
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    callback=_parse_as_of,
    help="The district day to judge by (default: today).",
)
@click.option("--department", "department_code", help="Only this department (its code).")
@click.option("--plan", "plan_code", help="This plan (its code; default: the default plan).")
@click.option(
    "--channel",
    "channels",
    type=click.Choice(CHANNELS),
    multiple=True,
    help="Send by e-mail, to group robots, or both (the default); repeat to name both.",
)
def remind_command(
    as_of: date | None,
    department_code: str | None,
    plan_code: str | None,
    channels: tuple[str, ...],
) -> None:
    """List per department what is overdue, due soon or stale (催办), and send it.

    Each department with something to report and an e-mail address gets one message in
    Chinese when TRACKER_SMTP_HOST is set; without it the lists are only printed. The same
    lists go as cards to the group robots an admin set up for the plan or the department
    (/admin/webhooks). Any message not sent ends the command with status 1.
    """
    plan = find_plan(plan_code)
    if plan is None:
        if plan_code:
            _fail(f"No plan {plan_code!r}.")
        _fail("No plan is loaded: run `flask --app tracker seed` first.")
    chosen = set(channels or CHANNELS)
    try:
        settings = smtp_settings(current_app.config)
        robots = robot_settings(current_app.config)
    except (MailError, WebhookSettingsError) as error:
        _fail(f"Settings refused: {error}")
    base_url = current_app.config.get("TRACKER_BASE_URL") or ""
    if base_url and url_problems(base_url):
        _fail(f"TRACKER_BASE_URL is not an http(s) address: {base_url!r}")
    day = as_of or today()
    if department_code:
        department = find_department_by_code(department_code)
        if department is None:
            raise click.BadParameter(
                f"no department {department_code!r}", param_hint="'--department'"
            )
        lists = [reminders_for_department(plan, department.id, day)]
    else:
        lists = reminders_by_department(plan, day)
    click.echo(
        f"Reminders for {plan.code} as of {day.isoformat()}: overdue, due within "
        f"{DUE_SOON_DAYS} days, no update for over {STALE_AFTER_DAYS} days."
    )
    for entry in lists:
        click.echo("")
        for line in listing_lines(entry):
            click.echo(line)
    failed = False
    if "email" in chosen:
        failed |= _remind_by_email(plan, lists, settings)
    if "robot" in chosen:
        failed |= _remind_by_robots(plan, lists, robots, base_url)
    if failed:
        raise click.exceptions.Exit(1)


def _remind_by_email(
    plan: Plan, lists: list[DepartmentReminders], settings: SmtpSettings | None
) -> bool:
    """Mail the lists (or say mail is off); True when a message was not sent."""
    with unit_of_work():
        outcomes = send_reminders(_who(), plan, lists, settings=settings)
    click.echo("")
    if settings is None:
        click.echo("Mail is off (TRACKER_SMTP_HOST is not set): nothing was sent.")
    else:
        click.echo(f"Mail through {settings.host}:{settings.port}:")
    for outcome in outcomes:
        click.echo(f"  {outcome_line(outcome)}")
    return any(outcome.state is MailState.FAILED for outcome in outcomes)


def _remind_by_robots(
    plan: Plan, lists: list[DepartmentReminders], settings: RobotSettings, base_url: str
) -> bool:
    """Post the lists to the group robots; True when a card was not taken.

    Failures are also logged (logger ``tracker.robots``) as each attempt fails.
    """
    posts = robot_posts(plan, lists)
    click.echo("")
    if not posts:
        click.echo(
            "Group robots: none is set up for this plan or its departments with something "
            "to report (admins: /admin/webhooks)."
        )
        return False
    if not base_url:
        click.echo("TRACKER_BASE_URL is not set: the cards carry no link to the tracker.")
    click.echo(f"Group robots ({len(posts)} cards):")
    outcomes = post_robot_reminders(posts, plan, settings=settings, base_url=base_url)
    with unit_of_work():
        record_robot_reminders(_who(), plan, outcomes)
    for outcome in outcomes:
        click.echo(f"  {robot_line(outcome)}")
    return not all(outcome.delivery.ok for outcome in outcomes)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(target: Path) -> None:
    """Write every table and every evidence file to TARGET (a zip any engine can restore)."""
    summary = write_backup(target, attachment_storage(current_app))
    rows = sum(summary.rows.values())
    click.echo(f"Backed up {rows} rows in {len(summary.rows)} tables and {summary.files} files.")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(source: Path) -> None:
    """Restore SOURCE into this database, which must be empty and migrated (flask db upgrade)."""
    try:
        summary = restore_backup(source, attachment_storage(current_app))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(summary.rows.values())
    click.echo(f"Restored {rows} rows in {len(summary.rows)} tables and {summary.files} files.")
    if summary.unclaimed:
        click.echo(f"Left out {summary.unclaimed} files that no evidence row names.")


attachments = AppGroup(
    "attachments",
    help="Evidence files: move those kept on this machine's disk into the shared storage.",
)


@attachments.command("move")
@click.option("--dry-run", is_flag=True, help="Only say what would be moved; change nothing.")
def move_attachments_command(dry_run: bool) -> None:
    """Move the files in instance/attachments/ into the configured storage (the database,
    or TRACKER_ATTACHMENTS_DIR). Each file is checked against its row's sha256 and deleted
    here only once it is stored; run it on every machine that kept files, as often as needed.
    """
    source = local_attachment_directory(current_app)
    storage = attachment_storage(current_app)
    try:
        report = move_local_attachments(source, storage, dry_run=dry_run)
    except MoveError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"From {source} into {storage.description}" + (" (dry run):" if dry_run else ":"))
    click.echo(f"  {'would move' if dry_run else 'moved'}: {len(report.moved)}")
    click.echo(f"  already stored: {len(report.already_stored)}")
    for label, names in (
        ("kept, sha256 differs from its row", report.mismatched),
        ("kept, no evidence row names it", report.unknown),
        ("missing, neither here nor stored", report.missing),
    ):
        click.echo(f"  {label}: {len(names)}")
        for name in names:
            click.echo(f"    {name}")
    click.echo(f"  kept, could not be stored: {len(report.failed)}")
    for name, reason in report.failed:
        click.echo(f"    {name}: {reason}")
    if report.problems:
        raise click.exceptions.Exit(1)


plans = AppGroup(
    "plans",
    help="Load plans from the spreadsheet template or a plan file; export them; list them\n"
    "and move them through their states.",
)


def _check_code(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not CODE_PATTERN.match(value):
        raise click.BadParameter("1 to 32 letters, digits, '.', '-' or '_'")
    return value


@plans.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code", callback=_check_code, help="Use this plan code instead of the file's.")
@click.option("--active", is_flag=True, help="A new plan starts active, not as a draft for admins.")
def plans_import(path: Path, code: str | None, active: bool) -> None:
    """Load a plan from PATH: the spreadsheet template (.xlsx) or a plan file (.yaml).

    The file is checked whole first; on any problem every one is listed, nothing is written
    and the command ends with status 1. Loading the same file again changes nothing. A new
    plan is a draft (seen by admins only) until `plans state CODE active`, or --active.
    """
    _require_tables()
    if path.stat().st_size > MAX_FILE_BYTES:
        _fail(f"{path.name}: the file is larger than {MAX_FILE_BYTES // 1048576} MB.")
    try:
        spec = read_plan_file(path.read_bytes(), path.name, known_departments(), code=code)
    except PlanSheetError as error:
        with force_locale("en"):
            for problem in error.problems:
                click.echo(f"{path.name}: {sheet_problem(problem)}", err=True)
        raise click.exceptions.Exit(1) from None
    report = _load(spec, path.name, PlanState.ACTIVE if active else PlanState.DRAFT)
    _echo_report(path.name, spec.code, report)


@plans.command("export")
@click.argument("code")
@click.option(
    "--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default="yaml", show_default=True
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file."
)
def plans_export(code: str, fmt: str, output: Path | None) -> None:
    """Write plan CODE as a plan file (YAML) or in the spreadsheet template (xlsx).

    Without -o the YAML goes to standard output; so does the xlsx, as bytes, unless standard
    output is a terminal.
    """
    plan = find_plan_by_code(code)
    if plan is None:
        _fail(f"No plan {code!r}.")
    spec = plan_spec(plan)
    data = dump_plan_yaml(spec).encode("utf-8") if fmt == "yaml" else plan_workbook(spec)
    if output is not None:
        output.write_bytes(data)
        click.echo(f"Wrote plan {code} to {output}.", err=True)
        return
    stream = sys.stdout.buffer
    if fmt == "xlsx" and stream.isatty():
        _fail("An .xlsx file is binary: give -o FILE or redirect standard output.")
    stream.write(data)
    stream.flush()


@plans.command("list")
def plans_list() -> None:
    """Every plan: code, state, period and name."""
    for plan in visible_plans(include_drafts=True):
        closed = f" (closed on {plan.closed_on})" if plan.closed_on else ""
        period = f"{plan.start} – {plan.end}"
        click.echo(f"{plan.code:<20} {plan.state:<9} {period}  {plan.name_zh}{closed}")


@plans.command("state")
@click.argument("code")
@click.argument("state", type=click.Choice(PLAN_STATES))
def plans_state(code: str, state: str) -> None:
    """Move plan CODE to STATE (activate a draft, close, reopen, archive); recorded.

    A plan closes only with no report or postponement request waiting for a decision.
    """
    plan = find_plan_by_code(code)
    if plan is None:
        _fail(f"No plan {code!r}.")
    before = PlanState(plan.state)
    try:
        with unit_of_work():
            move_plan(_who(), plan, seen=before, wanted=PlanState(state), today=today())
    except Refused as refusal:
        with force_locale("en"):
            _fail("; ".join(messages(refusal)))
    click.echo(f"Plan {code}: {before.value} → {state}.")


@click.command("bench-data")
@click.option(
    "--plans",
    type=click.IntRange(1, 999),
    default=1,
    show_default=True,
    help="Plans to write: bench-01, bench-02, …, each shaped like the Shinan plan.",
)
@click.option(
    "--milestones-per-item",
    type=click.IntRange(1, 999),
    default=4,
    show_default=True,
    help="Milestones of each of a plan's 13 items.",
)
@click.option(
    "--updates",
    type=click.IntRange(min=0),
    default=None,
    help=f"History rows in all, over every plan [default: {UPDATES_PER_MILESTONE} a milestone].",
)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    default=None,
    help="Accounts in all [default and least: an admin, a leader and one lead per "
    "department]; more are extra department leads.",
)
@click.option(
    "--seed",
    type=int,
    default=DEFAULT_SEED,
    show_default=True,
    help="The same seed and options write the same rows into an empty database.",
)
@click.option(
    "--password",
    default=DEFAULT_PASSWORD,
    show_default=True,
    help="The password of every bench account: for a scratch database only.",
)
@click.option(
    "--into-default-database",
    is_flag=True,
    help="Allow writing into the database `make run` uses (instance/tracker.sqlite3).",
)
@click.option(
    "--allow-existing-plans",
    is_flag=True,
    help="Add the bench plans to a database that already holds plans.",
)
def bench_data_command(  # noqa: PLR0917  (one parameter per option)
    plans: int,
    milestones_per_item: int,
    updates: int | None,
    users: int | None,
    seed: int,
    password: str,
    into_default_database: bool,
    allow_existing_plans: bool,
) -> None:
    """Fill the database with plan-shaped sample data for the bench (fast, seeded).

    Point TRACKER_DATABASE_URL at a scratch database migrated with `flask db upgrade`. The
    history is spread over the plan period and replays to the milestones' state; reports are
    in every review state; there are instructions, postponements and measurements.
    """
    if _is_default_database() and not into_default_database:
        _fail(
            "Refused: this is the database `make run` uses "
            f"({db.engine.url.database}). Set TRACKER_DATABASE_URL to a scratch database, "
            "or pass --into-default-database."
        )
    _require_tables()
    if not allow_existing_plans and db.session.scalar(sa.select(sa.func.count()).select_from(Plan)):
        _fail(
            "Refused: the database already holds plans. Use an empty database, "
            "or pass --allow-existing-plans to add the bench plans beside them."
        )
    spec = BenchSpec(
        plans=plans,
        milestones_per_item=milestones_per_item,
        updates=updates,
        users=users,
        password=password,
    )
    started = time.perf_counter()
    try:
        with unit_of_work():
            summary = fill(spec, seed=seed)
    except BenchError as error:
        _fail(f"Refused: {error}")
    if db.engine.dialect.name == "postgresql":
        # Fresh statistics, so the first pages the bench measures are planned on real sizes.
        with db.engine.connect() as connection:
            connection.execute(sa.text("ANALYZE"))
            connection.commit()
    _echo_bench(summary, seed, password, time.perf_counter() - started)


def _is_default_database() -> bool:
    """Whether the app writes into instance/tracker.sqlite3, the database of `make run`."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    default = Path(current_app.instance_path) / "tracker.sqlite3"
    return Path(url.database).resolve() == default.resolve()


def _echo_bench(summary: BenchSummary, seed: int, password: str, seconds: float) -> None:
    """What was written, the plan codes and the accounts to sign in with."""
    rows = summary.rows
    states = ", ".join(f"{state} {n}" for state, n in sorted(summary.report_states.items()))
    click.echo(f"Bench data written in {seconds:.1f} s (seed {seed}):")
    click.echo(
        f"  plans {rows['plan']}, items {rows['item']}, milestones {rows['milestone']}, "
        f"history rows {rows['plan_update']}"
    )
    click.echo(f"  reports {rows['report']} ({states})")
    click.echo(
        f"  instructions {rows['instruction']}, replies {rows['instruction_reply']}, "
        f"postponements {rows['postponement']}, measurements {rows['measurement']}"
    )
    click.echo(f"Plans: {' '.join(summary.plan_codes)}")
    click.echo(f"Accounts (password: {password}):")
    width = max(len(account.username) for account in summary.accounts)
    for account in summary.accounts:
        department = f"  {account.department}" if account.department else ""
        click.echo(f"  {account.username:<{width}}  {account.role}{department}")
    click.echo(f"Set TRACKER_PLAN_CODE={summary.plan_codes[0]} to make it the default plan.")


@click.command("bulletin")
@click.option("--plan", "plan_code", help="The plan (its code; default: the default plan).")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM", help="The month.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the .docx to this file.",
)
@click.option("--lang", "language", default="zh", show_default=True, help="zh or en.")
def bulletin_command(plan_code: str | None, month_text: str, output: Path, language: str) -> None:
    """Write the month's supervision bulletin (督办通报) as a Word document, and keep it in the
    history of bulletins (as the page does), saying what changed since the previous one of
    that month.

    Its figures are the board's at the month's last day (today, while the month is not over).
    A bad plan, month or language is refused with status 1, and nothing is written.
    """
    plan = find_plan(plan_code)
    if plan is None:
        _fail(f"No plan {plan_code!r}." if plan_code else "No plan is loaded.")
    with force_locale("en"):
        try:
            month = Month.parse(month_text)
        except ValueError:
            _fail(message(BulletinProblem.MONTH_MALFORMED, {"month": month_text}))
    written = False
    try:
        with unit_of_work():
            issued = issue_bulletin(
                _who(),
                plan,
                month,
                language.strip(),
                today=today(),
                margin=float(current_app.config["TRACKER_BEHIND_MARGIN"]),
                zone=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
            )
            output.write_bytes(issued.bulletin.content)
            written = True
    except Refused as refusal:
        with force_locale("en"):
            _fail("; ".join(messages(refusal)))
    except OSError as error:
        if written:
            output.unlink(missing_ok=True)
        _fail(f"Cannot write {output}: {error.strerror or error}.")
    except BaseException:
        if written:
            output.unlink(missing_ok=True)
        raise
    bulletin = issued.bulletin
    click.echo(
        f"Wrote the bulletin of {plan.code} for {month} (No. {issued.number} of that month, "
        f"figures as of {bulletin.as_of.isoformat()}, {bulletin.language}) to {output} "
        f"({bulletin.size:,} bytes)."
    )
    if issued.number > 1:
        changes = issued.changes
        with force_locale("en"):
            if not changes:
                click.echo(f"No figure changed since No. {issued.number - 1}.")
            else:
                click.echo(f"Changed since No. {issued.number - 1}:")
                for change in changes:
                    click.echo(f"  {change_text(change)}")


@click.command("check")
def check_command() -> None:
    """Check this machine is ready to serve: database, migrations, secret key, attachment
    storage, cache and compiled catalogs.

    One line per check (OK, WARN, FAIL or SKIP, and why); the exit status is 1 if any
    check fails, so a deploy script can run it before putting the machine behind the proxy.
    """
    results = run_checks(current_app)
    for result in results:
        click.echo(result.line())
    if any(result.outcome is Outcome.FAIL for result in results):
        raise click.exceptions.Exit(1)


# The working-day calendar of the department evaluation (考评).
calendar = AppGroup(
    "calendar", help="Load the holiday calendar the evaluation counts working days by."
)


@calendar.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_load(path: Path) -> None:
    """Load holidays and make-up working days from PATH (CSV: date,kind,name).

    The file is checked whole first: a bad line refuses it, naming the line, and nothing is
    written. Loading the same file again changes nothing. A sample with the Chinese public
    holidays of 2020 to 2022 is tracker/samples/holidays-cn-2020-2022.csv.
    """
    _require_tables()
    try:
        with unit_of_work():
            done = load_calendar(path.read_bytes())
    except Refused as error:
        with force_locale("en"):
            for text in messages(error):
                click.echo(f"{path.name}: {text}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(
        f"{path.name}: {done.added} days added, {done.changed} changed, "
        f"{done.unchanged} already as listed."
    )


def init_app(app: Flask) -> None:
    """Register the commands on the app's ``flask`` command line."""
    app.cli.add_command(seed_command)
    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(remind_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(attachments)
    app.cli.add_command(plans)
    app.cli.add_command(bench_data_command)
    app.cli.add_command(check_command)
    app.cli.add_command(bulletin_command)
    app.cli.add_command(calendar)
    register_directory_commands(users)
    app.cli.add_command(directory)
