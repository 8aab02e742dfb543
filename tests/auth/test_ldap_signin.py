"""Signing in through a real OpenLDAP directory (slapd started by the tests), on the login page."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import table_snapshot
from tests.directory_servers import (
    PASSWORD,
    PEOPLE,
    Person,
    Slapd,
    directory,  # noqa: F401  (fixture)
    free_port,
    group_dn,
    person_dn,
    slapd,  # noqa: F401  (fixture)
)
from tests.factories import PASSWORD as LOCAL_PASSWORD
from tests.factories import create_department, create_user, csrf_token
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import AuditEvent, User
from tracker.services.commands.directory import map_group, unmap_group

WRONG = "Wrong user name or password."
UNAVAILABLE = "directory does not answer"
NO_GROUP = "none of your groups gives access"
TWO_DEPARTMENTS = "give you two departments"


def admin_who() -> Who:
    return Who(now=datetime(2020, 10, 1, tzinfo=UTC), address="test")


@pytest.fixture
def mapped(directory: Slapd) -> Slapd:  # noqa: F811
    """Two bureaus and the mapping: each bureau's leads group, and the city leaders."""
    create_department("gxj")
    create_department("fgw")
    map_group(admin_who(), group_dn("gxj-leads"), "dept_lead", "gxj")
    map_group(admin_who(), group_dn("fgw-leads"), "dept_lead", "fgw")
    map_group(admin_who(), group_dn("leaders"), "leader")
    db.session.commit()
    return directory


def attempt(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    """Sign in on the page as a browser would, with the page in English."""
    token = csrf_token(client, "/login?lang=en")
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def account(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def actions(username: str) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.username == username)
            .order_by(AuditEvent.id)
        )
    )


def test_right_password_signs_in_and_makes_the_account_from_the_directory(
    mapped: Slapd, client: FlaskClient
) -> None:
    response = attempt(client, "li")
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    user = account("li")
    assert user is not None
    assert (user.source, user.external_id) == ("ldap", person_dn("li"))
    assert (user.display_name, user.email) == ("李工信", "li@shinan.gov.cn")
    assert (user.role, user.department and user.department.code) == ("dept_lead", "gxj")
    assert user.password_hash == ""  # the directory's password is never kept
    assert user.directory_groups == group_dn("gxj-leads")
    assert actions("li") == ["account_provisioned", "login"]


def test_the_typed_name_finds_the_person_whatever_its_case(
    mapped: Slapd, client: FlaskClient
) -> None:
    assert attempt(client, " LI ").status_code == 302
    assert account("li") is not None


@pytest.mark.parametrize("username", ["li", "nobody"])
def test_a_wrong_password_or_unknown_name_is_refused_alike_and_nothing_is_made(
    mapped: Slapd, client: FlaskClient, username: str
) -> None:
    response = attempt(client, username, "not the password")
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert account(username) is None
    assert actions(username) == ["login_failed"]
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize("username", ["*)(uid=*", "*", "li)(|(uid=*", "li*"])
def test_a_filter_injected_in_the_name_finds_nobody(
    mapped: Slapd, client: FlaskClient, username: str
) -> None:
    response = attempt(client, username)
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_someone_in_no_mapped_group_is_told_so_and_gets_no_account(
    mapped: Slapd, client: FlaskClient
) -> None:
    response = attempt(client, "sun")
    assert response.status_code == 403
    assert NO_GROUP in response.get_data(as_text=True)
    assert account("sun") is None
    assert actions("sun") == ["login_failed"]


def test_a_locked_directory_account_is_refused_by_the_directory(
    mapped: Slapd, client: FlaskClient
) -> None:
    """qian is in a mapped group, with the right password; slapd's ppolicy refuses the bind."""
    response = attempt(client, "qian")
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert account("qian") is None


def test_two_departments_the_directory_names_one_of(mapped: Slapd, client: FlaskClient) -> None:
    assert attempt(client, "wang").status_code == 302
    user = account("wang")
    assert user is not None
    assert (user.role, user.department and user.department.code) == ("dept_lead", "fgw")
    assert user.directory_groups == group_dn("fgw-leads")


def test_two_departments_and_no_word_from_the_directory_is_refused(
    mapped: Slapd, client: FlaskClient
) -> None:
    response = attempt(client, "zhao")
    assert response.status_code == 403
    assert TWO_DEPARTMENTS in response.get_data(as_text=True)
    assert account("zhao") is None


def test_a_group_change_in_the_directory_applies_at_the_next_sign_in(
    mapped: Slapd, app: Flask
) -> None:
    assert attempt(app.test_client(), "li").status_code == 302
    mapped.add_member("leaders", "li")
    assert attempt(app.test_client(), "li").status_code == 302
    user = account("li")
    assert user is not None
    assert (user.role, user.department) == ("leader", None)
    assert actions("li")[-2:] == ["account_mapping_changed", "login"]
    mapped.remove_member("gxj-leads", "li")
    mapped.remove_member("leaders", "li")  # leaders keeps chen, gxj-leads keeps the others
    response = attempt(app.test_client(), "li")
    assert response.status_code == 403
    assert NO_GROUP in response.get_data(as_text=True)


def test_a_mapping_change_applies_at_the_next_sign_in_and_ends_the_old_session(
    mapped: Slapd, app: Flask
) -> None:
    first = app.test_client()
    assert attempt(first, "li").status_code == 302
    map_group(admin_who(), group_dn("gxj-leads"), "staff", "gxj")
    db.session.commit()
    assert attempt(app.test_client(), "li").status_code == 302
    user = account("li")
    assert user is not None
    assert user.role == "staff"
    unmap_group(admin_who(), group_dn("gxj-leads"))
    db.session.commit()
    assert attempt(app.test_client(), "li").status_code == 403
    assert first.get("/profile").status_code == 302  # refused: every session of li ended


def test_someone_removed_from_the_directory_can_no_longer_sign_in(
    mapped: Slapd, app: Flask
) -> None:
    assert attempt(app.test_client(), "chen").status_code == 302
    mapped.remove_person("chen")
    response = attempt(app.test_client(), "chen")
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)


def test_a_directory_that_is_down_gives_a_clear_503_and_writes_only_the_audit_line(
    mapped: Slapd, client: FlaskClient
) -> None:
    assert attempt(client, "li").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    before = table_snapshot()
    mapped.stop()
    response = attempt(client, "li")
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    after = table_snapshot()
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }
    assert actions("li")[-1] == "login_unavailable"
    assert len(after["audit_event"]) == len(before["audit_event"]) + 1


@pytest.mark.parametrize(
    "setting",
    [
        {"TRACKER_LDAP_URL": f"ldap://127.0.0.1:{free_port()}"},
        {"TRACKER_LDAP_BIND_PASSWORD": "not the search password"},
        {"TRACKER_LDAP_STARTTLS": True},  # slapd's certificate is not trusted
    ],
    ids=["closed-port", "search-account-refused", "untrusted-certificate"],
)
def test_a_directory_that_cannot_be_asked_never_falls_back_to_a_password_here(
    mapped: Slapd, app: Flask, client: FlaskClient, setting: dict[str, object]
) -> None:
    assert attempt(app.test_client(), "li").status_code == 302
    app.config.update(setting)
    response = attempt(client, "li")
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_starttls_with_the_directorys_certificate_trusted(
    mapped: Slapd, app: Flask, client: FlaskClient
) -> None:
    app.config.update(TRACKER_LDAP_STARTTLS=True, TRACKER_LDAP_CA_FILE=str(mapped.ca_file))
    assert attempt(client, "li").status_code == 302


def test_a_local_account_of_the_same_name_keeps_its_local_password(
    mapped: Slapd, app: Flask
) -> None:
    create_user("li", "admin")
    response = attempt(app.test_client(), "li")  # the directory's password
    assert WRONG in response.get_data(as_text=True)
    assert attempt(app.test_client(), "li", LOCAL_PASSWORD).status_code == 302
    user = account("li")
    assert user is not None
    assert (user.source, user.role) == ("local", "admin")


def test_throttling_holds_for_directory_sign_in_too(mapped: Slapd, client: FlaskClient) -> None:
    for _ in range(5):
        assert WRONG in attempt(client, "li", "guess").get_data(as_text=True)
    response = attempt(client, "li")
    assert response.status_code == 429
    assert account("li") is None


def test_a_new_directory_person_signs_in_once_added(mapped: Slapd, client: FlaskClient) -> None:
    mapped.add_person(Person("zhou", "周新", "zhou@shinan.gov.cn", groups=("leaders",)))
    assert attempt(client, "zhou").status_code == 302
    user = account("zhou")
    assert user is not None
    assert (user.role, user.display_name) == ("leader", "周新")


def test_a_directory_that_hangs_is_given_up_on_after_the_timeout(
    mapped: Slapd, app: Flask, client: FlaskClient
) -> None:
    app.config["TRACKER_LDAP_TIMEOUT"] = 1.0
    token = csrf_token(client, "/login?lang=en")
    mapped.pause()
    started = time.monotonic()
    try:
        response = client.post(
            "/login", data={"username": "li", "password": PASSWORD, "csrf_token": token}
        )
    finally:
        mapped.resume()
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    assert account("li") is None


def test_an_account_deactivated_here_stays_out_though_the_directory_takes_it(
    mapped: Slapd, app: Flask
) -> None:
    first = app.test_client()
    assert attempt(first, "li").status_code == 302
    user = account("li")
    assert user is not None
    user.active = False
    db.session.commit()
    response = attempt(app.test_client(), "li")
    assert response.status_code == 403
    assert "Your account here is deactivated" in response.get_data(as_text=True)
    assert first.get("/profile").status_code == 302


def test_a_name_two_directory_entries_share_signs_nobody_in(
    mapped: Slapd, client: FlaskClient
) -> None:
    """The filter must find exactly one person; the app never picks one of two."""
    with mapped.admin() as connection:
        connection.add(
            f"cn=another li,{PEOPLE}",
            ["inetOrgPerson"],
            {"uid": "li", "cn": "another li", "sn": "li", "userPassword": PASSWORD},
        )
    response = attempt(client, "li")
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert account("li") is None
