"""What an uploaded document really is: its content, not its name or its first bytes,
says whether it is the PDF, Word document, Excel workbook or image its extension claims.

- PDF: starts with `%PDF-` and ends with `%%EOF` (within its last kilobyte, as readers
  look for it), so that a truncated upload or something else with a PDF's first bytes is
  refused.
- DOCX and XLSX: zip files with `[Content_Types].xml` and their main part
  (`word/document.xml`, `xl/workbook.xml`), read from the zip's directory without
  extracting anything; a directory that claims more than `ZIP_MAX_MEMBERS` members or
  `ZIP_MAX_UNPACKED_BYTES` unpacked (a zip bomb) is refused, and so is a document with
  macros (a `vbaProject.bin`: an .xlsm or .docm renamed).
- PNG and JPEG: open as such in Pillow, within a limit in pixels read from the header,
  and pass Pillow's `verify`; nothing is decoded. A phone's MPO is a JPEG.

Each refusal is a ValidationError that names the file.
"""

from __future__ import annotations

import zipfile
from typing import IO

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from PIL import Image

from .images import IMAGE_ERRORS, image_header, megapixels

# A zip's directory claiming more than this is refused. An office document has tens of
# members, one with many pictures some hundreds; its XML unpacks to ten or twenty times
# its size, so 200 MB leaves room for a 10 MB workbook of plain data.
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Readers look for %%EOF in the last kilobyte of a PDF.
PDF_TAIL_BYTES = 1024
# The main part of each Office Open XML type.
MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# Pillow's formats of each image type (a phone's MPO opens as a JPEG).
IMAGE_FORMATS = {"png": ("PNG",), "jpg": ("JPEG",), "jpeg": ("JPEG",)}


def _type_name(extension: str) -> str:
    return {
        "pdf": _("a PDF document"),
        "docx": _("a Word document (DOCX)"),
        "xlsx": _("an Excel workbook (XLSX)"),
        "png": _("a PNG image"),
        "jpg": _("a JPEG image"),
        "jpeg": _("a JPEG image"),
    }[extension]


def _not_a(name: str, extension: str) -> ValidationError:
    return ValidationError(
        _("%(name)s is not %(type)s: its content does not match its type.")
        % {"name": name, "type": _type_name(extension)},
        code="wrong_type",
    )


def _pdf_check(file: IO[bytes], *, name: str, size: int) -> None:
    file.seek(0)
    head = file.read(5)
    file.seek(max(0, size - PDF_TAIL_BYTES))
    tail = file.read(PDF_TAIL_BYTES)
    if head != b"%PDF-":
        raise _not_a(name, "pdf")
    if b"%%EOF" not in tail:
        raise ValidationError(
            _("%(name)s is not a complete PDF document: its end is missing.") % {"name": name},
            code="incomplete",
        )


def _office_check(file: IO[bytes], *, name: str, extension: str) -> None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _not_a(name, extension) from None
    if len(members) > ZIP_MAX_MEMBERS or (
        sum(m.file_size for m in members) > ZIP_MAX_UNPACKED_BYTES
    ):
        raise ValidationError(
            _("%(name)s unpacks to more than %(mb)d MB or %(count)s parts: it cannot be attached.")
            % {
                "name": name,
                "mb": ZIP_MAX_UNPACKED_BYTES // (1024 * 1024),
                "count": formats.number_format(ZIP_MAX_MEMBERS),
            },
            code="zip_bomb",
        )
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or MAIN_PARTS[extension] not in names:
        raise _not_a(name, extension)
    if any(n.rsplit("/", 1)[-1].lower() == "vbaproject.bin" for n in names):
        raise ValidationError(
            _(
                "%(name)s contains macros, which cannot be attached. Save it as a document "
                "without macros and attach that."
            )
            % {"name": name},
            code="macros",
        )


def _image_check(file: IO[bytes], *, name: str, extension: str, max_pixels: int) -> None:
    too_many_pixels = ValidationError(
        _("%(name)s has more than %(max)s megapixels.")
        % {"name": name, "max": megapixels(max_pixels)},
        code="too_many_pixels",
    )
    try:
        header = image_header(file, formats=IMAGE_FORMATS[extension])
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except IMAGE_ERRORS:
        raise _not_a(name, extension) from None
    if header.pixels > max_pixels:
        raise too_many_pixels


def document_check(
    file: IO[bytes], *, name: str, extension: str, size: int, max_pixels: int
) -> None:
    """Refuses `file` (named `name`, of `size` bytes) unless its content is of the type its
    `extension` says (pdf, docx, xlsx, png, jpg, jpeg); images within `max_pixels`.
    Raises ValidationError naming the file; leaves `file` at its start."""
    try:
        if extension == "pdf":
            _pdf_check(file, name=name, size=size)
        elif extension in MAIN_PARTS:
            _office_check(file, name=name, extension=extension)
        elif extension in IMAGE_FORMATS:
            _image_check(file, name=name, extension=extension, max_pixels=max_pixels)
        else:
            raise ValueError(f"no check of {extension} files")
    finally:
        file.seek(0)
