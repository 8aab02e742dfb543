"""The app compiles its translation catalogs when a checkout has none, and a machine that
still has no Chinese catalog answers 503 on /healthz rather than serve the UI in English.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from flask import Flask

SOURCE = Path(__file__).resolve().parents[1] / "tracker/translations"


def _sources_only(where: Path) -> Path:
    """A copy of the catalogs' sources (.po), as in a checkout where `make` never ran."""
    for po in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        target = where / po.relative_to(SOURCE)
        target.parent.mkdir(parents=True)
        shutil.copy(po, target)
    return where


def test_missing_catalogs_are_compiled_at_start_and_the_ui_is_chinese(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    translations = _sources_only(tmp_path / "translations")
    fresh = make_app(BABEL_TRANSLATION_DIRECTORIES=str(translations))
    assert (translations / "zh/LC_MESSAGES/messages.mo").is_file()
    assert (translations / "en/LC_MESSAGES/messages.mo").is_file()
    assert not list(translations.glob("*/LC_MESSAGES/.messages-*"))  # no scratch left
    client = fresh.test_client()
    assert "登录" in client.get("/login").get_data(as_text=True)
    assert client.get("/healthz").status_code == 200


def test_a_catalog_edited_since_compiled_is_compiled_again(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    translations = _sources_only(tmp_path / "translations")
    make_app(BABEL_TRANSLATION_DIRECTORIES=str(translations))
    compiled = translations / "zh/LC_MESSAGES/messages.mo"
    os.utime(compiled, (1, 1))  # older than its source
    make_app(BABEL_TRANSLATION_DIRECTORIES=str(translations))
    assert compiled.stat().st_mtime > 1


def test_without_a_chinese_catalog_healthz_answers_503(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    translations = _sources_only(tmp_path / "translations")
    (translations / "zh/LC_MESSAGES/messages.mo").mkdir()  # it cannot be written
    broken = make_app(BABEL_TRANSLATION_DIRECTORIES=str(translations))
    answer = broken.test_client().get("/healthz")
    assert answer.status_code == 503
    assert "zh translation catalog is missing" in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_shipped_catalogs_keep_healthz_at_200(app: Flask) -> None:
    answer = app.test_client().get("/healthz")
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "ok")
