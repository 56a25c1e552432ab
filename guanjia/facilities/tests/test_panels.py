"""Panels that apps above facilities add to an item's page (``facilities.panels``): emergencies'
incidents panel shows as it always did, and a panel appears only to users with its permission."""

import pytest
from django.test import Client
from django.urls import reverse

from guanjia.core.roles import Perm
from guanjia.facilities import panels, selectors

pytestmark = pytest.mark.django_db


def page_of(user, item) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("facilities:equipment", args=[item.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_emergencies_registers_its_incidents_panel_on_the_item_page(fw):
    panel = panels._panels["incidents"]
    assert panel.template == "emergencies/_equipment_incidents.html"
    assert panel.perm == Perm.VIEW_EMERGENCIES
    html = page_of(fw.manager, fw.pump)
    assert 'data-testid="equipment-incidents"' in html
    assert "没有关联的突发事件" in html  # the panel's empty state: no incident names this item
    page = selectors.equipment_page(fw.pump, fw.manager)
    assert page["incidents"] == []
    assert [p.name for p in page["extra_panels"]] == ["incidents"]


def test_a_panel_shows_only_to_users_with_its_permission(fw, monkeypatch):
    calls = []

    def rows(equipment, user):
        calls.append(user)
        return ["row"]

    monkeypatch.setitem(
        panels._panels,
        "audit_notes",
        panels.EquipmentPanel(name="audit_notes", template="x.html", rows=rows, perm=Perm.MANAGE_SURVEYS),
    )
    assert not any(p.name == "audit_notes" for p in panels.equipment_panels(fw.technician))
    page = selectors.equipment_page(fw.pump, fw.technician)
    assert "audit_notes" not in page and calls == []  # not even asked for the rows
    page = selectors.equipment_page(fw.pump, fw.admin)
    assert page["audit_notes"] == ["row"] and calls == [fw.admin]
    assert [p.name for p in page["extra_panels"]] == ["incidents", "audit_notes"]
