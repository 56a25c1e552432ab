"""The handover record (收楼交付记录) and the takeover acceptance record (接管验收记录) as PDF
(reportlab, as receipts and audit reports are drawn; Chinese in the CID font STSong-Light, which every
PDF reader has). Both share the inspection's table, its defects with photos and the signature."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.handover.choices import DOCUMENTS, KEY_KINDS, HandoverItemResult
from guanjia.handover.services.common import mask_id

FONT = "STSong-Light"
THUMB_MM = 26


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _image(name: str, width_mm: float):
    """A stored image as a flowable ``width_mm`` wide; None if the file is gone or unreadable."""
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as fh:
            data = io.BytesIO(fh.read())
        width, height = ImageReader(data).getSize()
    except (OSError, ValueError):
        return None
    data.seek(0)
    w = width_mm * mm
    return Image(data, width=w, height=w * height / width if width else w, hAlign="LEFT")


def _build(
    *, title: str, number: str, facts: list[tuple[str, str]], inspection, signature: str, signer: str
) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    big = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=6, alignment=1)
    heading = ParagraphStyle("heading", parent=body, fontSize=11, leading=16, spaceBefore=8, spaceAfter=4)

    def p(text, style=body):
        return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), style)

    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    story = [p(title, big), p(_("编号：%(n)s") % {"n": number})]
    facts_table = Table([[p(k), p(v)] for k, v in facts], colWidths=[35 * mm, 145 * mm])
    facts_table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story.append(facts_table)
    items = list(inspection.items.all()) if inspection else []
    if items:
        story.append(p(_("检查明细"), heading))
        rows = [[p(_("房间/区域")), p(_("检查项")), p(_("结果")), p(_("说明"))]]
        for item in items:
            result = item.get_result_display()
            rows.append([p(item.room), p(item.item), p(result), p(item.note)])
        table = Table(rows, colWidths=[45 * mm, 45 * mm, 20 * mm, 70 * mm], repeatRows=1)
        style = TableStyle(grid.getCommands())
        for i, item in enumerate(items, start=1):
            if item.result == HandoverItemResult.DEFECT:
                style.add("BACKGROUND", (2, i), (2, i), colors.HexColor("#f8d7da"))
        table.setStyle(style)
        story.append(table)
    defects = (
        list(inspection.defects.select_related("ticket", "item", "reinspected_by").all())
        if inspection
        else []
    )
    if defects:
        story.append(p(_("问题与整改"), heading))
        rows = [[p(_("问题")), p(_("报事单/整改期限")), p(_("状态")), p(_("照片"))]]
        for d in defects:
            ticket = (
                f"{d.ticket.number}（{d.ticket.get_status_display()}）" if d.ticket_id else _("开发商整改")
            )
            status = d.get_status_display()
            if d.reinspected_at:
                status += "\n" + _("复验 %(t)s %(who)s") % {
                    "t": _local(d.reinspected_at),
                    "who": d.reinspected_by or "",
                }
            thumbs = [t for t in (_image(ph.thumbnail, THUMB_MM) for ph in d.item.photos.all()[:2]) if t]
            rows.append(
                [p(d.description), p(f"{ticket}\n{_local(d.rectify_by)}"), p(status), thumbs or p("—")]
            )
        table = Table(rows, colWidths=[60 * mm, 45 * mm, 25 * mm, 50 * mm], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    story.append(Spacer(1, 6 * mm))
    story.append(p(signer, heading))
    image = _image(signature, 60)
    story.append(image if image is not None else p(_("（未签名）")))
    story.append(p(_("打印时间：%(t)s") % {"t": _local(timezone.now())}))
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=f"{title} {number}"
    ).build(story)
    return out.getvalue()


def appointment_pdf(appointment) -> bytes:
    unit = appointment.unit
    docs = "、".join(str(label) for code, label in DOCUMENTS if code in appointment.documents) or "—"
    keys = (
        "、".join(
            f"{label} × {appointment.keys[code]}" for code, label in KEY_KINDS if appointment.keys.get(code)
        )
        or "—"
    )
    meters = _("水 %(w)s　电 %(p)s　燃气 %(g)s") % {
        "w": appointment.water_reading if appointment.water_reading is not None else "—",
        "p": appointment.power_reading if appointment.power_reading is not None else "—",
        "g": appointment.gas_reading if appointment.gas_reading is not None else "—",
    }
    facts = [
        (_("项目 / 房屋"), f"{appointment.project.name} {unit.building.name}-{unit.number}"),
        (_("业主"), f"{appointment.owner_name}　{mask_id(appointment.owner_id_number)}"),
        (_("预约时间"), f"{_local(appointment.starts_at)} ~ {timezone.localtime(appointment.ends_at):%H:%M}"),
        (_("已核验资料"), docs),
        (_("钥匙交接"), keys),
        (_("交付时表读数"), meters),
        (_("状态"), appointment.get_status_display()),
        (_("交付时间"), _local(appointment.completed_at)),
    ]
    return _build(
        title=_("收楼交付记录"),
        number=appointment.number,
        facts=facts,
        inspection=getattr(appointment, "inspection", None),
        signature=appointment.signature,
        signer=_("业主签名（%(t)s）") % {"t": _local(appointment.signed_at)},
    )


def takeover_pdf(takeover) -> bytes:
    facts = [
        (_("项目"), takeover.project.name),
        (_("验收名称"), takeover.title),
        (_("开发商"), f"{takeover.developer}　{takeover.developer_contact} {takeover.developer_phone}"),
        (_("计划验收日期"), takeover.planned_on.isoformat()),
        (_("结论"), takeover.get_status_display()),
        (_("接管意见 / 保留事项"), takeover.acceptance_note or "—"),
        (_("接管时间"), _local(takeover.accepted_at)),
    ]
    return _build(
        title=_("接管验收记录"),
        number=takeover.number,
        facts=facts,
        inspection=getattr(takeover, "inspection", None),
        signature=takeover.signature,
        signer=_("项目经理签名：%(who)s") % {"who": takeover.accepted_by or ""},
    )
