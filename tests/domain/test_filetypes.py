"""Evidence file types are recognised by their content; names must agree with it."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from tracker.domain.filetypes import (
    FileType,
    clean_filename,
    extension_of,
    name_matches,
    sniff,
)


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
        b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0bIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
        b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def zip_bytes(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])


def xlsx_bytes() -> bytes:
    """A real workbook, as Excel or WPS would save it."""
    workbook = Workbook()
    workbook.active["A1"] = "基站数"
    workbook.active["B1"] = 970
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00"


SAMPLES = {
    FileType.PDF: (pdf_bytes, "报告.pdf"),
    FileType.PNG: (png_bytes, "截图.png"),
    FileType.JPEG: (jpeg_bytes, "现场照片.jpg"),
    FileType.DOCX: (docx_bytes, "情况说明.docx"),
    FileType.XLSX: (xlsx_bytes, "台账.xlsx"),
}


@pytest.mark.parametrize("kind", list(FileType))
def test_each_accepted_type_is_recognised_by_its_content(kind: FileType) -> None:
    make, _name = SAMPLES[kind]
    assert sniff(make()) is kind


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(exe_bytes(), id="windows program"),
        pytest.param("进展情况：已开通基站970处".encode(), id="plain text"),
        pytest.param(b"<html><script>alert(1)</script></html>", id="html"),
        pytest.param(b"GIF89a\x01\x00\x01\x00", id="gif"),
        pytest.param(zip_bytes(["readme.txt", "word/notes.txt"]), id="zip without content types"),
        pytest.param(zip_bytes(["readme.txt"]), id="plain zip"),
        pytest.param(zip_bytes(["[Content_Types].xml", "ppt/presentation.xml"]), id="pptx"),
        pytest.param(
            zip_bytes(["[Content_Types].xml", "word/document.xml", "xl/workbook.xml"]),
            id="both word and excel parts",
        ),
        pytest.param(b"PK\x03\x04" + b"\x00" * 200, id="broken zip"),
        pytest.param(docx_bytes()[:40], id="truncated docx"),
        pytest.param(b" %PDF-1.4", id="pdf signature not at the start"),
    ],
)
def test_anything_else_is_not_recognised(data: bytes) -> None:
    assert sniff(data) is None


@pytest.mark.parametrize(
    ("name", "kind", "matches"),
    [
        ("报告.pdf", FileType.PDF, True),
        ("报告.PDF", FileType.PDF, True),
        ("照片.jpg", FileType.JPEG, True),
        ("照片.jpeg", FileType.JPEG, True),
        ("照片.JPEG", FileType.JPEG, True),
        ("截图.png", FileType.PNG, True),
        ("台账.xlsx", FileType.XLSX, True),
        ("说明.docx", FileType.DOCX, True),
        ("截图.png", FileType.PDF, False),
        ("报告.pdf.exe", FileType.PDF, False),
        ("台账.xls", FileType.XLSX, False),
        ("说明.doc", FileType.DOCX, False),
        ("说明.xlsx", FileType.DOCX, False),
        ("pdf", FileType.PDF, False),
        (".pdf", FileType.PDF, False),
        ("", FileType.PDF, False),
    ],
)
def test_the_name_must_end_the_way_the_content_says(
    name: str, kind: FileType, matches: bool
) -> None:
    assert name_matches(name, kind) is matches


def test_extension_is_lower_case_from_the_last_dot() -> None:
    assert extension_of("年度 报告.v2.PDF") == ".pdf"
    assert extension_of("README") == ""


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("报告.pdf", "报告.pdf"),
        ("C:\\Users\\王主任\\Desktop\\铁塔公司月报.pdf", "铁塔公司月报.pdf"),
        ("/home/wang/文件/月报.pdf", "月报.pdf"),
        ("../../etc/passwd", "passwd"),
        ("  截图 1.png  ", "截图 1.png"),
        ("bad\x00name\r\n.pdf", "badname.pdf"),
        ("evil\u202egnp.pdf", "evilgnp.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        (None, ""),
        ("", ""),
    ],
)
def test_clean_filename_keeps_only_the_name(sent: str | None, kept: str) -> None:
    assert clean_filename(sent) == kept


def test_a_long_name_is_cut_but_keeps_its_ending() -> None:
    name = clean_filename("进" * 300 + ".docx")
    assert len(name) == 255
    assert name.endswith("进.docx")
