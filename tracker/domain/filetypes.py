"""Which evidence files are accepted: recognised by their content, not by their name.

A file's first bytes say what it is: PDF and images start with a signature, and DOCX/XLSX are
ZIP archives with the parts of an Office Open XML document. The name must agree with what the
content is, so nobody downloads a "report.pdf" that opens as something else.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from enum import StrEnum


class FileType(StrEnum):
    """The file types evidence may have."""

    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    DOCX = "docx"
    XLSX = "xlsx"


CONTENT_TYPES = {
    FileType.PDF: "application/pdf",
    FileType.PNG: "image/png",
    FileType.JPEG: "image/jpeg",
    FileType.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileType.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# The name endings each type may have; the first is the usual one.
EXTENSIONS = {
    FileType.PDF: (".pdf",),
    FileType.PNG: (".png",),
    FileType.JPEG: (".jpg", ".jpeg"),
    FileType.DOCX: (".docx",),
    FileType.XLSX: (".xlsx",),
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"
CONTENT_TYPES_PART = "[Content_Types].xml"

NAME_MAX = 255


def sniff(data: bytes) -> FileType | None:
    """What the bytes are, or None when they are none of the accepted types."""
    if data.startswith(PDF_SIGNATURE):
        return FileType.PDF
    if data.startswith(PNG_SIGNATURE):
        return FileType.PNG
    if data.startswith(JPEG_SIGNATURE):
        return FileType.JPEG
    if data.startswith(ZIP_SIGNATURE):
        return _office_type(data)
    return None


def _office_type(data: bytes) -> FileType | None:
    """DOCX or XLSX when the archive holds an Office document's parts; only names are read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return None
    if CONTENT_TYPES_PART not in names:
        return None
    word = any(name.startswith("word/") for name in names)
    excel = any(name.startswith("xl/") for name in names)
    if word and not excel:
        return FileType.DOCX
    if excel and not word:
        return FileType.XLSX
    return None


def extension_of(filename: str) -> str:
    """The name's ending from the last dot, in lower case ("" when it has none)."""
    stem, dot, suffix = filename.rpartition(".")
    if not dot or not stem:
        return ""
    return "." + suffix.lower()


def name_matches(filename: str, kind: FileType) -> bool:
    """Whether the name ends the way a file of this type should (.jpg and .jpeg both do)."""
    return extension_of(filename) in EXTENSIONS[kind]


def clean_filename(filename: str | None) -> str:
    """The file name to keep: without any folder part or control characters, at most 255 long.

    Browsers on Windows may send ``C:\\Users\\…\\报告.pdf``; only ``报告.pdf`` is kept. Chinese and
    other letters stay as they are. A name too long loses the end of its stem, not its ending.
    """
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = unicodedata.normalize("NFC", name).strip().lstrip(".").strip()
    if len(name) <= NAME_MAX:
        return name
    extension = extension_of(name)
    if len(extension) > 16:
        extension = ""
    return name[: NAME_MAX - len(extension)] + extension


class AttachmentProblem(StrEnum):
    """Why a file was refused."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TYPE_NOT_ALLOWED = "type_not_allowed"
    NAME_MISMATCH = "name_mismatch"
