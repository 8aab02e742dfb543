"""Every UI string is in the catalogs and translated into Chinese."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "tracker" / "translations"


def extracted_messages(tmp_path: Path) -> set[str]:
    """What `make extract-messages` would find in the code and templates today."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            "--omit-header",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {_key(m.id) for m in read_po(handle) if m.id}


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def test_every_ui_string_has_a_chinese_translation(tmp_path: Path) -> None:
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        _key(m.id)
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else (m.string,))
    }
    missing = sorted(extracted_messages(tmp_path) - translated)
    assert missing == [], "run `make extract-messages` and translate these in zh: " + repr(missing)


def test_english_catalog_knows_every_string(tmp_path: Path) -> None:
    """English uses the source strings; its catalog must still list them, so none is forgotten."""
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        known = {_key(m.id) for m in read_po(handle) if m.id}
    assert sorted(extracted_messages(tmp_path) - known) == []
