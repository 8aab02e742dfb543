"""``flask directory``: the mapping of the organisation's directory groups to roles here,
checking accounts against the directory (``sync``), and the dry run ``flask users resolve``."""

from __future__ import annotations

from typing import NoReturn

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from tracker.auth.ldap_directory import LdapDirectory, ldap_directory
from tracker.clock import utcnow
from tracker.domain.directory import Identity, Source
from tracker.domain.policy import ROLES
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.messages import messages
from tracker.models import User
from tracker.services.commands.directory import map_group, unmap_group
from tracker.services.commands.directory_sync import check_account
from tracker.services.commands.signin import DirectoryUnavailable
from tracker.services.queries.accounts import user_named
from tracker.services.queries.directory import directory_mappings
from tracker.services.queries.directory_access import access_of, mappings
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


# Exit statuses: 1 the person may not sign in (or is unknown), 2 the directory did not answer.
NOT_ALLOWED = 1
UNAVAILABLE = 2

# The refusals in words, as the command line says them (the sign-in page has its own).
_PROBLEMS = {
    "no_mapped_group": "none of their groups is mapped",
    "two_departments": "their groups give two departments and the directory does not say which",
    "name_taken_locally": "a local account already has this user name",
    "account_inactive": "their account here is deactivated",
    "department_unknown": "their group names a department that is not active here",
}


def _stop(message: str, status: int) -> NoReturn:
    click.echo(message, err=True)
    raise click.exceptions.Exit(status)


def _directory() -> LdapDirectory:
    directory = ldap_directory(current_app.config)
    if directory is None:
        _stop("LDAP sign-in is off: TRACKER_LDAP_URL is not set.", NOT_ALLOWED)
    return directory


def _unavailable(error: DirectoryUnavailable) -> NoReturn:
    _stop(f"The directory does not answer ({error}); nothing was changed.", UNAVAILABLE)


@click.command("resolve")
@click.argument("username")
def users_resolve(username: str) -> None:
    """Show what the directory says about USERNAME and what the mapping gives them.

    Nothing is written and no password is asked for. Exit status 1 when the directory does not
    know them or they may not sign in, 2 when the directory does not answer.
    """
    local = user_named(username)
    if local is not None and local.source == Source.LOCAL:
        click.echo(f"{local.username} is a local account ({local.role}): it signs in with its")
        click.echo("own password here, never through the directory.")
        return
    try:
        identity = _directory().lookup(username)
    except DirectoryUnavailable as error:
        _unavailable(error)
    if identity is None:
        _stop(f"The directory has no {username!r} (or more than one entry matches).", NOT_ALLOWED)
    _echo_identity(identity)
    access = access_of(identity)
    if not access.allowed:
        reason = _PROBLEMS.get(str(access.problem), str(access.problem))
        _stop(f"Refused: {reason}.", NOT_ALLOWED)
    resolution = access.resolution
    click.echo(f"Role: {resolution.role}")
    click.echo(f"Department: {resolution.department or '-'}")
    click.echo("Mapped groups: " + "; ".join(resolution.groups))
    if access.account is None:
        click.echo("No account yet: it is made at the first sign-in.")


def _echo_identity(identity: Identity) -> None:
    click.echo(f"Directory entry: {identity.subject}")
    click.echo(f"Name: {identity.display_name or '-'}")
    click.echo(f"E-mail: {identity.email or '-'}")
    click.echo(f"Department attribute: {identity.department_hint or '-'}")
    click.echo("Groups: " + ("; ".join(identity.groups) or "(none)"))


@directory.command("sync")
def directory_sync() -> None:
    """Check every LDAP account against the directory now.

    An account no longer in the directory, no longer let in by the mapping, or whose role or
    department the mapping now puts otherwise has its sessions ended: the next sign-in applies
    what the directory says. Nothing is changed when the directory does not answer (status 2).
    """
    directory = _directory()
    accounts = list(
        db.session.scalars(
            sa.select(User).where(User.source == Source.LDAP).order_by(User.username)
        )
    )
    try:
        found = {user.id: directory.lookup(user.username) for user in accounts}
    except DirectoryUnavailable as error:
        _unavailable(error)
    who = Who(now=utcnow(), address="cli")
    with unit_of_work():
        known = mappings()
        checks = [check_account(who, user, found[user.id], known) for user in accounts]
    for check in checks:
        ended = " (sessions ended)" if check.sessions_ended else ""
        detail = f": {check.detail}" if check.detail else ""
        click.echo(f"{check.user.username}\t{check.verdict}{detail}{ended}")
    ended_count = sum(1 for c in checks if c.sessions_ended)
    click.echo(f"{len(checks)} directory accounts checked; sessions ended for {ended_count}.")


def register(users: click.Group) -> None:
    """Add ``users resolve`` to the ``users`` group (which lives in :mod:`tracker.cli`)."""
    users.add_command(users_resolve)
