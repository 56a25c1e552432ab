import random
from decimal import Decimal

from guanjia.quality.choices import AuditStatus, CaStatus
from guanjia.quality.models import Audit, AuditPlan, CorrectiveAction, NonConformance
from guanjia.quality.seeding import seed_demo_quality


def test_demo_data_is_idempotent_and_covers_every_state(qw):
    for name in ("quality", "auditor"):
        user = getattr(qw, name)
        user.username = name
        user.save()
    qw.project.code = "JY"
    qw.project.save()
    counts = seed_demo_quality(qw.company, rng=random.Random(2026))
    assert counts["quality_audits"] >= 8
    assert seed_demo_quality(qw.company, rng=random.Random(2026)) == {}
    assert AuditPlan.objects.filter(company=qw.company).count() == 3  # JY open, JD open, JY mystery
    assert Audit.objects.filter(status=AuditStatus.SUBMITTED).count() == counts["quality_audits"]
    assert Audit.objects.filter(status=AuditStatus.PLANNED).exists()
    states = set(CorrectiveAction.objects.values_list("status", flat=True))
    assert {CaStatus.CLOSED, CaStatus.SUBMITTED, CaStatus.ASSIGNED} <= states
    assert NonConformance.objects.filter(action__isnull=True).exists()
    assert CorrectiveAction.objects.filter(escalation_step__gte=1).exists()


def test_demo_checklist_weights_differ_so_scores_are_weighted(qw):
    qw.quality.username = "quality"
    qw.quality.save()
    seed_demo_quality(qw.company, rng=random.Random(2026))
    weights = set(qw.template.items.values_list("weight", flat=True))
    assert len(weights) >= 3 and weights != {Decimal("1")}
    # The audits used the weighted version: a failed role-play check costs three times a question.
    audit = Audit.objects.filter(status=AuditStatus.SUBMITTED, template=qw.template).first()
    assert audit is not None and audit.template.items.filter(weight=3).exists()
