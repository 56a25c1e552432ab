"""The Django admin never crosses companies.

Walks every registered ModelAdmin as the *second* company's administrator (the first company is the
one with the most rows, so anything unscoped leaks it): every list, every list filter's choices,
every foreign-key and many-to-many choice of every form and inline, and the autocompletes show only
the administrator's own company; a resident cannot be linked to another company's account.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from guanjia.core.admin import CompanyScoped
from guanjia.core.models import Company
from guanjia.estates.models import Resident
from guanjia.sla import services as sla
from guanjia.tickets import services as tickets


def _company_of(row):
    if isinstance(row, Company):
        return row.pk
    return getattr(row, "company_id", "no company")


@pytest.fixture
def two_companies(world):
    for company, desk, unit in (
        (world.company, world.desk, world.unit),
        (world.other_company, None, None),
    ):
        tickets.company_defaults_ensure(company=company)
        sla.sla_defaults_ensure(company=company)
        if desk is not None:
            tickets.ticket_create(
                actor=desk, data={"kind": "home_repair", "unit_id": unit.pk, "description": "厨房漏水"}
            )
    world.foreign_admin.is_staff = True
    world.foreign_admin.save()
    return world


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _choices_of(model_admin, model, request):
    """Every queryset a form of this admin offers: its own fields and its inlines'."""
    admins = [(model_admin, model)] + [
        (inline(model_admin.model, admin.site), inline.model) for inline in model_admin.inlines
    ]
    for owner, owner_model in admins:
        for field in owner_model._meta.get_fields():
            if not (field.is_relation and (field.many_to_one or field.many_to_many or field.one_to_one)):
                continue
            if field.auto_created and not field.concrete:
                continue
            formfield = owner.formfield_for_dbfield(field, request)
            if formfield is not None and hasattr(formfield, "queryset"):
                yield f"{owner_model._meta.label}.{field.name}", formfield.queryset


def test_every_admin_shows_only_the_administrators_company(client, two_companies):
    w = two_companies
    own = w.other_company.pk
    client.force_login(w.foreign_admin)
    request = _request(w.foreign_admin)
    walked = 0
    for model, model_admin in admin.site._registry.items():
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        if not isinstance(model_admin, CompanyScoped):
            # Not company data (Django's groups, login throttling): closed to company administrators.
            assert client.get(changelist).status_code == 403, changelist
            continue
        walked += 1
        response = client.get(changelist)
        assert response.status_code == 200, changelist
        cl = response.context["cl"]
        assert {_company_of(row) for row in cl.result_list} <= {own}, changelist
        for spec in cl.filter_specs:
            field = getattr(spec, "field", None)
            if hasattr(spec, "lookup_choices") and field is not None and field.is_relation:
                related = field.remote_field.model
                offered = related._default_manager.filter(pk__in=[pk for pk, _label in spec.lookup_choices])
                assert {_company_of(row) for row in offered} <= {own, "no company"}, (
                    changelist,
                    spec.field_path,
                )
        for where, queryset in _choices_of(model_admin, model, request):
            companies = {_company_of(row) for row in queryset}
            assert companies <= {own, "no company"}, where
    assert walked >= 20


def test_project_filters_list_only_own_projects(client, two_companies):
    client.force_login(two_companies.foreign_admin)
    page = client.get(reverse("admin:estates_building_changelist")).content.decode()
    assert two_companies.foreign_project.name in page
    assert two_companies.project.name not in page
    assert two_companies.sibling_project.name not in page


def test_autocomplete_offers_only_own_rows(client, two_companies):
    client.force_login(two_companies.foreign_admin)
    for field in ("unit", "resident"):
        response = client.get(
            "/admin/autocomplete/",
            {"app_label": "estates", "model_name": "occupancy", "field_name": field, "term": ""},
        )
        assert response.status_code == 200
        ids = [int(r["id"]) for r in response.json()["results"]]
        model = Resident if field == "resident" else two_companies.unit.__class__
        assert ids and {_company_of(row) for row in model.objects.filter(pk__in=ids)} == {
            two_companies.other_company.pk
        }


def test_a_resident_cannot_be_linked_to_another_companys_account(client, two_companies):
    w = two_companies
    client.force_login(w.foreign_admin)
    resident = Resident.objects.get(company=w.other_company)
    url = reverse("admin:estates_resident_change", args=[resident.pk])
    form = client.get(url).context["adminform"].form
    accounts = form.fields["user"].queryset
    assert set(accounts.values_list("company_id", flat=True)) <= {w.other_company.pk}
    assert w.resident_user not in accounts
    response = client.post(
        url,
        {
            "name": resident.name,
            "phone": resident.phone,
            "email": "",
            "contact_preference": resident.contact_preference,
            "preferred_call_times": "",
            "note": "",
            "project": resident.project_id,
            "user": w.resident_user.pk,
        },
    )
    assert response.status_code == 200 and "user" in response.context["adminform"].form.errors
    resident.refresh_from_db()
    assert resident.user_id is None
    assert get_user_model().objects.get(pk=w.resident_user.pk).resident == w.resident
