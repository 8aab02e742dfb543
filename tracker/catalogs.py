"""Compiled translation catalogs, made at start when a checkout has none.

The UI is Chinese first, and without a compiled ``.mo`` Flask-Babel silently falls back to
the English source strings: a server started from a checkout where ``make`` never ran showed
the whole UI in English while the 中文 button looked selected. So the app compiles a missing
or outdated catalog when it starts, and a Chinese catalog it still cannot load makes
``/healthz`` answer 503, so a load balancer takes the machine out instead of serving English.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

logger = logging.getLogger(__name__)

# The language the UI cannot do without.
REQUIRED = "zh"


def compile_missing(directories: list[Path]) -> list[str]:
    """Compile each catalog whose ``.mo`` is missing or older than its ``.po``; answer the
    languages left without a usable ``.mo`` (a directory that cannot be written, a broken
    ``.po``). Written whole then renamed, so a worker starting beside it never reads half.
    """
    failed: list[str] = []
    for source in sorted(po for d in directories for po in d.glob("*/LC_MESSAGES/*.po")):
        target = source.with_suffix(".mo")
        language = source.parents[1].name
        try:
            if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
                continue
            with source.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            fd, scratch = tempfile.mkstemp(dir=target.parent, prefix=".messages-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    write_mo(handle, catalog)
                os.replace(scratch, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(scratch)
                raise
            logger.info("compiled the %s catalog: %s", language, target)
        except (OSError, ValueError) as error:
            logger.error("the %s catalog could not be compiled (%s): %s", language, target, error)
            if not target.is_file():
                failed.append(language)
    return failed


def init_app(app: Flask) -> None:
    """Compile what is missing and remember whether the Chinese catalog is there."""
    directories = [Path(d) for d in app.extensions["babel"].translation_directories]
    missing = compile_missing(directories)
    found = {po.parents[1].name for d in directories for po in d.glob("*/LC_MESSAGES/*.mo")}
    if REQUIRED not in found and REQUIRED not in missing:
        missing.append(REQUIRED)
    app.extensions["tracker_catalogs_missing"] = tuple(missing)


def missing_catalogs(app: Flask) -> tuple[str, ...]:
    """The languages whose catalog the app started without."""
    return tuple(app.extensions.get("tracker_catalogs_missing", ()))
