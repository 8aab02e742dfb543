"""Sending e-mail through the district's SMTP server, when one is configured.

Settings come from the app config (``TRACKER_SMTP_HOST``, ``_PORT`` (25), ``_USER``,
``_PASSWORD``, ``_FROM``, ``_STARTTLS`` = "1"), which the environment variables of the same
names fill. Without a host nothing is ever sent.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

DEFAULT_PORT = 25
TIMEOUT_SECONDS = 30
ADDRESS = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
_SEPARATORS = re.compile(r"[,;\s]+")


class MailError(Exception):
    """The server could not be reached, refused us, or the settings are wrong."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = DEFAULT_PORT
    user: str = ""
    password: str = ""
    sender: str = ""
    starttls: bool = False

    def __repr__(self) -> str:  # never print the password
        return f"SmtpSettings(host={self.host!r}, port={self.port}, user={self.user!r})"


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def smtp_settings(config: Mapping[str, object]) -> SmtpSettings | None:
    """The SMTP settings of the app config, or None when no host is set (mail is off).

    Raises :class:`MailError` for a port that is not a number from 1 to 65535.
    """
    host = str(config.get("TRACKER_SMTP_HOST") or "").strip()
    if not host:
        return None
    raw_port = config.get("TRACKER_SMTP_PORT") or DEFAULT_PORT
    try:
        port = int(str(raw_port).strip())
    except ValueError:
        raise MailError(f"TRACKER_SMTP_PORT is not a number: {raw_port!r}") from None
    if not 0 < port < 65536:
        raise MailError(f"TRACKER_SMTP_PORT is out of range: {port}")
    user = str(config.get("TRACKER_SMTP_USER") or "").strip()
    sender = str(config.get("TRACKER_SMTP_FROM") or "").strip()
    if not sender:
        sender = user if ADDRESS.match(user) else f"plan-tracker@{host}"
    return SmtpSettings(
        host=host,
        port=port,
        user=user,
        password=str(config.get("TRACKER_SMTP_PASSWORD") or ""),
        sender=sender,
        starttls=_flag(config.get("TRACKER_SMTP_STARTTLS")),
    )


def split_addresses(value: str) -> list[str]:
    """The parts of a field that may hold several addresses (commas, semicolons, spaces)."""
    return [part for part in _SEPARATORS.split(value or "") if part]


def addresses(value: str) -> list[str]:
    """The well-formed addresses of such a field."""
    return [part for part in split_addresses(value) if ADDRESS.match(part)]


def build_message(
    *,
    sender: str,
    sender_name: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
) -> EmailMessage:
    """A UTF-8 message (Chinese subject and body included) with a plain-text and HTML part."""
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender)) if sender_name else sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_messages(settings: SmtpSettings, messages: Sequence[EmailMessage]) -> list[str | None]:
    """Send the messages over one connection; per message, None when sent or why it was not.

    Raises :class:`MailError` when the server cannot be reached or refuses the sign-in, so
    nothing was sent. A connection lost midway fails the messages not yet sent.
    """
    if not messages:
        return []
    try:
        server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"cannot reach {settings.host}:{settings.port}: {error}") from None
    results: list[str | None] = []
    try:
        try:
            if settings.starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, settings.password)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"{settings.host}:{settings.port}: {error}") from None
        for message in messages:
            results.append(_send_one(server, message))
            if results[-1] is not None and results[-1].startswith("connection lost"):
                results.extend(results[-1] for _ in range(len(messages) - len(results)))
                break
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return results


def _send_one(server: smtplib.SMTP, message: EmailMessage) -> str | None:
    try:
        server.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        return f"recipients refused: {', '.join(error.recipients)}"
    except smtplib.SMTPResponseException as error:
        return f"refused: {error.smtp_code} {error.smtp_error!r}"
    except (OSError, smtplib.SMTPException) as error:
        return f"connection lost: {error}"
    return None
