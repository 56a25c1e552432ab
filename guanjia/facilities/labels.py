"""Printable QR label sheets (PDF, A4, 3 × 5 labels a page) for equipment and patrol checkpoints.

Pure Python: segno makes the QR matrix, reportlab draws it as vector squares, and Chinese text uses
reportlab's built-in CID font STSong-Light (no font file needed; PDF readers supply the glyphs).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import segno
from django.conf import settings

if TYPE_CHECKING:
    from reportlab.pdfgen import canvas

# reportlab (~12 MB) is imported by the first sheet drawn, not by every worker at start; its units:
mm = 72 / 25.4  # reportlab.lib.units.mm
A4 = (210 * mm, 297 * mm)  # reportlab.lib.pagesizes.A4

FONT = "STSong-Light"
COLUMNS, ROWS = 3, 5
MARGIN_X, MARGIN_Y = 8 * mm, 10 * mm
QR_SIZE = 32 * mm


@dataclass
class Label:
    title: str  # printed bold under the code: the item's or checkpoint's name
    lines: list[str]  # code, place …
    url: str  # what the code opens


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _fit(text: str, font: str, size: float, width: float) -> str:
    from reportlab.pdfbase import pdfmetrics

    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _draw_qr(pdf: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """The code as filled squares, quiet zone included in ``size``; (x, y) is the lower-left corner."""
    qr = segno.make(url, error="m", micro=False)
    rows = [list(row) for row in qr.matrix_iter(border=2)]
    cell = size / len(rows)
    pdf.setFillGray(0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(
                    x + start * cell, y + size - (r + 1) * cell, (c - start) * cell, cell, stroke=0, fill=1
                )
            else:
                c += 1


def label_sheet(labels: list[Label], *, heading: str) -> bytes:
    """A PDF of the labels, COLUMNS × ROWS per A4 page, with light cut lines."""
    from reportlab.pdfgen import canvas

    font = _font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(heading)
    page_w, page_h = A4
    cell_w = (page_w - 2 * MARGIN_X) / COLUMNS
    cell_h = (page_h - 2 * MARGIN_Y) / ROWS
    per_page = COLUMNS * ROWS
    for index, label in enumerate(labels):
        if index and index % per_page == 0:
            pdf.showPage()
        slot = index % per_page
        col, row = slot % COLUMNS, slot // COLUMNS
        x = MARGIN_X + col * cell_w
        y = page_h - MARGIN_Y - (row + 1) * cell_h
        pdf.setStrokeGray(0.75)
        pdf.setDash(2, 2)
        pdf.rect(x + 1 * mm, y + 1 * mm, cell_w - 2 * mm, cell_h - 2 * mm, stroke=1, fill=0)
        pdf.setDash()
        _draw_qr(pdf, label.url, x + (cell_w - QR_SIZE) / 2, y + cell_h - QR_SIZE - 3 * mm, QR_SIZE)
        text_w = cell_w - 6 * mm
        pdf.setFillGray(0)
        pdf.setFont(font, 10)
        baseline = y + cell_h - QR_SIZE - 8 * mm
        pdf.drawCentredString(x + cell_w / 2, baseline, _fit(label.title, font, 10, text_w))
        pdf.setFont(font, 7.5)
        for offset, line in enumerate(label.lines[:3], start=1):
            pdf.drawCentredString(x + cell_w / 2, baseline - offset * 3.6 * mm, _fit(line, font, 7.5, text_w))
    if not labels:
        pdf.setFont(font, 12)
        pdf.drawString(MARGIN_X, page_h - MARGIN_Y - 10 * mm, heading)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
