"""What the portal accepts as an attachment: a few common types, checked by content.

The extension says what the customer claims the file is; the first bytes
must agree. A file that fails either check is refused with a message naming
it, so the customer knows which one to fix.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
_HEAD_BYTES = 64 * 1024

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# extension -> (what the content must be, the content type we store and serve)
ALLOWED: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "txt": ("text", "text/plain"),
    "csv": ("text", "text/csv"),
    "docx": ("docx", _DOCX),
    "xlsx": ("xlsx", _XLSX),
    "zip": ("zip", "application/zip"),
}
ALLOWED_LABEL = "PDF, PNG, JPG, GIF, TXT, CSV, DOCX, XLSX or ZIP"
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in ALLOWED)

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive
)
# Control characters that never appear in text a person would send.
_BINARY_BYTES = set(range(0x00, 0x09)) | {0x0B, 0x0E, 0x0F} | set(range(0x10, 0x1B)) | {0x7F}
_KIND_NAMES = {
    "pdf": "a PDF",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "text": "plain text",
    "docx": "a Word document",
    "xlsx": "an Excel workbook",
    "zip": "a ZIP archive",
}


@dataclass(frozen=True)
class CheckedFile:
    file: UploadedFile[bytes]
    content_type: str


def check_upload(upload: UploadedFile[bytes]) -> CheckedFile:
    """The upload with the content type we will serve it as; ValidationError if refused."""
    name = upload.name or "file"
    size = upload.size or 0
    if size > MAX_FILE_BYTES:
        raise ValidationError(
            f"“{name}” is {filesizeformat(size)}; each file may be at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB.",
            code="too_large",
        )
    if size == 0:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError(
            f"“{name}” is not a type of file we accept. Please send {ALLOWED_LABEL} files.",
            code="bad_type",
        )
    expected, content_type = ALLOWED[ext]
    if _content_kind(upload, expected) != expected:
        raise ValidationError(
            f"“{name}” does not contain {_KIND_NAMES[expected]}, although its name says so.",
            code="bad_content",
        )
    upload.seek(0)
    return CheckedFile(file=upload, content_type=content_type)


def _content_kind(upload: UploadedFile[bytes], expected: str) -> str | None:
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "zip" and expected in ("docx", "xlsx"):
                return _office_kind(upload)
            return kind
    return "text" if _looks_like_text(head) else None


def _office_kind(upload: UploadedFile[bytes]) -> str | None:
    """docx and xlsx are ZIP archives; their part names say which one."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def _looks_like_text(head: bytes) -> bool:
    # Any encoding is fine (spreadsheets exported on Windows are often cp1252);
    # control bytes that no text contains mean a binary file renamed to .txt.
    return not any(byte in _BINARY_BYTES for byte in head)
