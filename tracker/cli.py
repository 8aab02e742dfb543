"""Command-line tools: ``flask --app tracker seed`` and friends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask

from tracker.domain.planfile import PlanFileError, parse_plan_file
from tracker.extensions import db
from tracker.models import Plan
from tracker.services.plan_sync import sync_plan

DEFAULT_PLAN = Path(__file__).resolve().parent / "plans" / "shinan-2020.yaml"


@click.command("seed")
@click.argument(
    "path", required=False, type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PLAN
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only load when the database holds no plan yet (what `make run` does on first start).",
)
def seed_command(path: Path, if_empty: bool) -> None:
    """Load a plan file (default: the Shinan plan) into the database.

    The file is validated whole first; a bad file changes nothing. Loading the same file again
    changes nothing either; a revised file updates the plan in place and keeps its history.
    """
    try:
        spec = parse_plan_file(path)
    except PlanFileError as error:
        for problem in error.problems:
            click.echo(f"{error.filename}: {problem}", err=True)
        raise click.exceptions.Exit(1) from None

    if not sa.inspect(db.engine).has_table("plan"):
        click.echo(
            "The database has no tables yet: run `flask --app tracker db upgrade`.", err=True
        )
        raise click.exceptions.Exit(1)

    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Plan)):
        click.echo("The database already holds a plan; nothing loaded.")
        return

    try:
        report = sync_plan(spec, now=datetime.now(UTC), note=f"plan file {path.name}")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise

    if report.unchanged:
        click.echo(f"{path.name}: plan {spec.code} is already up to date.")
        return
    click.echo(f"{path.name}: plan {spec.code} loaded.")
    for label, counts in (("created", report.created), ("updated", report.changed)):
        if counts:
            listed = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
            click.echo(f"  {label}: {listed}")


def init_app(app: Flask) -> None:
    """Register the commands on the app's ``flask`` command line."""
    app.cli.add_command(seed_command)
