"""A real OpenLDAP directory for the LDAP sign-in tests: Debian's slapd on a free local port.

``Slapd`` writes a ``slapd.conf`` and the directory's entries (LDIF) into a temporary folder,
loads them with ``slapadd`` and runs ``/usr/sbin/slapd`` in the foreground as whoever runs the
tests, listening on 127.0.0.1 only (plain ``ldap://``, with StartTLS offered on a certificate
made by ``openssl`` for the run). ``make test`` installs slapd and ldap-utils (``ldap-deps``).

The directory is the Shinan government's, small: a search account, people, and groups
(``groupOfNames`` with ``member``; no memberOf overlay: the app searches the groups). The
disabled person is locked the way OpenLDAP locks accounts: the ppolicy overlay with
``pwdLockout`` on and a ``pwdAccountLockedTime`` of ``000001010000Z`` (locked until an
administrator unlocks), so slapd itself refuses their password.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ldap3
import pytest
from flask import Flask
from ldap3.core.exceptions import LDAPException

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
SCHEMA = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

SUFFIX = "dc=shinan,dc=gov,dc=cn"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "admin-secret"
SEARCH_DN = f"cn=tracker,ou=system,{SUFFIX}"
SEARCH_PASSWORD = "search-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
PASSWORD = "directory password 1"


def person_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def group_dn(cn: str) -> str:
    return f"cn={cn},{GROUPS}"


@dataclass(frozen=True)
class Person:
    """A person in the directory, with the groups they are a member of."""

    uid: str
    name: str
    mail: str = ""
    department_number: str = ""
    groups: tuple[str, ...] = ()
    locked: bool = False


# Who the directory holds. ``gxj-leads`` and ``fgw-leads`` map to department leads of two
# bureaus; ``wang`` leads both and the directory says which is hers, ``zhao`` leads both and
# it does not; ``sun`` is only in a group nobody mapped; ``qian`` is locked.
PEOPLE_LIST: tuple[Person, ...] = (
    Person("li", "李工信", "li@shinan.gov.cn", "gxj", ("gxj-leads",)),
    Person("chen", "陈市长", "chen@shinan.gov.cn", "", ("leaders",)),
    Person("wang", "王双", "wang@shinan.gov.cn", "fgw", ("gxj-leads", "fgw-leads")),
    Person("zhao", "赵双", "zhao@shinan.gov.cn", "", ("gxj-leads", "fgw-leads")),
    Person("sun", "孙外", "sun@shinan.gov.cn", "", ("canteen",)),
    Person("qian", "钱锁", "qian@shinan.gov.cn", "gxj", ("gxj-leads",), locked=True),
)
GROUP_NAMES = ("gxj-leads", "fgw-leads", "leaders", "canteen")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _entries(people: Iterable[Person]) -> str:
    """The directory as LDIF, for slapadd."""
    people = list(people)
    blocks = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Shinan\ndc: shinan",
        *(
            f"dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}"
            for ou in ("system", "people", "groups", "policies")
        ),
        f"dn: cn=default,ou=policies,{SUFFIX}\nobjectClass: device\nobjectClass: pwdPolicy\n"
        "cn: default\npwdAttribute: userPassword\npwdLockout: TRUE",
        f"dn: {SEARCH_DN}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\n"
        f"cn: tracker\nuserPassword: {SEARCH_PASSWORD}",
    ]
    for person in people:
        lines = [
            f"dn: {person_dn(person.uid)}",
            "objectClass: inetOrgPerson",
            f"uid: {person.uid}",
            f"cn:: {_base64(person.name)}",
            f"displayName:: {_base64(person.name)}",
            f"sn: {person.uid}",
            f"userPassword: {PASSWORD}",
        ]
        if person.mail:
            lines.append(f"mail: {person.mail}")
        if person.department_number:
            lines.append(f"departmentNumber: {person.department_number}")
        if person.locked:
            lines.append("pwdAccountLockedTime: 000001010000Z")
        blocks.append("\n".join(lines))
    for name in GROUP_NAMES:
        members = [person_dn(p.uid) for p in people if name in p.groups] or [ADMIN_DN]
        blocks.append(
            f"dn: {group_dn(name)}\nobjectClass: groupOfNames\ncn: {name}\n"
            + "\n".join(f"member: {m}" for m in members)
        )
    return "\n\n".join(blocks) + "\n"


def _base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass
class Slapd:
    """slapd in a folder of its own; ``stop()`` and ``start()`` take it down and back up."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    # Set when a test changed the entries or took slapd down: the next test gets it as written.
    changed: bool = False

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.folder / "cert.pem"

    def config(self) -> dict[str, object]:
        """The app settings that point at this directory."""
        return {
            "TRACKER_LDAP_URL": self.url,
            "TRACKER_LDAP_STARTTLS": False,
            "TRACKER_LDAP_BIND_DN": SEARCH_DN,
            "TRACKER_LDAP_BIND_PASSWORD": SEARCH_PASSWORD,
            "TRACKER_LDAP_USER_BASE": PEOPLE,
            "TRACKER_LDAP_USER_FILTER": "(&(objectClass=inetOrgPerson)(uid={username}))",
            "TRACKER_LDAP_GROUP_BASE": GROUPS,
            "TRACKER_LDAP_TIMEOUT": 3.0,
            "TRACKER_LDAP_CA_FILE": "",
        }

    def set_up(self) -> None:
        """Write the configuration, a certificate for StartTLS, and load the entries."""
        data = self.folder / "data"
        if data.exists():
            shutil.rmtree(data)
        data.mkdir(parents=True)
        if not self.ca_file.exists():
            self._certificate()
        conf = self.folder / "slapd.conf"
        conf.write_text(
            "\n".join(
                [
                    *(f"include {SCHEMA / n}.schema" for n in ("core", "cosine", "inetorgperson")),
                    f"modulepath {MODULES}",
                    "moduleload back_mdb",
                    "moduleload ppolicy",
                    f"pidfile {self.folder / 'slapd.pid'}",
                    f"TLSCertificateFile {self.folder / 'cert.pem'}",
                    f"TLSCertificateKeyFile {self.folder / 'key.pem'}",
                    "database mdb",
                    f'suffix "{SUFFIX}"',
                    f'rootdn "{ADMIN_DN}"',
                    f"rootpw {ADMIN_PASSWORD}",
                    f"directory {data}",
                    "overlay ppolicy",
                    f'ppolicy_default "cn=default,ou=policies,{SUFFIX}"',
                    "access to attrs=userPassword by anonymous auth by * none",
                    "access to * by users read by * none",
                    "",
                ]
            )
        )
        ldif = self.folder / "directory.ldif"
        ldif.write_text(_entries(PEOPLE_LIST), encoding="utf-8")
        subprocess.run(
            [str(SLAPADD), "-f", str(conf), "-l", str(ldif)],
            check=True,
            capture_output=True,
        )

    def _certificate(self) -> None:
        """A self-signed certificate for 127.0.0.1; the tests trust it as the CA."""
        key, cert = self.folder / "key.pem", self.ca_file
        command = f"openssl req -x509 -newkey rsa:2048 -nodes -days 1 -keyout {key} -out {cert}"
        subprocess.run(
            [*command.split(), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        """Run slapd in the foreground (``-d 0``) and wait until it answers."""
        with (self.folder / "slapd.log").open("ab") as log:  # slapd keeps its own copy
            self.process = subprocess.Popen(
                [
                    str(SLAPD),
                    "-f",
                    str(self.folder / "slapd.conf"),
                    "-h",
                    f"{self.url}/",
                    "-d",
                    "0",
                ],
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd ended: {(self.folder / 'slapd.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("slapd did not start listening in 10 s")

    def stop(self) -> None:
        """Take the directory down (the entries stay for the next start)."""
        self.changed = True
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused slapd ends too
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        """Freeze slapd (SIGSTOP): connections are still taken, but nothing is answered."""
        assert self.process is not None
        self.changed = True
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    @contextlib.contextmanager
    def admin(self) -> Iterator[ldap3.Connection]:
        """A connection bound as the directory's administrator, to change entries in tests."""
        self.changed = True
        connection = ldap3.Connection(
            ldap3.Server(self.url, get_info=ldap3.NONE),
            ADMIN_DN,
            ADMIN_PASSWORD,
            auto_bind=True,
            raise_exceptions=True,
        )
        try:
            yield connection
        finally:
            connection.unbind()

    def add_member(self, group: str, uid: str) -> None:
        with self.admin() as connection:
            connection.modify(group_dn(group), {"member": [(ldap3.MODIFY_ADD, [person_dn(uid)])]})

    def remove_member(self, group: str, uid: str) -> None:
        with self.admin() as connection:
            connection.modify(
                group_dn(group), {"member": [(ldap3.MODIFY_DELETE, [person_dn(uid)])]}
            )

    def add_person(self, person: Person) -> None:
        attributes: dict[str, object] = {
            "uid": person.uid,
            "cn": person.name,
            "displayName": person.name,
            "sn": person.uid,
            "userPassword": PASSWORD,
        }
        if person.mail:
            attributes["mail"] = person.mail
        with self.admin() as connection:
            connection.add(person_dn(person.uid), ["inetOrgPerson"], attributes)
        for name in person.groups:
            self.add_member(name, person.uid)

    def remove_person(self, uid: str) -> None:
        """Delete a person and take them out of every group."""
        with self.admin() as connection:
            for name in GROUP_NAMES:
                with contextlib.suppress(LDAPException):  # not a member
                    connection.modify(
                        group_dn(name), {"member": [(ldap3.MODIFY_DELETE, [person_dn(uid)])]}
                    )
            connection.delete(person_dn(uid))

    def reset(self) -> None:
        """Put the directory back as written, after a test changed it (stopped, restarted)."""
        self.stop()
        self.set_up()
        self.start()
        self.changed = False


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    """Debian's slapd with the Shinan directory, once per test session."""
    if not SLAPD.exists():
        pytest.fail(f"{SLAPD} is missing: `make test` installs Debian's slapd and ldap-utils")
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    server.set_up()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def directory(slapd: Slapd, app: Flask) -> Iterator[Slapd]:
    """The app signs in through slapd; after a test changed the directory it is rebuilt."""
    app.config.update(slapd.config())
    yield slapd
    if slapd.changed:
        slapd.reset()
