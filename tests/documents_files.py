"""Real and fake files for the documents' tests, made on the spot."""

from __future__ import annotations

import io


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str = "PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, format=fmt)
    return out.getvalue()


FAKE_PDF = b"%PDF-1.7\n" + b"\x00garbage that no reader can parse\n" * 200
