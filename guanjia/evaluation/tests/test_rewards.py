"""Rewards and penalties (奖惩): proposed by the department head with evidence of the person's
records, decided by the project manager (never the proposer), the person told and shown only their
own, undecided proposals climbing the ladder, the yearly summary — on the API, with bad input named."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from guanjia.core.models import ObjectChange
from guanjia.evaluation import services
from guanjia.evaluation.choices import AwardKind, EvidenceKind, RewardStatus
from guanjia.evaluation.models import RewardEscalation, RewardEvidence, RewardPenalty, quarter_of
from guanjia.evaluation.rewards_escalation import escalate_rewards
from guanjia.notifications.models import Notification
from guanjia.sla.tests.helpers import receive
from guanjia.testing.api import Api, ids, snapshot
from guanjia.tickets import services as ticket_services
from guanjia.tickets.choices import Kind

pytestmark = pytest.mark.django_db

URL = "evaluation/rewards"


def complaint(tw, member, **extra):
    return receive(tw, kind=Kind.COMPLAINT, description="态度差", subject_staff_id=member.pk, **extra)


def body(tw, member, **extra):
    return {
        "project_id": tw.project.pk,
        "staff_id": member.pk,
        "kind": "penalty",
        "reason": "上门未穿鞋套，业主投诉",
        "occurred_on": timezone.localdate().isoformat(),
        "amount": "100.00",
        "points": 2,
    } | extra


def propose(tw, member, user=None, **extra):
    response = Api(user or tw.head).post(URL, body(tw, member, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def told(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind, channel="in_app")


def test_head_proposes_on_evidence_manager_approves_and_the_person_is_told_and_sees_it(tw):
    tech = tw.staff["technician"]
    ticket = complaint(tw, tech)
    award = services.award_create(
        actor=tw.manager,
        data={
            "project_id": tw.project.pk,
            "kind": AwardKind.TECHNICAL_EXPERT,
            "period": quarter_of(timezone.localdate()),
            "staff_id": tech.pk,
            "citation": "排除电梯故障",
        },
    )
    options = Api(tw.head).get(f"{URL}/evidence-options", project_id=tw.project.pk, staff_id=tech.pk)
    assert {(o["kind"], o["id"]) for o in options.json()} == {("complaint", ticket.pk), ("award", award.pk)}

    record = propose(tw, tech, evidence=[{"kind": "complaint", "id": ticket.pk}])
    assert record["status"] == "proposed" and record["amount"] == "100.00"
    assert record["evidence"] == [{"kind": "complaint", "id": ticket.pk}]
    assert told(tw.manager, "evaluation.reward_proposed").count() == 1
    # The person does not see a proposal about them before it is decided; a head may not decide.
    assert ids(Api(tw.technician).get(URL)) == set()
    assert Api(tw.head).post(f"{URL}/{record['id']}/approve", {}).status_code == 403

    approved = Api(tw.manager).post(f"{URL}/{record['id']}/approve", {"note": "同意"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["decided_by_id"] == tw.staff["manager"].pk
    assert told(tw.technician, "evaluation.reward_decided").get().url == "/staff/rewards/mine/"
    assert told(tw.head, "evaluation.reward_decided").count() == 1
    assert ids(Api(tw.technician).get(URL)) == {record["id"]}
    assert Api(tw.manager).post(f"{URL}/{record['id']}/reject", {"note": "x"}).status_code == 409
    saved = RewardPenalty.objects.get(pk=record["id"])
    changes = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(RewardPenalty))
    assert changes.filter(object_id=str(saved.pk), action=ObjectChange.Action.UPDATE).exists()
    proof = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(RewardEvidence))
    assert proof.filter(object_id=str(RewardEvidence.objects.get(record=saved).pk)).exists()


def test_bad_input_is_named_and_saves_nothing(tw):
    tech, api = tw.staff["technician"], Api(tw.head)
    # The technician also serves P2, where a complaint names him: not evidence at P1.
    tech.projects.add(tw.sibling_project)
    elsewhere = ticket_services.ticket_create(
        actor=tw.admin,
        data={
            "kind": Kind.COMPLAINT,
            "channel": "phone",
            "project_id": tw.sibling_project.pk,
            "location": "大堂",
            "description": "态度差",
            "subject_staff_id": tech.pk,
        },
    )
    about_other = complaint(tw, tw.staff["technician2"])
    cases = [
        ({"amount": "-5"}, "amount"),
        ({"points": -1}, "points"),
        ({"amount": None, "points": None}, "amount"),
        ({"evidence": [{"kind": "complaint", "id": elsewhere.pk}]}, "evidence"),
        ({"evidence": [{"kind": "complaint", "id": about_other.pk}]}, "evidence"),
        ({"evidence": [{"kind": "salary", "id": 1}]}, "evidence.0.kind"),
        ({"staff_id": tw.staff["desk"].pk}, "staff_id"),  # not of the head's department
        ({"staff_id": tw.staff["head"].pk}, "staff_id"),  # not for oneself
        ({"occurred_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()}, "occurred_on"),
        ({"project_id": tw.foreign_project.pk}, "project_id"),
    ]
    for extra, field in cases:
        response = api.post(URL, body(tw, tech, **extra))
        assert response.status_code == 422, (extra, response.content)
        assert field in response.json()["errors"], (extra, response.json())
    assert RewardPenalty.objects.count() == 0

    # A manager may propose for anyone of the project, but not decide their own proposal.
    mine = propose(tw, tw.staff["desk"], user=tw.manager, kind="reward", amount="200", points=None)
    before = snapshot(RewardPenalty.objects.get(pk=mine["id"]))
    refused = Api(tw.manager).post(f"{URL}/{mine['id']}/approve", {})
    assert refused.status_code == 409 and "自己提出" in refused.json()["detail"]
    assert snapshot(RewardPenalty.objects.get(pk=mine["id"])) == before
    no_reason = Api(tw.admin).post(f"{URL}/{mine['id']}/reject", {"note": " "})
    assert no_reason.status_code == 422 and "note" in no_reason.json()["errors"]
    assert (
        Api(tw.admin).post(f"{URL}/{mine['id']}/reject", {"note": "证据不足"}).json()["status"] == "rejected"
    )
    assert Api(tw.manager).post(f"{URL}/{mine['id']}/withdraw").status_code == 409


def test_scoping_other_companies_projects_and_people_see_nothing(tw):
    tech = tw.staff["technician"]
    record = propose(tw, tech)
    other = propose(tw, tw.staff["technician2"])
    Api(tw.manager).post(f"{URL}/{record['id']}/approve", {})
    Api(tw.manager).post(f"{URL}/{other['id']}/approve", {})
    for user in (tw.foreign_admin, tw.sibling_desk):
        assert Api(user).get(f"{URL}/{record['id']}").status_code == 404
        assert ids(Api(user).get(URL)) == set()
        assert Api(user).post(f"{URL}/{record['id']}/withdraw").status_code in (403, 404)
    assert Api(tw.foreign_admin).post(f"{URL}/{other['id']}/approve", {}).status_code == 404
    # A person sees only their own record; a colleague's is a 404.
    assert ids(Api(tw.technician).get(URL)) == {record["id"]}
    assert Api(tw.technician).get(f"{URL}/{other['id']}").status_code == 404
    assert ids(Api(tw.desk).get(URL)) == set()
    assert ids(Api(tw.head).get(URL)) == {record["id"], other["id"]}
    assert ids(Api(tw.admin).get(URL, staff_id=tech.pk)) == {record["id"]}
    # Out of reach in input is a 422 naming the field, as for any reference.
    response = Api(tw.foreign_admin).post(URL, body(tw, tech))
    assert response.status_code == 422 and "project_id" in response.json()["errors"]


def test_a_proposal_left_undecided_climbs_the_ladder_once_per_step(tw):
    record = RewardPenalty.objects.get(pk=propose(tw, tw.staff["technician"])["id"])
    now = timezone.now()
    assert escalate_rewards(now=now + datetime.timedelta(days=2)) == 0
    assert escalate_rewards(now=now + datetime.timedelta(days=4)) == 1
    assert escalate_rewards(now=now + datetime.timedelta(days=4)) == 0  # a second run tells no one
    assert told(tw.manager, "evaluation.reward_overdue").count() == 1
    assert escalate_rewards(now=now + datetime.timedelta(days=8)) == 1
    assert told(tw.admin, "evaluation.reward_overdue").count() == 1
    assert list(RewardEscalation.objects.filter(record=record).values_list("step", flat=True)) == [1, 2]
    fresh = RewardPenalty.objects.get(pk=propose(tw, tw.staff["technician2"])["id"])
    Api(tw.manager).post(f"{URL}/{fresh.pk}/approve", {})
    assert escalate_rewards(now=now + datetime.timedelta(days=30)) == 0  # decided: off the ladder


def test_yearly_summary_sums_approved_amounts_and_points(tw):
    tech, year = tw.staff["technician"], timezone.localdate().year
    api = Api(tw.manager)
    for extra, decision in [
        ({"kind": "reward", "amount": "500", "points": 5}, "approve"),
        ({"kind": "reward", "amount": None, "points": 3}, "approve"),
        ({"kind": "penalty", "amount": "100.5", "points": 2}, "approve"),
        ({"kind": "penalty", "amount": "999", "points": 9}, "reject"),
        ({"kind": "penalty", "amount": "50", "points": 1}, None),
    ]:
        record = propose(tw, tech, **extra)
        if decision:
            api.post(f"{URL}/{record['id']}/{decision}", {"note": "理由"})
    response = Api(tw.admin).get(f"{URL}/summary", year=year)
    assert response.status_code == 200
    (row,) = response.json()["rows"]
    assert row["staff_id"] == tech.pk
    assert (row["rewards"], row["reward_amount"], row["reward_points"]) == (2, "500.00", 8)
    assert (row["penalties"], row["penalty_amount"], row["penalty_points"]) == (1, "100.50", 2)
    assert (row["net_amount"], row["net_points"]) == ("399.50", 6)
    assert Api(tw.admin).get(f"{URL}/summary", year=year - 1).json()["rows"] == []
    assert Api(tw.foreign_admin).get(f"{URL}/summary", year=year).json()["rows"] == []
    assert Api(tw.admin).get(f"{URL}/summary", year="x").status_code == 422
    assert RewardPenalty.objects.filter(status=RewardStatus.PROPOSED).count() == 1
    assert EvidenceKind.COMPLAINT == "complaint"
