"""``flask directory``: the mapping of the organisation's directory groups to roles here."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from tracker.clock import utcnow
from tracker.domain.policy import ROLES
from tracker.domain.refusal import Refused, Who
from tracker.messages import messages
from tracker.services.commands.directory import map_group, unmap_group
from tracker.services.queries.directory import directory_mappings
from tracker.unit_of_work import unit_of_work

directory = AppGroup(
    "directory", help="Map the directory's groups (LDAP DNs, provider group names) to roles."
)


def _refused(error: Refused) -> None:
    with force_locale("en"):
        for text in messages(error):
            click.echo(f"Refused: {text}", err=True)
    raise click.exceptions.Exit(1)


@directory.command("map")
@click.argument("group")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The role it gives.")
@click.option("--department", default=None, help="The department's code (department roles).")
def directory_map(group: str, role: str, department: str | None) -> None:
    """Map GROUP to a role (and department); mapping it again changes what it gives.

    Members get it at their next sign-in, e.g.
    ``flask directory map cn=gxj-leads,ou=groups,dc=shinan,dc=gov,dc=cn --role dept_lead
    --department gxj``.
    """
    try:
        with unit_of_work():
            mapping = map_group(Who(now=utcnow(), address="cli"), group, role, department)
            click.echo(f"{mapping.group} → {role}{f' of {department}' if department else ''}")
    except Refused as error:
        _refused(error)


@directory.command("unmap")
@click.argument("group")
def directory_unmap(group: str) -> None:
    """Remove GROUP's mapping: its members lose what it gave at their next sign-in."""
    try:
        with unit_of_work():
            unmap_group(Who(now=utcnow(), address="cli"), group)
    except Refused as error:
        _refused(error)
    click.echo(f"Removed the mapping of {group}.")


@directory.command("list")
def directory_list() -> None:
    """Every mapped group, what it gives, tab-separated."""
    for mapping in directory_mappings():
        department = mapping.department.code if mapping.department else "-"
        click.echo(f"{mapping.group}\t{mapping.role}\t{department}")
