"""The audit report as a PDF (reportlab, pure Python). Chinese is set in the Adobe CID font
STSong-Light, which every PDF reader has: no font file ships with us and nothing prints as boxes."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.quality import services
from guanjia.quality.choices import Outcome
from guanjia.quality.models import AuditResult, NonConformance

FONT = "STSong-Light"


def _register() -> None:
    # Lazy: reportlab (heavy) loads only when a report is drawn.
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def report_context(user, audit) -> dict:
    """What the report shows, fetched as ``user`` may see it: the results by section (with their
    photos), section scores and non-conformances once submitted."""
    results = list(
        AuditResult.objects.visible_to(user)
        .filter(audit=audit)
        .select_related("item__section")
        .prefetch_related("photos")
    )
    sections: list[dict] = []
    for result in results:
        if not sections or sections[-1]["section"].pk != result.item.section_id:
            sections.append({"section": result.item.section, "results": []})
        sections[-1]["results"].append(result)
    return {
        "audit": audit,
        "sections": sections,
        "scores": services.section_scores(audit) if audit.is_locked else [],
        "nonconformances": list(
            NonConformance.objects.visible_to(user)
            .filter(audit=audit)
            .select_related("item", "action__owner")
        )
        if audit.is_locked
        else [],
    }


THUMB_MM = 28


def _thumbnail(name: str):
    """A stored thumbnail as a flowable, THUMB_MM wide; None if the file is gone or unreadable."""
    # Lazy: reportlab (heavy) loads only when a report is drawn.
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    try:
        with default_storage.open(name, "rb") as fh:
            data = io.BytesIO(fh.read())
        width, height = ImageReader(data).getSize()
    except (OSError, ValueError):
        return None
    data.seek(0)
    w = THUMB_MM * mm
    return Image(data, width=w, height=w * height / width if width else w)


def audit_report_pdf(context: dict) -> bytes:
    # Lazy: reportlab (heavy) loads only when a report is drawn.
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    _register()
    audit = context["audit"]
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontSize=11, leading=16, spaceBefore=8, spaceAfter=4)

    def p(text, style=body):
        return Paragraph(escape("" if text is None else str(text)).replace("\n", "<br/>"), style)

    story = [
        p(_("品质核查报告 %(number)s") % {"number": audit.number}, title),
        p(
            _("项目：%(project)s　核查表：%(template)s　方式：%(kind)s")
            % {"project": audit.project.name, "template": audit.template, "kind": audit.get_kind_display()}
        ),
        p(
            _("核查员：%(auditor)s　提交：%(submitted)s　状态：%(status)s　总分：%(score)s")
            % {
                "auditor": audit.auditor.name,
                "submitted": _local(audit.submitted_at),
                "status": audit.get_status_display(),
                "score": audit.score if audit.score is not None else "—",
            }
        ),
    ]
    if audit.summary:
        story.append(p(_("总结：%(summary)s") % {"summary": audit.summary}))
    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, 9),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    if context["scores"]:
        story.append(p(_("分类得分"), heading))
        rows = [[p(_("检查项目")), p(_("得分")), p(_("合格")), p(_("不合格")), p(_("不适用"))]]
        rows += [
            [
                p(s["title"]),
                p(s["score"] if s["score"] is not None else "—"),
                p(s["passed"]),
                p(s["failed"]),
                p(s["na"]),
            ]
            for s in context["scores"]
        ]
        table = Table(rows, colWidths=[70 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    story.append(p(_("核查明细"), heading))
    rows = [
        [p(_("编号")), p(_("检查内容")), p(_("检查方法 / 评价标准")), p(_("结果")), p(_("实际抽查 / 说明"))]
    ]
    for section in context["sections"]:
        for r in section["results"]:
            rows.append(
                [
                    p(r.item.key),
                    p(r.item.standard),
                    p(f"{r.item.check_method}\n{r.item.criterion}"),
                    p(r.get_outcome_display() or "—"),
                    p("\n".join(x for x in (r.sample_taken, r.note) if x)),
                ]
            )
    table = Table(rows, colWidths=[12 * mm, 55 * mm, 55 * mm, 16 * mm, 42 * mm], repeatRows=1)
    table.setStyle(grid)
    story.append(table)
    failed_with_photos = [
        r
        for section in context["sections"]
        for r in section["results"]
        if r.outcome == Outcome.FAIL and list(r.photos.all())
    ]
    if failed_with_photos:
        story.append(p(_("不合格条目照片"), heading))
        per_row = 5
        for r in failed_with_photos:
            thumbs = [t for t in (_thumbnail(photo.thumbnail) for photo in r.photos.all()) if t is not None]
            if not thumbs:
                continue
            story.append(p(f"{r.item.key} {r.item.standard}"))
            cells = [thumbs[i : i + per_row] for i in range(0, len(thumbs), per_row)]
            cells[-1] += [""] * (per_row - len(cells[-1]))
            photo_table = Table(cells, colWidths=[(THUMB_MM + 4) * mm] * per_row, hAlign="LEFT")
            photo_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(photo_table)
    if context["nonconformances"]:
        story.append(p(_("不合格项与整改"), heading))
        rows = [[p(_("编号")), p(_("不合格事实")), p(_("状态")), p(_("责任人 / 期限"))]]
        for nc in context["nonconformances"]:
            action = getattr(nc, "action", None) if hasattr(nc, "action") else None
            owner = f"{action.owner.name} / {_local(action.deadline)}" if action else "—"
            rows.append([p(nc.number), p(nc.evidence), p(nc.get_status_display()), p(owner)])
        table = Table(rows, colWidths=[40 * mm, 75 * mm, 25 * mm, 40 * mm], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=audit.number).build(
        story
    )
    return out.getvalue()
