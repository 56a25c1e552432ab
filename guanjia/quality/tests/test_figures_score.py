"""A project's audit score is pooled over the items checked, by weight — not a mean of its audits'
scores — the same on the page, in the export, in the API and in the monthly chart. Recomputed
here from the raw result rows, in plain Python, on random histories."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from guanjia.quality import services
from guanjia.quality.models import Audit, AuditResult, ChecklistItem, NonConformance
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db

_codes = iter(range(1, 10**6))


def checklist(qw, weights):
    """A checklist of one item per weight (all in one section)."""
    n = next(_codes)
    rows = [
        {
            "section": "抽查",
            "standard": f"条目{i}",
            "methods": ["问"],
            "frequency": "monthly",
            "sample": "2人",
            "check": "问",
            "criterion": "不清楚：不合格",
            "weight": w,
        }
        for i, w in enumerate(weights)
    ]
    return services.template_create(actor=qw.quality, code=f"T{n}", name=f"核查表{n}", rows=rows)


def audit(qw, template, outcomes, *, project=None, when=None):
    """An audit of ``template`` submitted at ``when`` with one outcome per item, in item order."""
    made = services.audit_create(
        actor=qw.quality, data={"project_id": (project or qw.project).pk, "template_id": template.pk}
    )
    results = made.results.select_related("item").order_by("item__section__position", "item__position")
    for result, outcome in zip(results, outcomes, strict=True):
        services.audit_record(
            actor=qw.quality,
            result=result,
            data={"outcome": outcome, "note": "答不出" if outcome == "fail" else ""},
        )
    made = services.audit_submit(actor=qw.quality, audit=made)
    if when is not None:
        Audit.objects.filter(pk=made.pk).update(submitted_at=when)
        NonConformance.objects.filter(audit=made).update(raised_at=when)
    return made


def figures_everywhere(qw, start, end):
    """project id → score as the page, the export and the API show it (they must agree)."""
    query = {"from": str(start), "to": str(end)}
    client = Client()
    client.force_login(qw.quality)
    page = client.get("/quality/figures/", query)
    assert page.status_code == 200
    on_page = {r["project_id"]: r["score"] for r in page.context["ranking"]}
    body = Api(qw.quality).get(f"/api/v1/quality-figures?from={start}&to={end}").json()
    in_api = {
        r["project_id"]: (Decimal(r["average_score"]) if r["average_score"] is not None else None)
        for r in body["ranking"]
    }
    sheet = load_workbook(io.BytesIO(client.get("/quality/figures/export.xlsx", query).content)).worksheets[0]
    names = {r["project__name"]: r["project_id"] for r in page.context["ranking"]}
    in_export = {
        names[row[1]]: (Decimal(str(row[4])).quantize(Decimal("0.1")) if row[4] is not None else None)
        for row in list(sheet.values)[2:]
    }
    assert on_page == in_api == in_export
    series = {s["name"]: s["data"] for s in page.context["series"]}
    return on_page, page.context["months"], series, page.content.decode()


def test_a_project_score_weighs_every_item_checked_not_every_audit(qw):
    short = checklist(qw, [Decimal("1"), Decimal("3")])
    long = checklist(qw, [Decimal("1")] * 21)
    a = audit(qw, short, ["pass", "fail"])  # 1 of 4: 25.0
    b = audit(qw, long, ["pass"] * 19 + ["fail", "na"])  # 19 of 20: 95.0
    assert (a.score, b.score) == (Decimal("25.0"), Decimal("95.0"))
    today = timezone.localdate()
    scores, _months, _series, html = figures_everywhere(qw, today, today)
    # Pooled: (1 + 19) / (4 + 20) = 83.3 — the mean of the two audits would be 60.0.
    assert scores == {qw.project.pk: Decimal("83.3")}
    assert 'data-testid="figure-hint"' in html and "不是各次核查得分的平均" in html


def _moment(day: datetime.date, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)) + datetime.timedelta(
        minutes=minute
    )


# An audit: which checklist, which project, the day (around the range's and a month's edges),
# the minute of the day, and one outcome per item (cut to the checklist's length).
audit_strategy = st.tuples(
    st.integers(min_value=0, max_value=2),
    st.booleans(),
    st.integers(min_value=-2, max_value=33),
    st.sampled_from([0, 1, 719, 1439]),
    st.lists(st.sampled_from(["pass", "fail", "na"]), min_size=6, max_size=6),
)
weights_strategy = st.lists(
    st.lists(
        st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("2.25"), Decimal("7")]),
        min_size=1,
        max_size=6,
    ),
    min_size=3,
    max_size=3,
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(weights=weights_strategy, audits=st.lists(audit_strategy, min_size=1, max_size=5))
def test_scores_recomputed_from_the_raw_rows_match_page_api_and_export(qw, weights, audits):
    # The range: 1–31 January 2026 (a month boundary on either side).
    start, end = datetime.date(2026, 1, 1), datetime.date(2026, 1, 31)
    with transaction.atomic():
        templates = [checklist(qw, w) for w in weights]
        for which, sibling, offset, minute, outcomes in audits:
            template = templates[which]
            size = template.items.count()
            audit(
                qw,
                template,
                outcomes[:size],
                project=qw.sibling_project if sibling else qw.project,
                when=_moment(start + datetime.timedelta(days=offset), minute),
            )
        scores, months, series, _html = figures_everywhere(qw, start, end)
        assert scores == _recompute(start, end)
        for name, data in series.items():
            expected = _recompute_months(start, end, name)
            assert {
                m: (None if v is None else Decimal(str(v)))
                for m, v in zip(months, data, strict=True)
                if v is not None
            } == {m: v for m, v in expected.items() if v is not None}
        transaction.set_rollback(True)


def _rows(start, end):
    """The raw rows: (project id, project name, submitted at, outcome, item weight) of results of
    audits submitted in [start, end] (Shanghai days)."""
    weight = dict(ChecklistItem.objects.values_list("id", "weight"))
    low = _moment(start, 0)
    high = _moment(end + datetime.timedelta(days=1), 0)
    audits = {
        a.pk: a
        for a in Audit.objects.filter(status="submitted").select_related("project")
        if low <= a.submitted_at < high
    }
    return [
        (
            audits[r.audit_id].project_id,
            audits[r.audit_id].project.name,
            audits[r.audit_id].submitted_at,
            r.outcome,
            weight[r.item_id],
        )
        for r in AuditResult.objects.all()
        if r.audit_id in audits
    ]


def _score(pairs):
    passed = sum((w for o, w in pairs if o == "pass"), Decimal(0))
    checked = sum((w for o, w in pairs if o in ("pass", "fail")), Decimal(0))
    return (passed * 100 / checked).quantize(Decimal("0.1")) if checked else None


def _recompute(start, end) -> dict:
    by_project = defaultdict(list)
    for project_id, _name, _when, outcome, weight in _rows(start, end):
        by_project[project_id].append((outcome, weight))
    return {p: _score(pairs) for p, pairs in by_project.items()}


def _recompute_months(start, end, name) -> dict:
    by_month = defaultdict(list)
    for _pid, project_name, when, outcome, weight in _rows(start, end):
        if project_name == name:
            by_month[timezone.localtime(when).strftime("%Y-%m")].append((outcome, weight))
    return {m: _score(pairs) for m, pairs in by_month.items()}
