"""Configuration read from ``TRACKER_*`` environment variables, with safe defaults."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def is_production() -> bool:
    """Whether ``TRACKER_ENV=production``: what a deployment must give is then required."""
    return os.environ.get("TRACKER_ENV", "development").strip().lower() == "production"


class ConfigError(RuntimeError):
    """A setting a deployment must give is missing: the app refuses to start, saying which."""


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        logging.getLogger(__name__).warning(message)


def load_secret_key(instance_path: Path) -> str:
    """Return ``TRACKER_SECRET_KEY``, or in development a key kept under ``instance/``.

    Generating it on first run means a fresh clone works without a committed secret, and
    sessions survive restarts because the key is stored, not regenerated. In production
    several app machines must sign with one key, so a machine that would make its own
    refuses to start instead.
    """
    key = os.environ.get("TRACKER_SECRET_KEY")
    if key:
        return key
    if is_production():
        raise ConfigError(
            "TRACKER_SECRET_KEY is not set. With TRACKER_ENV=production every app machine "
            "must be given the same secret key, for example: "
            "TRACKER_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    _warn_once(
        f"TRACKER_SECRET_KEY is not set: using the development key in {instance_path}. "
        "Set TRACKER_SECRET_KEY (the same on every app machine) before going live."
    )
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


LOG_FORMATS = frozenset({"text", "json"})


def log_format() -> str:
    """``TRACKER_LOG_FORMAT``: ``text`` (the default) or ``json`` lines for a log collector.

    A misspelt value stops the start with its name, rather than logging in a format the
    collector then cannot read.
    """
    value = os.environ.get("TRACKER_LOG_FORMAT", "text").strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise ConfigError(f"TRACKER_LOG_FORMAT must be text or json, not {value!r}.")
    return value


def from_environment(instance_path: Path, *, secret_key: str | None = None) -> dict[str, object]:
    """Build the Flask config mapping for a deployment from the environment.

    ``secret_key`` given by the caller (tests) is used as is, so no key file is written.
    """
    default_db = f"sqlite:///{instance_path / 'tracker.sqlite3'}"
    secure = _env_flag("TRACKER_SECURE_COOKIES")
    idle = timedelta(hours=float(os.environ.get("TRACKER_SESSION_HOURS", "12")))
    return {
        "SECRET_KEY": secret_key or load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("TRACKER_DATABASE_URL", default_db),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        # A session ends after this long without a request (the signed cookie carries its
        # time and is refused when older); "remember me" is never offered, and bounded alike.
        "PERMANENT_SESSION_LIFETIME": idle,
        # Not on every answer: tracker.access.keep_session_alive re-issues the cookie at most
        # once a minute (each request re-signing it cost as much as a cached board).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "REMEMBER_COOKIE_DURATION": idle,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TRACKER_TIMEZONE", "Asia/Shanghai"),
        "TRACKER_BEHIND_MARGIN": float(os.environ.get("TRACKER_BEHIND_MARGIN", "10")),
        # A report may carry several evidence files of at most 10 MB each.
        "MAX_CONTENT_LENGTH": 52 * 1024 * 1024,
        # Reminders (催办) are e-mailed when a host is set; otherwise `flask remind` only prints.
        "TRACKER_SMTP_HOST": os.environ.get("TRACKER_SMTP_HOST", ""),
        "TRACKER_SMTP_PORT": int(os.environ.get("TRACKER_SMTP_PORT", "25")),
        "TRACKER_SMTP_USER": os.environ.get("TRACKER_SMTP_USER", ""),
        "TRACKER_SMTP_PASSWORD": os.environ.get("TRACKER_SMTP_PASSWORD", ""),
        "TRACKER_SMTP_FROM": os.environ.get("TRACKER_SMTP_FROM", ""),
        "TRACKER_SMTP_STARTTLS": os.environ.get("TRACKER_SMTP_STARTTLS", ""),
        # Reminders also go to group robots (WeCom, DingTalk, Feishu) set up by an admin:
        # seconds per attempt, attempts, and the first wait between them (it doubles).
        "TRACKER_WEBHOOK_TIMEOUT": os.environ.get("TRACKER_WEBHOOK_TIMEOUT", "10"),
        "TRACKER_WEBHOOK_ATTEMPTS": os.environ.get("TRACKER_WEBHOOK_ATTEMPTS", "3"),
        "TRACKER_WEBHOOK_BACKOFF": os.environ.get("TRACKER_WEBHOOK_BACKOFF", "2"),
        # The address people open the tracker at (https://tracker.shinan.example), for links
        # in messages sent from outside a request (reminder cards); empty: no link.
        "TRACKER_BASE_URL": os.environ.get("TRACKER_BASE_URL", "").strip().rstrip("/"),
        # Where computed boards are shared (tracker.snapshots): empty for the database, or a
        # Redis URL such as redis://127.0.0.1:6379/0.
        "TRACKER_CACHE_URL": os.environ.get("TRACKER_CACHE_URL", ""),
        # Keys in Redis start with this (several deployments may share one Redis).
        "TRACKER_CACHE_PREFIX": os.environ.get("TRACKER_CACHE_PREFIX", "tracker:"),
        # Where evidence files' bytes are kept: empty for the database, or a directory every
        # app machine mounts (a shared volume); never a machine's own disk.
        "TRACKER_ATTACHMENTS_DIR": os.environ.get("TRACKER_ATTACHMENTS_DIR", "").strip(),
        # How many reverse proxies set X-Forwarded-For/-Proto in front of the app (0: none).
        "TRACKER_PROXY_COUNT": int(os.environ.get("TRACKER_PROXY_COUNT", "0")),
        # The request log (tracker.request_log): "text" lines, or "json" objects one a line.
        "TRACKER_LOG_FORMAT": log_format(),
        # Sign-in through the organisation's directory (LDAP); off while the URL is empty.
        "TRACKER_LDAP_URL": os.environ.get("TRACKER_LDAP_URL", "").strip(),
        "TRACKER_LDAP_STARTTLS": _env_flag("TRACKER_LDAP_STARTTLS"),
        "TRACKER_LDAP_BIND_DN": os.environ.get("TRACKER_LDAP_BIND_DN", ""),
        "TRACKER_LDAP_BIND_PASSWORD": os.environ.get("TRACKER_LDAP_BIND_PASSWORD", ""),
        "TRACKER_LDAP_USER_BASE": os.environ.get("TRACKER_LDAP_USER_BASE", ""),
        "TRACKER_LDAP_USER_FILTER": os.environ.get("TRACKER_LDAP_USER_FILTER", "(uid={username})"),
        "TRACKER_LDAP_GROUP_BASE": os.environ.get("TRACKER_LDAP_GROUP_BASE", ""),
        "TRACKER_LDAP_TIMEOUT": float(os.environ.get("TRACKER_LDAP_TIMEOUT", "5")),
        # The CA certificate(s) that signed the directory's (for StartTLS and ldaps://);
        # empty: the system's trusted CAs.
        "TRACKER_LDAP_CA_FILE": os.environ.get("TRACKER_LDAP_CA_FILE", "").strip(),
        # Sign-in through the organisation's OpenID Connect provider; off while the issuer is empty.
        "TRACKER_OIDC_ISSUER": os.environ.get("TRACKER_OIDC_ISSUER", "").strip().rstrip("/"),
        "TRACKER_OIDC_CLIENT_ID": os.environ.get("TRACKER_OIDC_CLIENT_ID", ""),
        "TRACKER_OIDC_CLIENT_SECRET": os.environ.get("TRACKER_OIDC_CLIENT_SECRET", ""),
        "TRACKER_OIDC_NAME": os.environ.get("TRACKER_OIDC_NAME", ""),
        "TRACKER_OIDC_GROUPS_CLAIM": os.environ.get("TRACKER_OIDC_GROUPS_CLAIM", "groups"),
        "TRACKER_OIDC_DEPARTMENT_CLAIM": os.environ.get(
            "TRACKER_OIDC_DEPARTMENT_CLAIM", "department"
        ),
    }
