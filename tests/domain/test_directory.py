"""The pure rules of directory sign-in: which role and department a person's groups give."""

from __future__ import annotations

import pytest

from tracker.domain.directory import (
    GROUP_MAX,
    DirectoryProblem,
    Identity,
    Mapping,
    Source,
    mapping_problems,
    normalize_group,
    resolve,
)

LEADS = "cn=gxj-leads,ou=groups,dc=shinan,dc=gov,dc=cn"
KJJ = "cn=kjj-leads,ou=groups,dc=shinan,dc=gov,dc=cn"
LEADERS = "cn=district-leaders,ou=groups,dc=shinan,dc=gov,dc=cn"
ALL = "cn=all-staff,ou=groups,dc=shinan,dc=gov,dc=cn"
MAPPINGS = [
    Mapping(LEADS, "dept_lead", "gxj"),
    Mapping(KJJ, "dept_lead", "kjj"),
    Mapping(LEADERS, "leader"),
    Mapping(ALL, "viewer"),
]


def person(*groups: str, hint: str = "") -> Identity:
    return Identity(Source.LDAP, "uid=li,ou=people", "li", groups=groups, department_hint=hint)


def test_a_group_dn_is_found_whatever_its_case_and_spaces() -> None:
    assert (
        normalize_group(" CN=GXJ-Leads, OU=groups,dc=Shinan ") == "cn=gxj-leads,ou=groups,dc=shinan"
    )
    got = resolve(person("CN=GXJ-LEADS, ou=Groups, dc=shinan, dc=gov, dc=cn"), MAPPINGS)
    assert (got.role, got.department, got.allowed) == ("dept_lead", "gxj", True)


def test_nobody_in_a_mapped_group_is_refused() -> None:
    got = resolve(person("cn=canteen,ou=groups"), MAPPINGS)
    assert got.problem is DirectoryProblem.NO_MAPPED_GROUP
    assert not got.allowed
    assert got.role is None


def test_the_most_powerful_mapped_role_wins_and_says_which_group_gave_it() -> None:
    got = resolve(person(ALL, LEADS, LEADERS), MAPPINGS)
    assert (got.role, got.department, got.groups) == ("leader", None, (LEADERS,))
    got = resolve(person(ALL, LEADS), MAPPINGS)
    assert (got.role, got.department, got.groups) == ("dept_lead", "gxj", (LEADS,))


def test_two_departments_are_decided_by_the_directory_s_own_department() -> None:
    got = resolve(person(LEADS, KJJ, hint="KJJ"), MAPPINGS)
    assert (got.role, got.department, got.groups, got.allowed) == ("dept_lead", "kjj", (KJJ,), True)


def test_two_departments_without_a_deciding_attribute_are_refused_not_guessed() -> None:
    for hint in ("", "swj"):
        got = resolve(person(LEADS, KJJ, hint=hint), MAPPINGS)
        assert got.problem is DirectoryProblem.TWO_DEPARTMENTS
        assert got.departments == ("gxj", "kjj")
        assert not got.allowed


@pytest.mark.parametrize(
    ("group", "role", "department", "problems"),
    [
        (LEADS, "dept_lead", "gxj", []),
        (LEADERS, "leader", None, []),
        ("  ", "viewer", None, [DirectoryProblem.GROUP_REQUIRED]),
        ("x" * (GROUP_MAX + 1), "viewer", None, [DirectoryProblem.GROUP_TOO_LONG]),
        (LEADS, "chief", None, [DirectoryProblem.MAPPING_ROLE_UNKNOWN]),
        (LEADS, "dept_lead", None, [DirectoryProblem.MAPPING_DEPARTMENT_REQUIRED]),
        (LEADS, "staff", "", [DirectoryProblem.MAPPING_DEPARTMENT_REQUIRED]),
        (LEADS, "dept_lead", "nope", [DirectoryProblem.MAPPING_DEPARTMENT_UNKNOWN]),
    ],
)
def test_a_mapping_is_checked_before_it_is_saved(
    group: str, role: str, department: str | None, problems: list[DirectoryProblem]
) -> None:
    assert mapping_problems(group, role, department, ["gxj", "kjj"]) == problems
