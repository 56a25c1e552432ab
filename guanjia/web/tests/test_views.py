"""The console as its users meet it: who sees which page, scoping, form errors, htmx fragments."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from guanjia.core.models import ObjectChange
from guanjia.estates.models import Building, Resident, Unit
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_login_page_is_styled_and_anonymous_is_sent_there(client):
    response = client.get(reverse("unit_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    page = client.get(reverse("login")).content.decode()
    assert "vendor/site.css" in page
    assert "<script>" not in page  # the CSP allows only script files


def test_login_with_password_lands_on_home(client, world):
    response = client.post(
        reverse("login"), {"username": world.desk.username, "password": f.PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "前台" in response.content.decode()


def test_hq_home_counts_the_whole_company(as_user, world):
    response = as_user(world.hq).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["totals"]["projects"] == 2  # both projects of 金苑物业, not 别家花园
    assert response.context["totals"]["units"] == 3


def test_desk_home_shows_only_their_project(as_user, world):
    response = as_user(world.desk).get(reverse("home"))
    assert [p.name for p in response.context["projects"]] == ["金苑小区"]
    page = response.content.decode()
    assert "金苑大厦" not in page
    # Navbar: desk may import and see residents, but not the admin.
    assert reverse("resident_list") in page and "/data/import/" in page
    assert reverse("admin:index") not in page


def test_resident_home_lists_own_units(as_user, world):
    response = as_user(world.resident_user).get(reverse("home"))
    assert response.status_code == 200
    assert [o.unit_id for o in response.context["occupancies"]] == [world.unit.pk]
    assert "1202" not in response.content.decode()


def test_resident_cannot_open_staff_lists(as_user, world):
    assert as_user(world.resident_user).get(reverse("unit_list")).status_code == 403


@pytest.mark.parametrize(
    "name", ["project_list", "building_list", "unit_list", "resident_list", "staff_list"]
)
@pytest.mark.parametrize("who", ["admin", "hq", "manager", "desk"])
def test_lists_open_for_staff(as_user, world, name, who):
    response = as_user(getattr(world, who)).get(reverse(name))
    assert response.status_code == 200
    assert "/data/export/" in response.content.decode()


def test_detail_pages_open_for_desk(as_user, world):
    client = as_user(world.desk)
    for name, obj in [
        ("project_detail", world.project),
        ("building_detail", world.building),
        ("unit_detail", world.unit),
        ("resident_detail", world.resident),
    ]:
        response = client.get(reverse(name, args=[obj.pk]))
        assert response.status_code == 200, name
        assert "历史" in response.content.decode()


def test_out_of_scope_objects_are_404(as_user, world):
    foreign_unit = Unit.objects.get(project=world.foreign_project)
    sibling_resident = Resident.objects.get(project=world.sibling_project)
    client = as_user(world.desk)
    assert client.get(reverse("unit_detail", args=[foreign_unit.pk])).status_code == 404
    assert client.get(reverse("resident_detail", args=[sibling_resident.pk])).status_code == 404
    assert client.get(reverse("project_detail", args=[world.sibling_project.pk])).status_code == 404
    assert client.get(reverse("unit_edit", args=[foreign_unit.pk])).status_code in (403, 404)
    # Even a company administrator never reaches another company.
    admin_client = as_user(world.admin)
    assert admin_client.get(reverse("unit_detail", args=[foreign_unit.pk])).status_code == 404


def test_resident_list_is_scoped_and_masks_phones(as_user, world):
    response = as_user(world.desk).get(reverse("resident_list"))
    names = {r.name for r in response.context["rows"]}
    assert names == {world.resident.name, world.other_resident.name}
    page = response.content.decode()
    assert world.resident.phone not in page
    assert world.resident.phone[:3] + "****" + world.resident.phone[-4:] in page


def test_find_resident_by_full_phone_and_unit_number(as_user, world):
    client = as_user(world.desk)
    response = client.get(reverse("resident_list"), {"q": world.resident.phone})
    assert [r.pk for r in response.context["rows"]] == [world.resident.pk]
    response = client.get(reverse("unit_list"), {"q": world.other_resident.phone})
    assert [u.pk for u in response.context["rows"]] == [world.other_unit.pk]
    response = client.get(reverse("unit_list"), {"q": "1201"})
    assert [u.pk for u in response.context["rows"]] == [world.unit.pk]


def test_filters_ignore_bad_values(as_user, world):
    response = as_user(world.desk).get(reverse("unit_list"), {"project": "abc", "status": "nope"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2


def test_htmx_request_gets_only_the_table(as_user, world):
    client = as_user(world.desk)
    response = client.get(reverse("unit_list"), {"status": "occupied"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "<table" in page
    assert "/data/export/units.xlsx?status=occupied" in page
    full = client.get(reverse("unit_list")).content.decode()
    assert "<html" in full and 'hx-get="/units/"' in full


def test_unit_form_names_the_bad_field(as_user, world):
    client = as_user(world.manager)
    response = client.post(
        reverse("unit_create"), {"building": world.building.pk, "floor": 3, "number": "301", "area": "abc"}
    )
    assert response.status_code == 422
    assert "area" in response.context["form"].errors
    assert not Unit.objects.filter(number="301").exists()


def test_unit_create_and_edit_go_through_the_service(as_user, world):
    client = as_user(world.manager)
    response = client.post(
        reverse("unit_create"),
        {"building": world.building.pk, "floor": 3, "number": "301", "area": "120.55", "status": "vacant"},
    )
    unit = Unit.objects.get(number="301")
    assert response.status_code == 302 and response.url == reverse("unit_detail", args=[unit.pk])
    response = client.post(
        reverse("unit_edit", args=[unit.pk]),
        {"floor": 3, "number": "301", "area": "99.00", "status": "renovating"},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.status == "renovating"
    entry = ObjectChange.objects.filter(object_id=str(unit.pk), action="update").first()
    assert entry.source == "web" and entry.changes["status"] == ["vacant", "renovating"]
    # The history tab shows it.
    page = client.get(reverse("unit_detail", args=[unit.pk])).content.decode()
    assert "装修中" in page and "项目经理" in page


def test_building_in_another_companys_project_is_a_field_error(as_user, world):
    foreign_building = Building.objects.get(project=world.foreign_project)
    response = as_user(world.manager).post(
        reverse("unit_create"), {"building": foreign_building.pk, "floor": 1, "number": "X1", "area": "10"}
    )
    assert response.status_code == 422
    assert "building" in response.context["form"].errors


def test_duplicate_unit_number_is_shown_not_a_500(as_user, world):
    response = as_user(world.manager).post(
        reverse("unit_create"), {"building": world.building.pk, "floor": 12, "number": "1201", "area": "10"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors


def test_desk_may_not_edit_units(as_user, world):
    response = as_user(world.desk).post(
        reverse("unit_edit", args=[world.unit.pk]), {"floor": 1, "number": "1201", "area": "1"}
    )
    assert response.status_code == 403


def test_resident_create_bad_phone_names_the_field(as_user, world):
    response = as_user(world.desk).post(
        reverse("resident_create"), {"project": world.project.pk, "name": "新住户", "phone": "12345"}
    )
    assert response.status_code == 422
    assert "phone" in response.context["form"].errors


def test_resident_edit_keeps_phone_when_left_blank(as_user, world):
    client = as_user(world.desk)
    page = client.get(reverse("resident_edit", args=[world.resident.pk])).content.decode()
    assert world.resident.phone not in page  # the edit form never prints the full number
    response = client.post(
        reverse("resident_edit", args=[world.resident.pk]),
        {"name": "改名", "phone": "", "contact_preference": "phone"},
    )
    assert response.status_code == 302
    world.resident.refresh_from_db()
    assert world.resident.name == "改名" and world.resident.phone.startswith("139")


def test_phone_reveal_is_journaled(as_user, world):
    client = as_user(world.desk)
    url = reverse("resident_reveal_phone", args=[world.resident.pk])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert world.resident.phone in response.content.decode()
    entry = ObjectChange.objects.get(object_id=str(world.resident.pk), action=ObjectChange.Action.REVEAL)
    assert entry.actor == world.desk and entry.source == "web"
    assert client.get(url).status_code == 405


def test_phone_reveal_needs_the_permission(as_user, world):
    client = as_user(world.technician)
    page = client.get(reverse("resident_detail", args=[world.resident.pk])).content.decode()
    assert "显示完整号码" not in page
    response = client.post(reverse("resident_reveal_phone", args=[world.resident.pk]))
    assert response.status_code == 403
    assert not ObjectChange.objects.filter(action=ObjectChange.Action.REVEAL).exists()


def test_history_tab_hidden_without_permission(as_user, world):
    response = as_user(world.technician).get(reverse("unit_detail", args=[world.unit.pk]))
    assert response.status_code == 200
    assert response.context["history"] is None


def test_staff_create_and_edit(as_user, world):
    client = as_user(world.manager)
    response = client.post(
        reverse("staff_create"),
        {
            "username": "newdesk",
            "name": "新前台",
            "department": "service",
            "roles": ["desk"],
            "projects": [world.project.pk],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(response.url).content.decode()
    assert "新前台" in page and "客服前台" in page
    # A project manager cannot hand out HQ roles: the choice is not offered.
    response = client.post(
        reverse("staff_create"),
        {"username": "x", "name": "x", "department": "service", "roles": ["company_admin"]},
    )
    assert response.status_code == 422 and "roles" in response.context["form"].errors


def test_staff_create_without_project_names_the_field(as_user, world):
    response = as_user(world.manager).post(
        reverse("staff_create"), {"username": "lonely", "name": "无项目", "department": "service"}
    )
    assert response.status_code == 422
    assert "projects" in response.context["form"].errors


def test_unit_list_has_no_n_plus_one(as_user, world, django_assert_max_num_queries):
    for i in range(30):
        f.OccupancyFactory(unit=f.UnitFactory(building=world.building, number=f"9{i:03d}"))
    client = as_user(world.desk)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("unit_list"))
    assert len(response.context["rows"]) == 20


def test_resident_list_has_no_n_plus_one(as_user, world, django_assert_max_num_queries):
    for i in range(30):
        f.OccupancyFactory(unit=f.UnitFactory(building=world.building, number=f"8{i:03d}"))
    client = as_user(world.desk)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("resident_list"))
    assert len(response.context["rows"]) == 20


def test_language_switch_to_english(as_user, world):
    client = as_user(world.desk)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "en"


# The admin ----------------------------------------------------------------------------------------


def _admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_admin_queryset_is_scoped(world):
    from django.contrib import admin

    unit_admin = admin.site._registry[Unit]
    units = set(unit_admin.get_queryset(_admin_request(world.admin)))
    assert world.unit in units
    assert not any(u.project_id == world.foreign_project.pk for u in units)
    foreign = set(unit_admin.get_queryset(_admin_request(world.foreign_admin)))
    assert world.unit not in foreign and foreign
    assert unit_admin.has_view_permission(_admin_request(world.admin))
    assert not unit_admin.has_view_permission(_admin_request(world.manager))
    assert not unit_admin.has_change_permission(_admin_request(world.desk))


def test_admin_change_page_for_company_admin(client, world):
    world.admin.is_staff = True
    world.admin.save()
    client.force_login(world.admin)
    assert client.get(reverse("admin:estates_unit_change", args=[world.unit.pk])).status_code == 200
    foreign_unit = Unit.objects.get(project=world.foreign_project)
    response = client.get(reverse("admin:estates_unit_change", args=[foreign_unit.pk]))
    assert response.status_code == 302  # "does not exist" → back to the index, never the row
    assert client.get(reverse("admin:core_objectchange_changelist")).status_code == 200


def test_admin_add_building_sets_company(client, world):
    world.admin.is_staff = True
    world.admin.save()
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:estates_building_add"),
        {"project": world.project.pk, "name": "后台楼", "floors_above": 5, "floors_below": 0, "note": ""},
    )
    assert response.status_code == 302
    building = Building.objects.get(name="后台楼")
    assert building.company_id == world.company.pk
    assert ObjectChange.objects.filter(object_id=str(building.pk), source="admin").exists()
