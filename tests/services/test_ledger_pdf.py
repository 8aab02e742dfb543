"""The ledger on paper: LibreOffice prints it to PDF, and every heading and a long title are
there whole, inside their rows (LibreOffice clips text that overflows a row whose height the
file sets, yet keeps the clipped text in the PDF, so its position is checked too)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from tests.services.test_ledger import TODAY, ledger_bytes
from tracker.extensions import db
from tracker.models import Item
from tracker.services.exports.ledger import INSTRUCTION_COLUMNS, ITEM_COLUMNS, heading

pytestmark = pytest.mark.slow

LONG_TITLE = "推进5G网络、工业互联网标识解析二级节点和边缘计算节点建设" * 2
SOFFICE = "soffice"


def run(*command: str | Path) -> str:
    return subprocess.run(
        [str(part) for part in command], check=True, capture_output=True, text=True, timeout=180
    ).stdout


def print_to_pdf(workbook: Path, tmp_path: Path) -> Path:
    if shutil.which(SOFFICE) is None or shutil.which("pdftotext") is None:
        pytest.fail("soffice or pdftotext is missing: `make test` installs libreoffice-calc-nogui")
    profile = (tmp_path / "profile").as_uri()  # private: never the user's, never shared
    run(
        SOFFICE,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        tmp_path,
        workbook,
    )
    pdf = workbook.with_suffix(".pdf")
    assert pdf.exists()
    return pdf


def words(pdf: Path, page: int = 1) -> list[tuple[float, float, float, str]]:
    """The words of one page as (left, top, bottom, text), in reading order."""
    bbox = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), pdf, "-")
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>'
    return [
        (float(left), float(top), float(bottom), text)
        for left, top, bottom, text in re.findall(pattern, bbox)
    ]


def test_libreoffice_prints_every_heading_and_a_long_title_whole(
    seeded: Flask, tmp_path: Path
) -> None:
    item = db.session.scalar(sa.select(Item).where(Item.code == "T1"))
    item.title_zh = LONG_TITLE
    db.session.commit()
    workbook = tmp_path / "ledger.xlsx"
    workbook.write_bytes(ledger_bytes(TODAY))
    pdf = print_to_pdf(workbook, tmp_path)

    layout = run("pdftotext", "-layout", pdf, "-")
    lines = [re.sub(r"\s+", " ", line) for line in layout.splitlines()]
    with seeded.test_request_context(), force_locale("zh_CN"):
        headings = [heading(column.label) for column in (*ITEM_COLUMNS, *INSTRUCTION_COLUMNS)]
    for label in headings:
        chinese, _, english = label.partition("\n")
        assert any(chinese in line for line in lines), chinese
        # A heading may wrap between words, never lose one.
        for word in english.split():
            assert word in layout, (english, word)
    # The long title wraps over several lines; read in order (its first line shares a text line
    # with the lead department, the next cell), it is all there.
    reading_order = re.sub(r"\s+|区工业和信息化局", "", run("pdftotext", pdf, "-"))
    assert LONG_TITLE in reading_order

    # Inside their rows: the heading's last line ends above the first item's code, and the
    # long title's last line above the first milestone's code. Page 1 is the about sheet.
    page = next(
        number for number in range(1, 20) if any(w[3] == "T1-1" for w in words(pdf, number))
    )
    found = words(pdf, page)
    top_of = {text: top for _, top, _, text in found}
    heading_bottom = max(bottom for _, top, bottom, _ in found if top < top_of["T1"])
    assert heading_bottom <= top_of["T1"]
    left = next(left for left, _, _, text in found if text and LONG_TITLE.startswith(text))
    title = [(bottom, text) for x, _, bottom, text in found if abs(x - left) < 1]
    read = ""
    for bottom, text in title:
        read += text
        if read.endswith(LONG_TITLE):
            assert bottom <= top_of["T1-1"] + 1, "the title's last line overflows its row"
            break
    else:
        pytest.fail(f"the long title is not in one column: {read}")
