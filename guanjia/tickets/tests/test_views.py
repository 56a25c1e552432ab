"""The service-request pages as their users meet them: the desk console, the request page and its
action forms, the technician's "my work", and the resident portal — who sees what, form errors on
the field, and one-POST receive-and-dispatch."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from guanjia.estates.models import Building
from guanjia.testing import factories as f
from guanjia.tickets import services
from guanjia.tickets.choices import Action, Status
from guanjia.tickets.models import PaidService, Ticket, TicketCharge, TicketEvent, TicketPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        yield tmp_path


@pytest.fixture
def as_user(client):
    def login(user):
        client.logout()
        client.force_login(user)
        return client

    return login


def png(name="leak.png", colour=(30, 120, 200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def reported(tw, **extra) -> Ticket:
    data = {"unit_id": tw.unit.pk, "category_id": tw.leak.pk, "description": "厨房水管漏水"} | extra
    return services.ticket_create(actor=tw.resident_user, data=data)


def act(user, ticket, action, **data) -> Ticket:
    return services.ticket_act(actor=user, ticket=ticket, action=action, data=data)


def on_site(tw) -> Ticket:
    ticket = reported(tw)
    act(tw.butler, ticket, Action.DISPATCH, assignee_id=tw.staff["technician"].pk)
    act(tw.technician, ticket, Action.ACCEPT)
    return act(tw.technician, ticket, Action.ARRIVE)


# Who sees which page ---------------------------------------------------------------------------------


def test_each_page_answers_its_role(as_user, tw):
    ticket = reported(tw)
    desk = as_user(tw.desk)
    for name, args in [
        ("ticket_list", []),
        ("ticket_create", []),
        ("my_work", []),
        ("ticket_detail", [ticket.pk]),
    ]:
        response = desk.get(reverse(name, args=args))
        assert response.status_code == 200, name
    assert ticket.number in desk.get(reverse("ticket_list")).content.decode()

    resident = as_user(tw.resident_user)
    for name, args in [
        ("portal_home", []),
        ("portal_report", []),
        ("portal_services", []),
        ("portal_ticket_detail", [ticket.pk]),
    ]:
        assert resident.get(reverse(name, args=args)).status_code == 200, name
    # A resident who follows a console link lands on the portal page of the same request.
    assert resident.get(reverse("ticket_detail", args=[ticket.pk])).url == reverse(
        "portal_ticket_detail", args=[ticket.pk]
    )
    assert resident.get(reverse("ticket_list")).url == reverse("portal_home")


@pytest.mark.parametrize("who", ["foreign_admin", "sibling_desk"])
def test_another_companys_or_projects_request_is_404(as_user, tw, who):
    ticket = reported(tw)
    client = as_user(getattr(tw, who))
    assert client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 404
    response = client.post(reverse("ticket_act", args=[ticket.pk, "cancel"]), {"cancel-reason": "x"})
    assert response.status_code == 404
    assert ticket.number not in client.get(reverse("ticket_list")).content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RECEIVED


def test_another_residents_request_is_404_in_the_portal(as_user, tw):
    ticket = reported(tw)
    client = as_user(tw.other_resident_user)
    assert client.get(reverse("portal_ticket_detail", args=[ticket.pk])).status_code == 404
    assert (
        client.post(reverse("portal_act", args=[ticket.pk, "cancel"]), {"cancel-reason": "x"}).status_code
        == 404
    )
    assert ticket.number not in client.get(reverse("portal_home")).content.decode()


def test_the_list_filters_and_searches(as_user, tw):
    mine = reported(tw, priority="urgent")
    other = services.ticket_create(
        actor=tw.desk, data={"kind": "complaint", "unit_id": tw.other_unit.pk, "description": "楼上噪音"}
    )
    client = as_user(tw.desk)

    def numbers(**params):
        body = client.get(reverse("ticket_list"), params).content.decode()
        return {t.number for t in (mine, other) if t.number in body}

    assert numbers() == {mine.number, other.number}
    assert numbers(priority="urgent") == {mine.number}
    assert numbers(kind="complaint") == {other.number}
    assert numbers(first_contact="me") == {other.number}
    assert numbers(search=tw.resident.phone) == {mine.number}
    assert numbers(search=other.number) == {other.number}
    assert numbers(category=tw.leak.parent_id) == {mine.number}  # a category includes its children
    assert numbers(status="open") == {mine.number, other.number}
    assert numbers(status="closed") == set()
    # An htmx request gets the table only.
    fragment = client.get(reverse("ticket_list"), {"search": "噪音"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode() and other.number in fragment.content.decode()


def test_the_list_does_not_query_per_row(as_user, tw):
    """The same number of queries for a page of 3 rows as for a full page (related rows are fetched
    once per page, not per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(tw.desk)

    def queries() -> int:
        client.get(reverse("ticket_list"))  # warm the session and caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("ticket_list"))
        assert response.status_code == 200
        return len(captured.captured_queries)

    for i in range(3):
        reported(tw, description=f"漏水 {i}")
    few = queries()
    for i in range(25):
        reported(tw, description=f"漏水 {i}")
    assert queries() == few <= 17  # 17th: the people the bulk bar may send, one query for the page
    assert client.get(reverse("ticket_list")).content.decode().count("/tickets/") >= 20


def test_a_long_list_is_not_counted_to_its_end(as_user, tw, monkeypatch):
    """Past the cap the pager says "more than" (counting a whole history costs more than the page)."""
    from guanjia.web.helpers import CappedPaginator

    for i in range(5):
        reported(tw, description=f"漏水 {i}")
    client = as_user(tw.desk)
    assert "共 5 条" in client.get(reverse("ticket_list")).content.decode()
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    page = client.get(reverse("ticket_list")).content.decode()
    assert "超过 3 条" in page and "共 5 条" not in page


def _building_options(html: str) -> set[str]:
    """The building names offered by the filter's building list."""
    import re

    select = re.search(r'<select name="building".*?</select>', html, re.S)
    return _option_names(select.group(0))


def _option_names(html: str) -> set[str]:
    """The names of the options with a value (not the "all" option) in an HTML fragment."""
    import re

    return set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', html))


def test_the_building_filter_offers_the_chosen_projects_buildings(as_user, tw):
    """An HQ user sees hundreds of projects: their thousands of buildings come only once a project
    is chosen (htmx swaps them in), never all at once on every list page."""
    f.BuildingFactory(project=tw.project, name="2栋")
    sibling_building = f.BuildingFactory(project=tw.sibling_project, name="大厦A座")
    hq = as_user(tw.hq)
    assert _building_options(hq.get(reverse("ticket_list")).content.decode()) == set()
    assert _building_options(hq.get(reverse("ticket_list"), {"project": tw.project.pk}).content.decode()) == {
        "1栋",
        "2栋",
    }
    swapped = hq.get(reverse("ticket_building_options"), {"project": tw.sibling_project.pk}).content.decode()
    sibling_names = set(Building.objects.filter(project=tw.sibling_project).values_list("name", flat=True))
    assert _option_names(swapped) == sibling_names and "大厦A座" in sibling_names and 'value=""' in swapped
    # A bookmarked building without its project still filters, and stays chosen.
    bookmarked = hq.get(reverse("ticket_list"), {"building": sibling_building.pk}).content.decode()
    assert _building_options(bookmarked) == {"大厦A座"}
    # Someone serving one project gets its buildings at once; nobody gets another company's.
    assert _building_options(as_user(tw.desk).get(reverse("ticket_list")).content.decode()) == {"1栋", "2栋"}
    foreign = f.BuildingFactory(project=tw.foreign_project, name="别家1栋")
    leaked = as_user(tw.hq).get(reverse("ticket_building_options"), {"project": tw.foreign_project.pk})
    assert foreign.name not in leaked.content.decode() and _option_names(leaked.content.decode()) == set()


# The desk receives a call ----------------------------------------------------------------------------


def test_the_desk_finds_the_caller_by_phone_or_unit(as_user, tw):
    client = as_user(tw.desk)
    by_phone = client.get(reverse("ticket_caller_search"), {"q": tw.resident.phone}).content.decode()
    assert tw.resident.name in by_phone and "1201" in by_phone
    assert tw.resident.phone not in by_phone  # masked
    by_unit = client.get(reverse("ticket_caller_search"), {"q": "1202"}).content.decode()
    assert tw.other_resident.name in by_unit
    picked = client.get(reverse("ticket_caller_pick"), {"unit": tw.unit.pk, "resident": tw.resident.pk})
    body = picked.content.decode()
    assert f'name="unit_id" value="{tw.unit.pk}"' in body
    assert f'name="resident_id" value="{tw.resident.pk}"' in body
    # Another company's resident is never offered.
    foreign = as_user(tw.foreign_admin)
    assert (
        tw.resident.name
        not in foreign.get(reverse("ticket_caller_search"), {"q": tw.resident.phone}).content.decode()
    )
    assert foreign.get(reverse("ticket_caller_pick"), {"unit": tw.unit.pk}).status_code == 404


def test_the_desk_records_and_dispatches_in_one_post(as_user, tw, django_capture_on_commit_callbacks):
    client = as_user(tw.desk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ticket_create"),
            {
                "unit_id": tw.unit.pk,
                "resident_id": tw.resident.pk,
                "kind": "home_repair",
                "category_id": tw.leak.pk,
                "priority": "urgent",
                "channel": "phone",
                "description": "来电：卫生间漏水到楼下",
                "dispatch_to": tw.staff["technician"].pk,
            },
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("ticket_detail", args=[ticket.pk])
    assert ticket.status == Status.DISPATCHED
    assert ticket.assignee == tw.staff["technician"]
    assert ticket.first_contact == tw.staff["desk"]
    assert ticket.contact_phone == tw.resident.phone  # from the resident's record
    assert list(ticket.events.values_list("action", flat=True)) == ["create", "dispatch"]


def test_the_desk_form_names_the_missing_place_and_creates_nothing(as_user, tw):
    client = as_user(tw.desk)
    response = client.post(
        reverse("ticket_create"),
        {"kind": "home_repair", "priority": "normal", "channel": "phone", "description": "x"},
    )
    assert response.status_code == 422
    assert 'data-field="unit_id"' in response.content.decode()
    # A technician who does not serve the unit's project: the whole receive-and-dispatch is undone.
    outsider = f.make_staff(company=tw.company, roles=["technician"], projects=[tw.sibling_project])
    response = client.post(
        reverse("ticket_create"),
        {
            "unit_id": tw.unit.pk,
            "kind": "home_repair",
            "priority": "normal",
            "channel": "phone",
            "description": "漏水",
            "dispatch_to": outsider.pk,
        },
    )
    assert response.status_code == 422 and not Ticket.objects.exists()


# Acting on a request ---------------------------------------------------------------------------------


def test_the_request_page_offers_exactly_the_allowed_actions(as_user, tw):
    ticket = reported(tw)
    body = as_user(tw.butler).get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-action-form="dispatch"' in body and 'data-action-form="cancel"' in body
    assert 'data-action-form="complete"' not in body and 'data-action="accept"' not in body
    assert "dispatch-assignee_id" in body
    assert tw.resident.phone not in body  # the reporter's phone is masked


def test_dispatch_without_assignee_is_422_naming_the_field(as_user, tw):
    ticket = reported(tw)
    response = as_user(tw.butler).post(reverse("ticket_act", args=[ticket.pk, "dispatch"]), {})
    assert response.status_code == 422
    assert 'data-field="assignee_id"' in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RECEIVED


def test_an_illegal_action_is_409_and_anothers_work_is_403(as_user, tw):
    ticket = reported(tw)
    client = as_user(tw.butler)
    client.post(
        reverse("ticket_act", args=[ticket.pk, "dispatch"]),
        {"dispatch-assignee_id": tw.staff["technician"].pk},
    )
    again = client.post(
        reverse("ticket_act", args=[ticket.pk, "dispatch"]),
        {"dispatch-assignee_id": tw.staff["technician"].pk},
    )
    assert again.status_code == 409
    assert "已派工" in again.content.decode()
    other_tech = as_user(tw.technician2)
    assert other_tech.post(reverse("ticket_act", args=[ticket.pk, "accept"])).status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DISPATCHED


def test_the_technician_works_from_my_work_and_completes_with_photos(as_user, tw):
    urgent_later = reported(tw, priority="urgent", description="停电")
    normal = reported(tw)
    for t in (normal, urgent_later):
        act(tw.butler, t, Action.DISPATCH, assignee_id=tw.staff["technician"].pk)
    client = as_user(tw.technician)
    page = client.get(reverse("my_work")).content.decode()
    assert page.index(urgent_later.number) < page.index(normal.number)  # urgent first

    next_url = reverse("my_work")
    assert client.post(reverse("ticket_act", args=[normal.pk, "accept"]), {"next": next_url}).url == next_url
    client.post(reverse("ticket_act", args=[normal.pk, "arrive"]), {"next": next_url})
    response = client.post(
        reverse("ticket_act", args=[normal.pk, "complete"]),
        {
            "complete-resolution": "更换三通",
            "complete-before": [png("before.png")],
            "complete-after": [png("after.png", (0, 200, 0))],
            "complete-m_0_name": "三通接头",
            "complete-m_0_quantity": "1",
            "complete-m_0_cost": "12.5",
            "complete-c_0_description": "三通接头",
            "complete-c_0_unit_price": "25",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    normal.refresh_from_db()
    assert normal.status == Status.COMPLETED and normal.resolution == "更换三通"
    assert sorted(TicketPhoto.objects.filter(ticket=normal).values_list("stage", flat=True)) == [
        "after",
        "before",
    ]
    assert TicketCharge.objects.get(ticket=normal).amount == 25
    detail = client.get(reverse("ticket_detail", args=[normal.pk])).content.decode()
    photo = TicketPhoto.objects.filter(ticket=normal).first()
    assert f"/media/{photo.thumbnail}" in detail
    assert client.get(f"/media/{photo.thumbnail}").status_code == 200  # served in tests


def test_a_bad_photo_leaves_the_request_unchanged(as_user, tw):
    ticket = on_site(tw)
    response = as_user(tw.technician).post(
        reverse("ticket_act", args=[ticket.pk, "complete"]),
        {
            "complete-resolution": "修好",
            "complete-after": [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")],
        },
    )
    assert response.status_code == 422
    assert 'data-field="after"' in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.ON_SITE


def test_an_unsatisfied_follow_up_needs_a_root_cause(as_user, tw):
    ticket = on_site(tw)
    act(tw.technician, ticket, Action.COMPLETE, resolution="紧固")
    client = as_user(tw.butler)
    url = reverse("ticket_act", args=[ticket.pk, "follow_up"])
    missing = client.post(url, {"follow_up-satisfied": "0", "follow_up-score": "2"})
    assert missing.status_code == 422 and 'data-field="root_cause"' in missing.content.decode()
    client.post(url, {"follow_up-satisfied": "0", "follow_up-score": "2", "follow_up-root_cause": "接头老化"})
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REWORK
    # Dispatching rework asks for the root cause's remedy on the form.
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "dispatch-root_cause" in page


def test_handover_changes_the_first_contact_owner(as_user, tw):
    ticket = reported(tw)
    response = as_user(tw.butler).post(
        reverse("ticket_act", args=[ticket.pk, "handover"]),
        {"handover-first_contact_id": tw.staff["desk"].pk, "handover-reason": "休假"},
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).first_contact == tw.staff["desk"]


# The resident portal --------------------------------------------------------------------------------


def test_the_resident_reports_with_photos(as_user, tw):
    client = as_user(tw.resident_user)
    response = client.post(
        reverse("portal_report"),
        {
            "unit": tw.unit.pk,
            "category_id": tw.leak.pk,
            "description": "阳台漏水",
            "photos": [png("a.png"), png("b.png", (200, 0, 0))],
            "urgent": "on",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("portal_ticket_detail", args=[ticket.pk])
    assert ticket.priority == "urgent" and ticket.channel == "portal"
    assert ticket.first_contact == tw.staff["butler"]
    assert TicketPhoto.objects.filter(ticket=ticket, stage="report").count() == 2
    page = client.get(response.url).content.decode()
    assert "我们已收到您的报事" in page  # the timeline in plain words


def test_the_resident_can_only_report_for_their_own_unit(as_user, tw):
    client = as_user(tw.resident_user)
    page = client.get(reverse("portal_report")).content.decode()
    assert "1201" in page and "1202" not in page
    response = client.post(reverse("portal_report"), {"unit": tw.other_unit.pk, "description": "漏水"})
    assert response.status_code == 422 and 'data-field="unit"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_portal_hides_internal_events_and_rates_to_close(as_user, tw):
    ticket = on_site(tw)
    act(tw.butler, ticket, Action.ESCALATE, reason="内部：师傅迟到")
    act(tw.technician, ticket, Action.COMPLETE, resolution="更换水管")
    act(tw.butler, ticket, Action.FOLLOW_UP, satisfied=True, score=5)
    client = as_user(tw.resident_user)
    page = client.get(reverse("portal_ticket_detail", args=[ticket.pk])).content.decode()
    assert "师傅迟到" not in page
    assert "师傅已到场" in page and "已处理完成" in page
    assert 'data-action-form="rate"' in page and 'data-action-form="reopen"' in page
    assert 'data-action-form="escalate"' not in page
    response = client.post(
        reverse("portal_act", args=[ticket.pk, "rate"]), {"rate-score": "5", "rate-comment": "很好"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.rating == 5
    # A resident cannot use the console's actions through the portal.
    assert client.post(reverse("portal_act", args=[ticket.pk, "dispatch"])).status_code == 404


def test_the_resident_reopens_with_a_reason(as_user, tw):
    ticket = on_site(tw)
    act(tw.technician, ticket, Action.COMPLETE, resolution="紧固")
    client = as_user(tw.resident_user)
    url = reverse("portal_act", args=[ticket.pk, "reopen"])
    assert client.post(url, {}).status_code == 422
    assert client.post(url, {"reopen-reason": "还在漏"}).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REWORK


def test_the_resident_books_a_paid_service(as_user, tw):
    cleaning = PaidService.objects.get(company=tw.company, name="家庭保洁")
    client = as_user(tw.resident_user)
    page = client.get(reverse("portal_services")).content.decode()
    assert "家庭保洁" in page and "40.00" in page
    response = client.post(
        reverse("portal_services"), {"service": cleaning.pk, "unit": tw.unit.pk, "note": "周六上午"}
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.paid_service == cleaning and "周六上午" in ticket.description
    assert TicketCharge.objects.get(ticket=ticket).amount == cleaning.price
    # Not for someone else's unit.
    client.post(reverse("portal_services"), {"service": cleaning.pk, "unit": tw.other_unit.pk})
    assert Ticket.objects.count() == 1


def test_home_pages_link_to_the_work(as_user, tw):
    ticket = reported(tw)
    act(tw.butler, ticket, Action.DISPATCH, assignee_id=tw.staff["technician"].pk)
    tech_home = as_user(tw.technician).get(reverse("home")).content.decode()
    assert 'data-testid="work-mine">1<' in tech_home
    butler_home = as_user(tw.butler).get(reverse("home")).content.decode()
    assert 'data-testid="work-first-contact">1<' in butler_home
    resident_home = as_user(tw.resident_user).get(reverse("home")).content.decode()
    assert "我要报修" in resident_home and ticket.number in resident_home


def test_timeline_events_are_one_per_action_from_the_web(as_user, tw):
    ticket = reported(tw)
    as_user(tw.butler).post(
        reverse("ticket_act", args=[ticket.pk, "comment"]), {"comment-note": "已电话联系"}
    )
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("action", flat=True)) == [
        "create",
        "comment",
    ]
