"""The audit report as PDF and the quality figures."""

import datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Query

from guanjia.core.api import ERROR_RESPONSES, Schema
from guanjia.core.services import visible_or_404
from guanjia.quality import selectors
from guanjia.quality.api.audits import visible_audits
from guanjia.quality.api.common import require_view, router
from guanjia.quality.pdf import audit_report_pdf, report_context


@router.get(
    "/audits/{int:pk}/report",
    operation_id="audit_report_pdf",
    response={200: None, **ERROR_RESPONSES},
)
def audit_report(request, pk: int):
    """The audit report as PDF: scores per section, every item, the failed items' photos
    (thumbnails), the non-conformances and their corrective actions."""
    audit = visible_or_404(visible_audits(request).select_related("project"), pk, request.user)
    response = HttpResponse(
        audit_report_pdf(report_context(request.user, audit)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{audit.number}.pdf"'
    return response


class RankingRow(Schema):
    rank: int
    project_id: int
    project_name: str
    audits: int
    checked_items: int = Field(..., description="items checked (passed or failed) in those audits")
    average_score: Decimal | None = Field(
        ...,
        description="the project's audit score: 100 × Σ weight of items passed ÷ Σ weight of items "
        "checked, pooled over all its audits in the range (N/A excluded; not a mean of audit scores)",
    )


class FailedItemRow(Schema):
    template_code: str
    key: str
    standard: str
    failures: int


class SectionScoreRow(Schema):
    section: str
    score: Decimal | None


class QualityFiguresOut(Schema):
    from_: datetime.date = Field(..., alias="from")
    to: datetime.date
    ranking: list[RankingRow]
    sections: list[SectionScoreRow]
    failed_most: list[FailedItemRow]
    corrective_actions_closed: int
    corrective_actions_on_time: int
    corrective_actions_on_time_pct: Decimal | None
    corrective_actions_open_overdue: int
    nonconformances: int
    nonconformances_recurring: int
    recurrence_pct: Decimal | None


class QualityFiguresQuery(Schema):
    from_: datetime.date | None = Field(None, alias="from", description="First day (Asia/Shanghai)")
    to: datetime.date | None = Field(None, description="Last day, inclusive (Asia/Shanghai)")


@router.get(
    "/quality-figures",
    response={200: QualityFiguresOut, **ERROR_RESPONSES},
    operation_id="quality_figures",
    by_alias=True,
)
def quality_figures(request, q: QualityFiguresQuery = Query(...)):
    """Quality figures over [``from``, ``to``] (default: the last 365 days): projects ranked by
    audit score (pooled over the items checked, weighted; see docs/figures.md), section scores, the items failed most, corrective actions on time,
    recurrence. A bad or reversed range is 422 naming ``from``/``to``."""
    require_view(request)
    data = selectors.figures(request.user, selectors.figure_range(q.from_, q.to))
    return {
        "from": data["start"],
        "to": data["end"],
        "ranking": [
            {
                "rank": r["rank"],
                "project_id": r["project_id"],
                "project_name": r["project__name"],
                "audits": r["n"],
                "checked_items": r["checked"],
                "average_score": r["score"],
            }
            for r in data["ranking"]
        ],
        "sections": [{"section": s["item__section__title"], "score": s["score"]} for s in data["sections"]],
        "failed_most": [
            {
                "template_code": f["item__template__code"],
                "key": f["item__key"],
                "standard": f["item__standard"],
                "failures": f["n"],
            }
            for f in data["failed_most"]
        ],
        "corrective_actions_closed": data["ca_closed"],
        "corrective_actions_on_time": data["ca_on_time"],
        "corrective_actions_on_time_pct": data["ca_on_time_pct"],
        "corrective_actions_open_overdue": data["ca_open_overdue"],
        "nonconformances": data["nc_total"],
        "nonconformances_recurring": data["nc_recurring"],
        "recurrence_pct": data["recurrence_pct"],
    }
