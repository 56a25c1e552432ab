"""Planners running at the same moment (two consumers, a late and an on-time run) make each audit once;
two verifiers pressing at once: one wins, the other gets 409."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from guanjia.quality import services
from guanjia.quality.choices import CaStatus
from guanjia.quality.models import Audit, CorrectiveAction, NonConformance
from guanjia.quality.tests.conftest import fill, make_plan
from guanjia.tickets.tests.test_concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL"
    ),
]


def test_two_planners_at_once_make_each_audit_once(qw):
    make_plan(qw)
    make_plan(qw, kind="mystery")
    day = datetime.date(2026, 1, 10)
    race(lambda i: services.plan_audits(today=day), n=3)
    services.plan_audits(today=day)
    assert Audit.objects.count() == 6
    assert len(set(Audit.objects.values_list("number", flat=True))) == 6


def test_accept_and_reject_at_once_one_wins(qw):
    audit = services.audit_create(
        actor=qw.auditor, data={"project_id": qw.project.pk, "template_id": qw.template.pk}
    )
    fill(audit, qw.auditor, fail_keys={"3.2"})
    services.audit_submit(actor=qw.auditor, audit=audit)
    nc = NonConformance.objects.get(audit=audit)
    ca = services.nc_assign(
        actor=qw.manager,
        nc=nc,
        data={"owner_id": qw.staff["owner"].pk, "deadline": timezone.now() + datetime.timedelta(days=1)},
    )
    services.ca_act(actor=qw.owner, action=ca, name="submit", data={"done_note": "ok"})
    verifiers = [(qw.auditor, "accept", {}), (qw.quality, "reject", {"reason": "no"})]
    outcomes = race(
        lambda i: services.ca_act(
            actor=verifiers[i][0], action=ca, name=verifiers[i][1], data=verifiers[i][2]
        )
    )
    assert sorted(outcomes) == ["Conflict", "ok"], outcomes
    assert CorrectiveAction.objects.get(pk=ca.pk).status in (CaStatus.CLOSED, CaStatus.REJECTED)
