"""Keep secrets out of access logs: big-screen tokens in URLs, credentials in headers.

A big-screen link carries its token in the path (``/screen/<token>``), and access logs keep
every path. The development server's log goes through :class:`RedactScreenTokens`; gunicorn
logs through :class:`AccessLogger` (``-c python:tracker.gunicorn_conf``), which rewrites the
same paths and drops ``Authorization`` and ``Cookie`` values from any log format.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

SCREEN_PATH = re.compile(r"(/screen/)[^/?#\s\"']+")
REDACTED = "[redacted]"
SECRET_HEADERS = ("{authorization}i", "{cookie}i", "{x-api-key}i")


def redact(text: str) -> str:
    """The text with every big-screen token replaced."""
    return SCREEN_PATH.sub(r"\1" + REDACTED, text)


class RedactScreenTokens(logging.Filter):
    """A logging filter for the development server's request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class AccessLogger(Logger):
    """Gunicorn's logger, with secrets taken out of the values an access log format uses."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key in SECRET_HEADERS:
                atoms[key] = REDACTED
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms


def init_app_logging() -> None:
    """Filter the development server's request log (werkzeug) once per process."""
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactScreenTokens) for f in werkzeug.filters):
        werkzeug.addFilter(RedactScreenTokens())
