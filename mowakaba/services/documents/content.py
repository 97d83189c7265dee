"""What an uploaded file really is: PDF, JPEG or PNG, told by its bytes and a real parse.

The declared type (the browser's Content-Type, the file name) is never believed: the first
bytes must be one of the three signatures, the declared type must agree with them, and the
whole file must parse as that format (a "%PDF" header followed by garbage is refused).
"""

from __future__ import annotations

import threading
import unicodedata
import warnings
from pathlib import Path

from mowakaba.errors import DocumentRefused
from mowakaba.text import BIDI_CONTROLS, DIRECTION_MARKS

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
SIGNATURES = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
# What a client may declare for each type (browsers say image/jpg or image/pjpeg too).
DECLARED = {
    PDF: {PDF, "application/x-pdf"},
    JPEG: {JPEG, "image/jpg", "image/pjpeg"},
    PNG: {PNG, "image/x-png"},
}
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
HEAD_BYTES = 16
# An image larger than this is refused rather than decoded (a decompression bomb): 30 Mpx
# is more than an A4 page scanned at 600 dpi or a phone's 24 Mpx photo, and 90 MB decoded.
MAX_PIXELS = 30_000_000
# A PNG that unpacks to more than this many times its size is refused (a real scan or
# photo stays well under 100; a bomb is about 1000, deflate's limit), once it unpacks to
# more than a few megabytes (a small flat image is harmless whatever its ratio).
MAX_RATIO = 300
RATIO_FROM_BYTES = 8 * 1024 * 1024
# Checks that decode an image or parse a PDF at the same time, per process: each may hold
# ~100 MB; the others wait their turn (the upload stays streamed to disk meanwhile).
CONCURRENT_CHECKS = threading.BoundedSemaphore(2)


def sniff(head: bytes) -> str | None:
    """Return the content type the first bytes of a file announce (None: none of ours)."""
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def check_declared(actual: str, declared: str | None) -> None:
    """Refuse a declared type that does not match the content (none declared is fine)."""
    if not declared or declared == "application/octet-stream":
        return
    base = declared.split(";", 1)[0].strip().lower()
    if base not in DECLARED[actual]:
        raise DocumentRefused(f"file: declared {base[:64]!r} but the content is {actual}")


def _parse_pdf(path: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    if len(reader.pages) < 1:
        raise ValueError("no page")
    reader.pages[0].mediabox  # noqa: B018  (the first page's box must read)


def _parse_image(path: Path, kind: str) -> None:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as image:
            if image.format != {JPEG: "JPEG", PNG: "PNG"}[kind]:
                raise ValueError(f"format {image.format}")
            pixels = image.width * image.height
            if pixels > MAX_PIXELS:
                raise DocumentRefused(f"file: the image has {pixels} pixels (at most {MAX_PIXELS})")
            unpacked = pixels * len(image.getbands())
            size = max(path.stat().st_size, 1)
            if kind == PNG and unpacked > RATIO_FROM_BYTES and unpacked / size > MAX_RATIO:
                raise DocumentRefused(
                    f"file: the image unpacks to {unpacked // size} times its size "
                    f"(at most {MAX_RATIO})"
                )
            image.verify()
        with Image.open(path) as image:
            image.load()  # verify() skips the pixel data; a truncated file fails here


def check_content(path: Path, *, head: bytes, declared: str | None) -> str:
    """Return the content type of a stored upload, or raise DocumentRefused."""
    actual = sniff(head)
    if actual is None:
        raise DocumentRefused("file: only PDF, JPEG and PNG files are accepted")
    check_declared(actual, declared)
    try:
        with CONCURRENT_CHECKS:
            if actual == PDF:
                _parse_pdf(path)
            else:
                _parse_image(path, actual)
    except DocumentRefused:
        raise
    except Exception:  # every parser error means one thing: not a readable file of that type
        raise DocumentRefused(
            f"file: not a readable {EXTENSIONS[actual][1:].upper()} file"
        ) from None
    return actual


def clean_name(name: str | None, *, limit: int = 200) -> str:
    """A file name fit to show: the last path part, without control, bidi or NUL characters.

    Shown only: the file is stored under a random name, never under this one.
    """
    raw = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        ch
        for ch in raw
        if ch not in BIDI_CONTROLS
        and ch not in DIRECTION_MARKS
        and unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
    )
    kept = " ".join(kept.split()).strip(" .")
    return kept[:limit] or "document"


def download_name(original: str, content_type: str) -> str:
    """An ASCII name for Content-Disposition (the original goes in filename* when it differs)."""
    ascii_name = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-_. ") else "_" for ch in original
    ).strip(" ._")
    stem = ascii_name.rsplit(".", 1)[0] if "." in ascii_name else ascii_name
    return f"{(stem or 'document')[:80]}{EXTENSIONS[content_type]}"
