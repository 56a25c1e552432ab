"""Owners' votes end to end through the API: a vote that fails on participation, one that passes,
one ballot per unit, tenants refused, late ballots refused, the electorate frozen, scoping."""

import io

import openpyxl
import pytest
from django.test import Client

from guanjia.committee.models import Ballot, Vote
from guanjia.committee.tasks import run_jobs
from guanjia.committee.tests.conftest import end_now, vote_data
from guanjia.core.models import ObjectChange
from guanjia.testing import factories as f
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def opened(cw, **extra):
    manager = Api(cw.manager)
    created = manager.post("votes", vote_data(cw, **extra))
    assert created.status_code == 201, created.content
    vote_id = created.json()["id"]
    opening = manager.post(f"votes/{vote_id}/open")
    assert opening.status_code == 200, opening.content
    return vote_id


def cast(user, vote_id, unit, choice="for"):
    return Api(user).post(f"votes/{vote_id}/ballots", {"unit_id": unit.pk, "choice": choice})


def test_a_vote_that_fails_on_participation(cw):
    vote_id = opened(cw)
    # 1201 and 1202 (200 of 500 ㎡, 2 of 5 heads) take part, both agree: not enough took part.
    assert cast(cw.resident_user, vote_id, cw.unit).status_code == 201
    assert cast(cw.other_resident_user, vote_id, cw.other_unit).status_code == 201
    end_now(vote_id)
    assert run_jobs() == (1, 0)
    vote = Vote.objects.get(pk=vote_id)
    assert vote.status == "closed" and vote.passed is False
    result = Api(cw.manager).get(f"votes/{vote_id}/result").json()
    assert result["reason"] == "participation" and result["passed"] is False
    area = next(t for t in result["thresholds"] if t["key"] == "participation_area")
    assert (area["value"], area["of"], area["met"]) == ("200.00", "500.00", False)
    heads = next(t for t in result["thresholds"] if t["key"] == "participation_heads")
    assert (heads["value"], heads["of"], heads["met"]) == ("2", "5", False)
    assert "双三分之二" in result["why"]
    assert run_jobs() == (0, 0)  # closing twice changes nothing


def test_a_vote_that_passes_with_a_paper_ballot_and_the_delegated_family_member(cw):
    vote_id = opened(cw)
    assert cast(cw.resident_user, vote_id, cw.unit).status_code == 201
    # The family member the owner of 1202 gave the vote casts its ballot.
    assert cast(cw.family_user, vote_id, cw.other_unit, "against").status_code == 201
    # The owner of 1203 signs a paper ballot; the desk records it with its scan.
    desk = Api(cw.desk)
    scan = io.BytesIO(b"%PDF-1.4 signed ballot")
    scan.name = "ballot.pdf"
    recorded = desk.client.post(
        f"/api/v1/votes/{vote_id}/paper-ballots",
        {
            "unit_id": cw.unit_1203.pk,
            "resident_id": cw.unit_1203.occupancies.get().resident_id,
            "choice": "for",
            "scan": scan,
        },
        headers=desk.headers,
    )
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["channel"] == "paper" and recorded.json()["recorded_by"] == "前台"
    # The owner of two flats votes with one of them: one head, 50 ㎡.
    assert cast(cw.user_1205, vote_id, cw.unit_1205).status_code == 201
    # 350 of 500 ㎡ (70 %), 4 of 5 heads took part; for: 250 of 350 ㎡ and 3 of 4 heads.
    end_now(vote_id)
    closed = Api(cw.manager).post(f"votes/{vote_id}/close")
    assert closed.status_code == 200 and closed.json()["passed"] is True
    result = Api(cw.manager).get(f"votes/{vote_id}/result").json()
    assert (result["voted_area"], result["voted_heads"], result["for_area"], result["for_heads"]) == (
        "350.00",
        4,
        "250.00",
        3,
    )
    assert all(t["met"] for t in result["thresholds"]) and result["final"]
    ballots = Api(cw.manager).get(f"votes/{vote_id}/ballots").json()["items"]
    assert [b["channel"] for b in ballots].count("paper") == 1
    assert {b["cast_by"] for b in ballots} >= {cw.family.name}
    assert ObjectChange.objects.filter(content_type__model="ballot", action="create").count() == 4
    # The file of ballots for the committee.
    client = Client()
    client.force_login(cw.manager)
    sheet = client.get("/data/export/committee_ballots.xlsx", {"vote": vote_id})
    assert sheet.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.values)
    assert len(rows) == 5 and "前台" in [c for r in rows for c in r]


def test_the_same_vote_as_a_special_matter_fails_on_three_quarters(cw):
    vote_id = opened(cw, special_matter=True)
    for user, unit, choice in (
        (cw.resident_user, cw.unit, "for"),
        (cw.other_resident_user, cw.other_unit, "against"),
        (cw.user_1203, cw.unit_1203, "for"),
        (cw.user_1204, cw.unit_1204, "for"),
    ):
        assert cast(user, vote_id, unit, choice).status_code == 201
    end_now(vote_id)
    run_jobs()
    result = Api(cw.manager).get(f"votes/{vote_id}/result").json()
    # 300 of 400 ㎡ agree: exactly 3/4 meets it; 3 of 4 heads: exactly 3/4 too. Passes.
    assert result["passed"] is True
    assert {t["bound"] for t in result["thresholds"] if t["key"].startswith("approval")} == {"3/4"}


def test_one_ballot_per_unit_no_tenants_nothing_after_the_end(cw):
    vote_id = opened(cw)
    assert cast(cw.resident_user, vote_id, cw.unit).status_code == 201
    again = cast(cw.resident_user, vote_id, cw.unit, "against")
    assert again.status_code == 409
    assert Ballot.objects.get(vote_id=vote_id, unit=cw.unit).choice == "for"
    tenant = cast(cw.tenant_user, vote_id, cw.unit)
    # A tenant is not in the electorate: the vote is not theirs to see.
    assert tenant.status_code == 404
    # A resident of the project casting for a unit that is not theirs: 422 naming the unit.
    foreign_unit = cast(cw.other_resident_user, vote_id, cw.unit_1203)
    assert foreign_unit.status_code == 422 and "unit_id" in foreign_unit.json()["errors"]
    end_now(vote_id)
    late = cast(cw.other_resident_user, vote_id, cw.other_unit)
    assert late.status_code == 422 and "ends_at" in late.json()["errors"]
    assert Ballot.objects.filter(vote_id=vote_id).count() == 1


def test_the_electorate_is_frozen_when_the_vote_opens(cw):
    vote_id = opened(cw)
    # A new flat and a new owner after the vote opened: neither counts nor votes.
    newcomer = f.OccupancyFactory(unit=f.UnitFactory(building=cw.building, number="1299"))
    newcomer_user = f.make_resident_user(newcomer.resident)
    assert cast(newcomer_user, vote_id, newcomer.unit).status_code == 404
    second_owner = f.OccupancyFactory(unit=cw.unit_1204)
    assert cast(f.make_resident_user(second_owner.resident), vote_id, cw.unit_1204).status_code == 404
    result = Api(cw.manager).get(f"votes/{vote_id}/result").json()
    assert (result["units"], result["total_area"], result["total_heads"]) == (6, "500.00", 5)


def test_draft_rules_and_scoping(cw):
    manager = Api(cw.manager)
    bad = manager.post("votes", vote_data(cw, ends_at="2020-01-01T00:00:00+08:00"))
    assert bad.status_code == 422 and "ends_at" in bad.json()["errors"]
    vote_id = opened(cw)
    assert manager.patch(f"votes/{vote_id}", {"title": "x"}).status_code == 409
    assert manager.post(f"votes/{vote_id}/close").status_code == 409  # not before the end
    # Another project's desk, another company's admin, a resident of another project: 404.
    for user in (cw.sibling_desk, cw.foreign_admin):
        assert Api(user).get(f"votes/{vote_id}").status_code == 404
        assert Api(user).get(f"votes/{vote_id}/ballots").status_code == 404
    sibling_resident = f.make_resident_user(
        f.OccupancyFactory(
            unit=f.UnitFactory(building=f.BuildingFactory(project=cw.sibling_project))
        ).resident
    )
    assert Api(sibling_resident).get(f"votes/{vote_id}").status_code == 404
    assert vote_id not in {v["id"] for v in Api(sibling_resident).get("votes").json()["items"]}
    assert cast(sibling_resident, vote_id, cw.unit).status_code == 404
    # Residents may not open, close or record; a technician may not draft.
    assert Api(cw.resident_user).post(f"votes/{vote_id}/close").status_code == 403
    assert Api(cw.technician).post("votes", vote_data(cw)).status_code == 403
    assert Api(cw.foreign_admin).post("votes", vote_data(cw)).status_code == 422  # project not theirs
    assert Ballot.objects.count() == 0
