"""The organisation's LDAP directory, asked through ldap3.

The directory checks the password (a bind as the person's own entry); nothing of it is kept
here. A search account finds the entry and the ``groupOfNames`` groups that list it as a
``member``. Whatever stops the directory from answering (down, slow, the search account
refused, a certificate not trusted) is :class:`DirectoryUnavailable`: the sign-in says so and
never falls back to a password kept here.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from tracker.domain.directory import Identity, Source
from tracker.services.commands.signin import DirectoryUnavailable, PasswordDirectory

# The attributes read from a person's entry: the name shown, the e-mail, the department the
# directory says is theirs (which decides between two mapped departments).
NAME_ATTRIBUTES = ("displayName", "cn")
MAIL_ATTRIBUTE = "mail"
DEPARTMENT_ATTRIBUTE = "departmentNumber"
USERNAME_ATTRIBUTE = "uid"
# Bind results that mean "the directory cannot answer now" rather than "wrong password".
_UNAVAILABLE_RESULTS = frozenset({51, 52, 80})  # busy, unavailable, other


@dataclass(frozen=True)
class LdapSettings:
    """Where the directory is and how to ask it (the ``TRACKER_LDAP_*`` settings)."""

    url: str
    start_tls: bool
    bind_dn: str
    bind_password: str
    user_base: str
    user_filter: str
    group_base: str
    timeout: float
    ca_file: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LdapSettings:
        return cls(
            url=str(config["TRACKER_LDAP_URL"]),
            start_tls=bool(config.get("TRACKER_LDAP_STARTTLS")),
            bind_dn=str(config.get("TRACKER_LDAP_BIND_DN") or ""),
            bind_password=str(config.get("TRACKER_LDAP_BIND_PASSWORD") or ""),
            user_base=str(config.get("TRACKER_LDAP_USER_BASE") or ""),
            user_filter=str(config.get("TRACKER_LDAP_USER_FILTER") or "(uid={username})"),
            group_base=str(config.get("TRACKER_LDAP_GROUP_BASE") or ""),
            timeout=float(config.get("TRACKER_LDAP_TIMEOUT") or 5),
            ca_file=str(config.get("TRACKER_LDAP_CA_FILE") or ""),
        )


class LdapDirectory:
    """Sign-in and look-up against one LDAP directory; a new connection for each question."""

    def __init__(self, settings: LdapSettings) -> None:
        self.settings = settings

    def authenticate(self, username: str, password: str) -> Identity | None:
        """The person's identity when the directory takes their password, else ``None``."""
        if not password:  # an empty password would be an anonymous bind, which checks nothing
            return None
        with self._searching() as connection:
            entry = self._find(connection, username)
            if entry is None:
                return None
            dn, attributes = entry
            if not self._password_accepted(dn, password):
                return None
            return self._identity(connection, dn, attributes, username)

    def lookup(self, username: str) -> Identity | None:
        """What the directory says about ``username`` (no password): the dry run and sync."""
        with self._searching() as connection:
            entry = self._find(connection, username)
            if entry is None:
                return None
            return self._identity(connection, entry[0], entry[1], username)

    def reachable(self) -> None:
        """Bind as the search account and let go: what `flask check` asks.

        Raises :class:`DirectoryUnavailable` with the reason when it cannot.
        """
        with self._searching():
            pass

    def _server(self) -> ldap3.Server:
        tls = None
        if self.settings.start_tls or self.settings.url.lower().startswith("ldaps://"):
            tls = ldap3.Tls(
                validate=ssl.CERT_REQUIRED,
                ca_certs_file=self.settings.ca_file or None,
                version=ssl.PROTOCOL_TLS_CLIENT,
            )
        return ldap3.Server(
            self.settings.url,
            get_info=ldap3.NONE,
            tls=tls,
            connect_timeout=self.settings.timeout,
        )

    def _connection(self, user: str, password: str) -> ldap3.Connection:
        """Open (and secure, with StartTLS when asked) a connection; not bound yet."""
        connection = ldap3.Connection(
            self._server(),
            user=user,
            password=password,
            read_only=True,
            # ldap3 packs it into a socket option as whole seconds
            receive_timeout=max(1, math.ceil(self.settings.timeout)),
            raise_exceptions=False,
        )
        try:
            connection.open()
            if self.settings.start_tls and not connection.start_tls():
                raise DirectoryUnavailable(f"StartTLS refused: {connection.result}")
        except BaseException:
            _close(connection)
            raise
        return connection

    @contextmanager
    def _searching(self) -> Iterator[ldap3.Connection]:
        """A connection bound as the search account; any failure is the directory's."""
        try:
            connection = self._connection(self.settings.bind_dn, self.settings.bind_password)
        except LDAPException as error:
            raise DirectoryUnavailable(f"{type(error).__name__}: {error}") from error
        try:
            if not connection.bind():
                raise DirectoryUnavailable(
                    f"the search account was refused: {connection.result.get('description')}"
                )
            yield connection
        except LDAPException as error:
            raise DirectoryUnavailable(f"{type(error).__name__}: {error}") from error
        finally:
            _close(connection)

    def _search(
        self, connection: ldap3.Connection, base: str, search_filter: str, attributes: list[str]
    ) -> list[dict[str, Any]]:
        """Entries found; a refused search (other than "no such base") means unavailable."""
        connection.search(base, search_filter, attributes=attributes)
        code = connection.result.get("result", 0)
        if code not in {0, 4, 32}:  # success, size limit, no such object
            raise DirectoryUnavailable(f"search refused: {connection.result.get('description')}")
        return [e for e in connection.response or [] if e.get("type") == "searchResEntry"]

    def _find(
        self, connection: ldap3.Connection, username: str
    ) -> tuple[str, dict[str, Any]] | None:
        """The one entry the user filter finds for ``username``; none or several: ``None``."""
        name = username.strip()
        if not name:
            return None
        search_filter = self.settings.user_filter.replace("{username}", escape_filter_chars(name))
        wanted = [USERNAME_ATTRIBUTE, *NAME_ATTRIBUTES, MAIL_ATTRIBUTE, DEPARTMENT_ATTRIBUTE]
        entries = self._search(connection, self.settings.user_base, search_filter, wanted)
        if len(entries) != 1:
            return None
        return str(entries[0]["dn"]), dict(entries[0].get("attributes") or {})

    def _password_accepted(self, dn: str, password: str) -> bool:
        """Bind as the person: the directory checks the password (and any lock on it)."""
        connection = self._connection(dn, password)
        try:
            if connection.bind():
                return True
            if connection.result.get("result") in _UNAVAILABLE_RESULTS:
                raise DirectoryUnavailable(
                    f"the directory did not check the password: {connection.result}"
                )
            return False
        finally:
            _close(connection)

    def _identity(
        self, connection: ldap3.Connection, dn: str, attributes: dict[str, Any], typed: str
    ) -> Identity:
        group_filter = f"(&(objectClass=groupOfNames)(member={escape_filter_chars(dn)}))"
        groups = self._search(connection, self.settings.group_base, group_filter, ["cn"])
        return Identity(
            source=Source.LDAP,
            subject=dn,
            username=_first(attributes, USERNAME_ATTRIBUTE) or typed.strip(),
            display_name=next((v for a in NAME_ATTRIBUTES if (v := _first(attributes, a))), ""),
            email=_first(attributes, MAIL_ATTRIBUTE),
            department_hint=_first(attributes, DEPARTMENT_ATTRIBUTE),
            groups=tuple(str(g["dn"]) for g in groups),
        )


def _close(connection: ldap3.Connection) -> None:
    """Let the socket go, whatever state the connection was left in."""
    with suppress(LDAPException, OSError):
        connection.unbind()
    socket = getattr(connection, "socket", None)
    if socket is not None:
        with suppress(OSError):
            socket.close()


def _first(attributes: Mapping[str, Any], name: str) -> str:
    """The first value of an attribute (ldap3 gives lists for multi-valued ones)."""
    value = attributes.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "").strip()


def ldap_directory(config: Mapping[str, Any]) -> LdapDirectory | None:
    """The directory the app is configured with, or ``None`` when LDAP sign-in is off."""
    if not config.get("TRACKER_LDAP_URL"):
        return None
    return LdapDirectory(LdapSettings.from_config(config))


def _check_protocol(directory: LdapDirectory) -> PasswordDirectory:
    return directory  # mypy checks LdapDirectory keeps to the protocol sign-in asks for
