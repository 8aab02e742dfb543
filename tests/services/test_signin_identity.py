"""Letting in someone the directory or provider vouched for: the account follows the mapping.

These start from an identity as the LDAP and OpenID Connect adapters hand it over; the
adapters themselves are tested against a real slapd and a real provider.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import create_user, department
from tests.races import at_once
from tracker.domain.directory import DirectoryProblem, Identity, Source
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import AuditEvent, User
from tracker.services.commands.directory import map_group
from tracker.services.commands.signin import Outcome, sign_in, sign_in_identity
from tracker.unit_of_work import unit_of_work

NOW = datetime(2021, 3, 1, 9, tzinfo=UTC)
LEADS = "cn=gxj-leads,ou=groups,dc=shinan,dc=gov,dc=cn"
KJJ = "cn=kjj-leads,ou=groups,dc=shinan,dc=gov,dc=cn"
VIEWERS = "cn=all-staff,ou=groups,dc=shinan,dc=gov,dc=cn"
WHO = Who(now=NOW, address="10.0.0.8")


@pytest.fixture
def mapped(seeded: Flask) -> Flask:
    with unit_of_work():
        map_group(WHO, LEADS, "dept_lead", "gxj")
        map_group(WHO, KJJ, "dept_lead", "kjj")
        map_group(WHO, VIEWERS, "viewer")
    return seeded


def li(*groups: str, hint: str = "", source: Source = Source.LDAP, name: str = "lisi") -> Identity:
    return Identity(
        source,
        f"uid={name},ou=people,dc=shinan,dc=gov,dc=cn",
        name,
        display_name="李四",
        email="lisi@shinan.gov.cn",
        department_hint=hint,
        groups=groups,
    )


def enter(identity: Identity) -> tuple[Outcome, DirectoryProblem | None]:
    with unit_of_work():
        result = sign_in_identity(WHO, identity)
    return result.outcome, result.problem


def account(name: str = "lisi") -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == name))


def actions() -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
    )
    return [(action, detail) for action, detail in rows]


def test_the_first_sign_in_makes_the_account_from_the_directory(mapped: Flask) -> None:
    assert enter(li(VIEWERS, LEADS)) == (Outcome.OK, None)
    user = account()
    assert user is not None
    assert (user.source, user.role, user.department, user.display_name, user.email) == (
        "ldap",
        "dept_lead",
        department("gxj"),
        "李四",
        "lisi@shinan.gov.cn",
    )
    assert user.external_id == "uid=lisi,ou=people,dc=shinan,dc=gov,dc=cn"
    assert user.directory_groups == LEADS
    assert user.password_hash == ""  # the directory checks it; nothing is kept here
    assert user.last_login_at == NOW
    assert ("account_provisioned", "ldap: dept_lead gxj") in actions()
    assert ("login", "ldap") in actions()


def test_the_next_sign_in_follows_a_change_of_groups(mapped: Flask) -> None:
    enter(li(LEADS))
    assert enter(li(VIEWERS)) == (Outcome.OK, None)
    user = account()
    assert user is not None
    assert (user.role, user.department) == ("viewer", None)
    assert ("account_mapping_changed", "dept_lead → viewer") in actions()
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.username == "lisi")
        )
        == 1
    )


def test_someone_whose_groups_no_longer_map_is_refused_and_their_sessions_end(
    mapped: Flask,
) -> None:
    enter(li(LEADS))
    user = account()
    assert user is not None
    version = user.session_version
    assert enter(li("cn=canteen,ou=groups")) == (
        Outcome.NO_ACCESS,
        DirectoryProblem.NO_MAPPED_GROUP,
    )
    db.session.expire_all()
    user = account()
    assert user is not None
    assert user.session_version == version + 1
    assert user.role == "dept_lead"  # what it was: the account is not rewritten by a refusal
    assert actions()[-1] == ("login_failed", "ldap: no_mapped_group")


def test_nobody_unmapped_gets_an_account(mapped: Flask) -> None:
    assert enter(li("cn=canteen,ou=groups")) == (
        Outcome.NO_ACCESS,
        DirectoryProblem.NO_MAPPED_GROUP,
    )
    assert account() is None


def test_two_departments_take_the_directory_s_department_or_are_refused(mapped: Flask) -> None:
    assert enter(li(LEADS, KJJ)) == (Outcome.NO_ACCESS, DirectoryProblem.TWO_DEPARTMENTS)
    assert account() is None
    assert enter(li(LEADS, KJJ, hint="kjj")) == (Outcome.OK, None)
    user = account()
    assert user is not None
    assert user.department == department("kjj")


def test_a_deactivated_account_stays_out_whatever_the_directory_says(mapped: Flask) -> None:
    enter(li(LEADS))
    user = account()
    assert user is not None
    user.active = False
    db.session.commit()
    assert enter(li(LEADS)) == (Outcome.NO_ACCESS, DirectoryProblem.ACCOUNT_INACTIVE)


def test_a_local_account_s_name_is_not_taken_over(mapped: Flask) -> None:
    create_user("lisi", "admin")
    assert enter(li(LEADS)) == (Outcome.NO_ACCESS, DirectoryProblem.NAME_TAKEN_LOCALLY)
    user = account()
    assert user is not None
    assert (user.source, user.role) == ("local", "admin")


def test_an_ldap_account_has_no_local_password_to_fall_back_on(mapped: Flask) -> None:
    enter(li(LEADS))
    with unit_of_work():
        result = sign_in(WHO, "lisi", "")
    assert result.outcome is Outcome.BAD_CREDENTIALS


def test_the_same_person_from_the_provider_is_a_separate_way_in(mapped: Flask) -> None:
    """An OIDC account is found by its ``sub`` even after a rename."""
    assert enter(li(LEADS, source=Source.OIDC, name="lisi")) == (Outcome.OK, None)
    renamed = Identity(
        Source.OIDC, "uid=lisi,ou=people,dc=shinan,dc=gov,dc=cn", "li.si", groups=(LEADS,)
    )
    assert enter(renamed) == (Outcome.OK, None)
    assert account() is None
    user = account("li.si")
    assert user is not None
    assert user.source == "oidc"


def test_two_first_sign_ins_at_once_make_one_account_and_both_come_in(mapped: Flask) -> None:
    results: list[Outcome] = []

    def first_sign_in() -> None:
        results.append(sign_in_identity(Who(now=NOW, address="10.0.0.9"), li(LEADS)).outcome)

    assert at_once(mapped, first_sign_in, first_sign_in) == [None, None]
    assert results == [Outcome.OK, Outcome.OK]
    count = sa.select(sa.func.count()).select_from(User).where(User.username == "lisi")
    assert db.session.scalar(count) == 1
