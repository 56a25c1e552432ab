"""The console pages of rewards and penalties: propose with evidence pickers (a form error, not a
500, for bad input), decide, the person's own phone page, the list with filters, its export, the
yearly summary — scoped like the API."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from guanjia.evaluation.choices import RewardStatus
from guanjia.evaluation.models import RewardPenalty
from guanjia.sla.tests.helpers import receive
from guanjia.tickets.choices import Kind

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def form(tw, member, **extra):
    return {
        "project": tw.project.pk,
        "staff": member.pk,
        "kind": "penalty",
        "occurred_on": timezone.localdate().isoformat(),
        "reason": "上门未穿鞋套",
        "amount": "80",
        "points": "",
    } | extra


def test_head_proposes_on_the_web_manager_decides_and_the_person_sees_it_on_a_phone_page(tw, client):
    tech = tw.staff["technician"]
    ticket = receive(tw, kind=Kind.COMPLAINT, description="态度差", subject_staff_id=tech.pk)
    other = receive(
        tw, kind=Kind.COMPLAINT, description="另一位", subject_staff_id=tw.staff["technician2"].pk
    )
    c = login(client, tw.head)
    picker = c.post("/staff/rewards/new/", {"project": tw.project.pk, "staff": tech.pk, "_load": "1"})
    text = picker.content.decode()
    assert picker.status_code == 200 and ticket.number in text and other.number not in text
    # The desk is not of the engineering head's department: not among the people offered.
    assert tw.staff["desk"].name not in c.get("/staff/rewards/new/").content.decode()

    bad = c.post("/staff/rewards/new/", form(tw, tech, amount="-1"))
    assert bad.status_code == 422 and 'data-field="amount"' in bad.content.decode()
    smuggled = c.post("/staff/rewards/new/", form(tw, tech, evidence=[f"complaint:{other.pk}"]))
    assert smuggled.status_code == 422 and RewardPenalty.objects.count() == 0

    done = c.post("/staff/rewards/new/", form(tw, tech, evidence=[f"complaint:{ticket.pk}"]))
    record = RewardPenalty.objects.get()
    assert done.status_code == 302 and done.url == f"/staff/rewards/{record.pk}/"
    page = c.get(done.url).content.decode()
    assert ticket.number in page and 'data-testid="decision-form"' not in page

    m = login(client, tw.manager)
    assert 'data-testid="decision-form"' in m.get(done.url).content.decode()
    m.post(f"/staff/rewards/{record.pk}/reject/", {"note": ""})
    assert RewardPenalty.objects.get().status == RewardStatus.PROPOSED  # a reason is required
    m.post(f"/staff/rewards/{record.pk}/approve/", {"note": "同意"})
    assert RewardPenalty.objects.get().status == RewardStatus.APPROVED

    t = login(client, tw.technician)
    mine = t.get("/staff/rewards/mine/").content.decode()
    assert "上门未穿鞋套" in mine and "80.00" in mine and 'name="viewport"' in mine
    assert t.get(f"/staff/rewards/{record.pk}/").status_code == 200
    assert login(client, tw.technician2).get(f"/staff/rewards/{record.pk}/").status_code == 404
    assert login(client, tw.foreign_admin).get(f"/staff/rewards/{record.pk}/").status_code == 404
    assert login(client, tw.desk).get("/staff/rewards/new/").status_code == 403


def test_list_filters_export_and_summary(tw, client):
    tech = tw.staff["technician"]
    c = login(client, tw.head)
    c.post("/staff/rewards/new/", form(tw, tech, kind="reward", amount="300", points="4", reason="锦旗"))
    c.post("/staff/rewards/new/", form(tw, tw.staff["technician2"], reason="迟到"))
    for record in RewardPenalty.objects.all():
        login(client, tw.manager).post(f"/staff/rewards/{record.pk}/approve/", {})
    m = login(client, tw.manager)
    listed = m.get("/staff/rewards/", {"kind": "reward"}).content.decode()
    assert "锦旗" in listed and "迟到" not in listed
    exported = m.get("/data/export/rewards.xlsx", {"kind": "reward"})
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == tech.name and rows[1][6] == 300
    summary = m.get("/staff/rewards/summary/", {"year": timezone.localdate().year}).content.decode()
    assert tech.name in summary and "300.00" in summary
    # A person without a say sees only their own records in the list and the export.
    t = login(client, tw.technician)
    assert "迟到" not in t.get("/staff/rewards/").content.decode()
    own = list(load_workbook(io.BytesIO(t.get("/data/export/rewards.xlsx").content)).active.iter_rows())
    assert len(own) == 2
