"""Every change to a domain record is journaled: who, when, through what, before and after."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from guanjia.core import journal
from guanjia.core.context import Source, change_context
from guanjia.core.models import ObjectChange
from guanjia.estates import services
from guanjia.estates.models import Unit
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return list(journal.history_for(obj).order_by("id"))


def test_update_records_only_the_changed_fields_with_before_and_after(world):
    with change_context(source=Source.COMMAND, actor=world.manager):
        services.unit_update(
            actor=world.manager, unit=world.unit, data={"area": Decimal("101.25"), "floor": 12}
        )
    entry = entries_for(world.unit)[-1]
    assert entry.action == "update"
    assert entry.changes == {"area": ["89.50", "101.25"]}
    assert entry.actor == world.manager and entry.actor_name == "项目经理"
    assert entry.source == "command"
    assert entry.company_id == world.company.pk


def test_saving_without_changes_writes_nothing(world):
    before = ObjectChange.objects.count()
    services.unit_update(actor=world.manager, unit=world.unit, data={"floor": world.unit.floor})
    assert ObjectChange.objects.count() == before


def test_soft_delete_is_journaled_as_a_delete_and_the_row_stays(world):
    unit = f.UnitFactory(building=world.building, status="vacant")
    services.unit_delete(actor=world.manager, unit=unit)
    assert entries_for(unit)[-1].action == "delete"
    assert Unit.objects.filter(pk=unit.pk).exists()
    assert not Unit.objects.visible_to(world.manager).filter(pk=unit.pk).exists()


def test_web_requests_are_journaled_with_source_web(world):
    client = Client()
    client.force_login(world.desk)
    resident = f.ResidentFactory(project=world.project)
    # The API as used by the web console (session auth) is still the API channel …
    client.patch(f"/api/v1/residents/{resident.pk}", {"note": "怕吵"}, content_type="application/json")
    assert entries_for(resident)[-1].source == "api"
    assert entries_for(resident)[-1].actor == world.desk


def test_admin_and_jobs_have_their_own_source(world):
    with change_context(source=Source.JOB):
        services.building_update(actor=world.manager, building=world.building, data={"note": "夜间巡查"})
    entry = entries_for(world.building)[-1]
    # The channel is the job; the person is whoever the job acts for.
    assert entry.source == "job" and entry.actor == world.manager


def test_bulk_created_rows_can_be_journaled_in_bulk(world):
    units = [
        Unit(
            company=world.company,
            project=world.project,
            building=world.building,
            floor=2,
            number=f"20{i}",
            area=Decimal(50),
        )
        for i in range(3)
    ]
    Unit.objects.bulk_create(units)
    with change_context(source=Source.IMPORT, actor=world.desk):
        journal.journal_bulk_create(units)
    for unit in units:
        (entry,) = entries_for(unit)
        assert (
            entry.action == "create"
            and entry.source == "import"
            and entry.changes["number"][1] == unit.number
        )


def test_revealing_is_journaled_but_changes_nothing(world):
    services.resident_reveal_phone(actor=world.desk, resident=world.resident)
    entry = entries_for(world.resident)[-1]
    assert entry.action == "reveal" and entry.actor == world.desk


def test_history_is_kept_per_record_across_types(world):
    # Same primary key in different tables must not mix histories.
    services.building_update(actor=world.manager, building=world.building, data={"note": "A"})
    services.project_update(actor=world.manager, project=world.project, data={"city": "杭州"})
    assert all(e.content_type.model == "building" for e in entries_for(world.building))


def test_occupancy_end_date_change_is_journaled(world):
    from guanjia.estates.models import Occupancy

    occupancy = Occupancy.objects.get(resident=world.resident)
    services.occupancy_update(
        actor=world.desk, occupancy=occupancy, data={"end_on": datetime.date(2030, 1, 1)}
    )
    assert entries_for(occupancy)[-1].changes["end_on"] == [None, "2030-01-01"]


def test_command_context_is_the_default(world):
    call_command("check")
    services.building_update(actor=world.manager, building=world.building, data={"note": "B"})
    assert entries_for(world.building)[-1].source == "command"
