"""Images that people upload: measured from their header before anything is decoded, and
re-encoded from their pixels alone.

A photo's metadata may say who took it and where (EXIF: the owner's name, the GPS
position), and its comment, text chunks or colour profile may carry anything at all, so a
photo that is kept is decoded and saved anew from a fresh image that holds its pixels and
nothing else. A file may also claim many more pixels than its bytes suggest (a 640 KB PNG
can decode to 13 000 × 13 000 pixels), so its size in pixels is read from the header and
judged before it is decoded; one image is decoded at a time, and freed before the next.

A phone's JPEG may be an MPO (a second, smaller image appended, Pillow's format "MPO"):
it is a JPEG, and its first image is the photo.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

from django.utils import formats
from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

# What a broken, truncated or hostile image file raises in Pillow (which itself takes
# SyntaxError, IndexError, TypeError and struct.error to mean "not this format").
IMAGE_ERRORS: tuple[type[Exception], ...] = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
    Image.DecompressionBombError,
)
# The formats Pillow reports that are saved as another: an MPO is a JPEG with more images.
SAME_AS = {"MPO": "JPEG"}
# The modes each format is saved in; anything else is converted first.
SAVED_MODES = {
    "JPEG": ("RGB", "L"),
    "PNG": ("RGB", "RGBA", "L", "LA"),
    "WEBP": ("RGB", "RGBA"),
}
SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class ImageHeader:
    """What an image file's header says: its format and size. Nothing is decoded."""

    format: str  # as saved: "JPEG" for an MPO
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


def megapixels(pixels: int) -> str:
    """A number of pixels in megapixels, as the active language writes numbers: "60",
    "0,001199"."""
    value = pixels / 1_000_000
    return formats.number_format(int(value) if value.is_integer() else value)


def _open(file: IO[bytes], formats: Iterable[str]) -> Image.Image:
    """Pillow's lazy open from the start of `file`: reads the header, decodes nothing.
    Pillow's own decompression-bomb warning is silenced: the callers check the pixels, to
    a lower limit; its error (twice its limit) still stops a file beyond all reason."""
    file.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(file, formats=list(formats))


def image_header(file: IO[bytes], *, formats: Iterable[str]) -> ImageHeader:
    """The format and size of the image in `file`, one of `formats` (Pillow's names; what
    opens as a JPEG may be an MPO), from its header, and the file checked for what can be
    checked without decoding it (Pillow's `verify`: a PNG's checksums, say). Raises one of
    `IMAGE_ERRORS` for a file that is not such an image."""
    with _open(file, formats) as probe:
        image_format = str(probe.format)
        width, height = probe.size
        probe.verify()
    file.seek(0)
    return ImageHeader(format=SAME_AS.get(image_format, image_format), width=width, height=height)


def _replaced(image: Image.Image, step: Callable[[Image.Image], Image.Image]) -> Image.Image:
    """`step(image)`, with `image` freed at once when the step made a new one."""
    result = step(image)
    if result is not image:
        image.close()
    return result


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info


def _in_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """The pixels converted from their embedded colour profile to sRGB; as they are when
    there is none, or one that does not fit them (they are then taken as sRGB)."""
    if not icc_profile:
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        converted = ImageCms.profileToProfile(
            image, profile, SRGB, outputMode="RGBA" if image.mode == "RGBA" else "RGB"
        )
    except ImageCms.PyCMSError:
        return image
    except IMAGE_ERRORS:
        return image
    return converted if converted is not None else image


def _working_mode(image: Image.Image) -> Image.Image:
    """Palettes, single bits and wider samples as plain RGB(A) or grey (CMYK stays for its
    colour profile)."""
    if image.mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGBA" if _has_alpha(image) else "RGB")


def _saved_mode(image: Image.Image, image_format: str) -> Image.Image:
    modes = SAVED_MODES[image_format]
    if image.mode in modes:
        return image
    if image.mode == "LA" and "L" in modes:
        return image.convert("L")
    return image.convert("RGBA" if _has_alpha(image) and "RGBA" in modes else "RGB")


# How to turn an image of each EXIF orientation (2 to 8) upright, as ImageOps.exif_transpose.
ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(image: Image.Image, orientation: object) -> Image.Image:
    """Turned as its EXIF orientation (whatever the file says) says it is to be shown."""
    method = ORIENTATIONS.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(method) if method is not None else image


def _pixels_only(image: Image.Image) -> Image.Image:
    """A fresh image of `image`'s pixels and nothing else: no EXIF, colour profile,
    comment, text chunks or other `info` for a format's encoder to write again (Pillow's
    JPEG encoder writes the `info` comment of the image it saves, its PNG encoder the
    `info` colour profile). The pixels are not copied: the fresh image holds the same
    decoded pixels, so a 60 MP photo is in memory once, not twice."""
    fresh = image._new(image.im)
    fresh.info = {}
    return fresh


def image_reencode(file: IO[bytes], *, header: ImageHeader, quality: int = 90) -> bytes:
    """The image in `file` (whose `image_header` is `header`, checked by the caller)
    decoded, turned upright, converted to sRGB, and saved in its format from its pixels
    alone. An MPO, an animated PNG or WebP keeps its first image only. The decoded image is
    in memory once, twice while it is turned or converted, and freed on return. Raises one
    of `IMAGE_ERRORS` for a file that cannot be decoded."""
    with _open(file, [header.format]) as opened:
        orientation = opened.getexif().get(ExifTags.Base.Orientation, 1)
        icc_profile = opened.info.get("icc_profile")
        opened.load()  # the first image only
        image: Image.Image = opened
        image = _replaced(image, _working_mode)
        image = _replaced(image, lambda i: _in_srgb(i, icc_profile))
        image = _replaced(image, lambda i: _saved_mode(i, header.format))
        image = _replaced(image, lambda i: _upright(i, orientation))
        image = _replaced(image, _pixels_only)
    try:
        out = io.BytesIO()
        options: dict[str, object] = {} if header.format == "PNG" else {"quality": quality}
        image.save(out, format=header.format, **options)
        return out.getvalue()
    finally:
        image.close()


THUMBNAIL_SIDE = 320


def image_thumbnail(
    file: IO[bytes], *, formats: Iterable[str], side: int = THUMBNAIL_SIDE, quality: int = 80
) -> tuple[bytes, str]:
    """A small copy of the image in `file` (one of `formats`; one that was kept, so
    already re-encoded by `image_reencode`), at most `side` pixels wide and high, saved
    anew in its format from its pixels alone; and that format (Pillow's name: "JPEG").
    A JPEG is decoded at a reduced scale (Pillow's `draft`), so a large photo is never in
    memory at full size. Raises one of `IMAGE_ERRORS` for a file that is not such an
    image."""
    header = image_header(file, formats=formats)
    with _open(file, [header.format]) as opened:
        opened.draft("RGB" if opened.mode != "L" else "L", (side, side))
        opened.load()
        image: Image.Image = opened
        image = _replaced(image, _working_mode)
        image = _replaced(image, lambda i: _saved_mode(i, header.format))
        image = _replaced(image, _pixels_only)
    try:
        image.thumbnail((side, side))
        out = io.BytesIO()
        options: dict[str, object] = {} if header.format == "PNG" else {"quality": quality}
        image.save(out, format=header.format, **options)
        return out.getvalue(), header.format
    finally:
        image.close()
