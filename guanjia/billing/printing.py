"""Receipts (收据) and refund notes (退款凭证) for the counter's printers, as PDF (reportlab, the
project's PDF tooling; Chinese in the CID font STSong-Light that every PDF reader has).

Two paper sizes: A5 (148 × 210 mm, the desk's laser printer) and an 80 mm thermal roll (72 mm
printable, the page as long as its content). Amounts in figures and in Chinese capitals (大写,
``core.money``). A receipt shows only positive amounts that add up to the payment; a refund is
never a negative line on it but its own document.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.money import amount_in_words

FONT = "STSong-Light"
SIZES = ("a5", "80mm")


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _draw(
    *,
    title: str,
    number_label: str,
    number: str,
    rows: list[tuple[str, str]],
    lines: list[tuple[str, Decimal]],
    total: Decimal,
    footer: list[str],
    size: str,
) -> bytes:
    """One document: a title, its number, label/value rows, the lines with their amounts, the
    total in figures and in capitals, the signature line."""
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    _register()
    if total < 0:
        raise ValueError("a receipt never shows a negative amount")
    thermal = size == "80mm"
    width = 80 * mm if thermal else A5[0]
    margin = 4 * mm if thermal else 12 * mm
    body = 8.5 if thermal else 10.5
    leading = body * 1.55
    lines_count = len(rows) + len(lines) + len(footer) + 10
    height = (lines_count * leading + 30 * mm) if thermal else A5[1]
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{title} {number}")
    y = height - margin - body * 1.6
    pdf.setFont(FONT, body * 1.5)
    pdf.drawCentredString(width / 2, y, title)
    y -= leading * 1.3
    pdf.setFont(FONT, body)
    pdf.drawCentredString(width / 2, y, f"{number_label} {number}")
    y -= leading * 1.2
    right = width - margin
    label_w = (16 if thermal else 24) * mm
    for label, value in rows:
        pdf.drawString(margin, y, label)
        pdf.drawString(margin + label_w, y, value)
        y -= leading
    y -= leading * 0.3
    pdf.line(margin, y + leading * 0.6, right, y + leading * 0.6)
    for text, amount in lines:
        pdf.drawString(margin, y, text[:28] if thermal else text[:44])
        pdf.drawRightString(right, y, f"{amount:,.2f}")
        y -= leading
    pdf.line(margin, y + leading * 0.6, right, y + leading * 0.6)
    pdf.setFont(FONT, body * 1.1)
    pdf.drawString(margin, y, _("合计（小写）"))
    pdf.drawRightString(right, y, f"¥{total:,.2f}")
    y -= leading * 1.1
    words = _("人民币") + amount_in_words(total)
    pdf.drawString(margin, y, _("合计（大写）"))
    if thermal:
        y -= leading
        pdf.drawString(margin, y, words)
    else:
        pdf.drawString(margin + 30 * mm, y, words)
    pdf.setFont(FONT, body)
    y -= leading * 1.6
    for text in footer:
        pdf.drawString(margin, y, text)
        y -= leading * 1.4
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def receipt_pdf(payment, lines: dict, *, size: str = "a5") -> bytes:
    """A payment's receipt; ``lines`` is ``selectors.receipt_lines(payment)``."""
    rows = [
        (_("项目"), payment.project.name),
        (_("房屋"), f"{payment.unit.building.name}-{payment.unit.number}"),
        (
            _("付款方式"),
            str(payment.get_method_display()) + (f" {payment.reference}" if payment.reference else ""),
        ),
        (_("收款时间"), _local(payment.received_at)),
    ]
    if payment.payer:
        rows.insert(2, (_("付款人"), payment.payer))
    items = [(f"{line['bill'].period} {_('账单')}", line["amount"]) for line in lines["lines"]]
    if lines.get("credit"):
        items.append((_("预存"), lines["credit"]))
    cashier = payment.received_by.display_name if payment.received_by else ""
    footer = [f"{_('收款人')}：{cashier}", f"{_('交款人签字')}：________"]
    if lines.get("refunds"):
        footer.insert(0, _("其中已退款 %(amount)s 元，见退款凭证") % {"amount": lines["refunded"]})
    return _draw(
        title=_("收据"),
        number_label=_("收据号"),
        number=payment.receipt_no,
        rows=rows,
        lines=items,
        total=payment.amount,
        footer=footer,
        size=size,
    )


def refund_pdf(correction, payment, *, size: str = "a5") -> bytes:
    """An approved refund's own document (退款凭证): the amount given back, positive, with the
    receipt it refunds and who asked and approved."""
    rows = [
        (_("项目"), payment.project.name),
        (_("房屋"), f"{payment.unit.building.name}-{payment.unit.number}"),
        (_("原收据号"), payment.receipt_no),
        (_("退款原因"), correction.reason),
        (_("审批时间"), _local(correction.decided_at)),
    ]
    asked = correction.requested_by.display_name if correction.requested_by else ""
    decided = correction.decided_by.display_name if correction.decided_by else ""
    return _draw(
        title=_("退款凭证"),
        number_label=_("凭证号"),
        number=f"{payment.receipt_no}-TK{correction.pk}",
        rows=rows,
        lines=[(_("退还收据 %(no)s 款项") % {"no": payment.receipt_no}, correction.amount)],
        total=correction.amount,
        footer=[f"{_('申请人')}：{asked}　{_('审批人')}：{decided}", f"{_('领款人签字')}：________"],
        size=size,
    )
