"""Red/yellow/blue cards: one of each colour per household, month and target, only in its own month
(Asia/Shanghai), yellow cards for the company closed by the estate, the tally published once."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Role
from guanjia.estates.models import Project
from guanjia.feedback import selectors, services, tasks
from guanjia.feedback.choices import CardColour, CardTarget, YearRating
from guanjia.feedback.models import CardTally, CardVote
from guanjia.notifications.models import Notification
from guanjia.staff.choices import Department
from guanjia.staff.models import StaffMember
from guanjia.testing import factories as f

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def at(monkeypatch):
    """Fix the present: ``at(2026, 11, 30, 23, 30)`` is Asia/Shanghai wall time."""

    def set_time(*parts):
        moment = datetime.datetime(*parts, tzinfo=SHANGHAI).astimezone(datetime.UTC)
        monkeypatch.setattr(services.common, "_now", lambda: moment)
        return moment

    return set_time


def cast(world, colour, target=CardTarget.COMPANY, *, user=None, unit=None, month=None, reason="意见"):
    data = {"unit_id": (unit or world.unit).pk, "target": target, "colour": colour, "reason": reason}
    if month is not None:
        data["month"] = month
    return services.card_cast(actor=user or world.resident_user, data=data)


def test_a_household_casts_each_card_once_a_month(world, at):
    at(2026, 11, 10, 9, 0)
    blue = cast(world, CardColour.BLUE)
    assert blue.month == datetime.date(2026, 11, 1)
    cast(world, CardColour.BLUE, CardTarget.COMMITTEE)  # the same colour for the committee is another card
    with pytest.raises(Conflict):
        cast(world, CardColour.BLUE)
    assert CardVote.objects.filter(unit=world.unit).count() == 2
    at(2026, 12, 1, 0, 5)  # a new month, new cards
    assert cast(world, CardColour.BLUE).month == datetime.date(2026, 12, 1)


def test_the_month_is_the_shanghai_month_at_casting(world, at):
    at(2026, 11, 30, 23, 30)  # 15:30 UTC on the 30th; still November in Shanghai
    assert cast(world, CardColour.BLUE).month == datetime.date(2026, 11, 1)
    at(2026, 12, 1, 0, 30)  # 16:30 UTC on 30 November; December in Shanghai
    assert cast(world, CardColour.RED).month == datetime.date(2026, 12, 1)


@pytest.mark.parametrize("month", ["2026-10", "2026-12", "2025-11", "2026-13", "11/2026"])
def test_a_card_of_another_month_is_422_on_month(world, at, month):
    at(2026, 11, 15, 12, 0)
    with pytest.raises(ValidationError) as exc:
        cast(world, CardColour.BLUE, month=month)
    assert "month" in exc.value.message_dict
    assert not CardVote.objects.exists()


def test_the_current_month_may_be_named(world, at):
    at(2026, 11, 15, 12, 0)
    assert cast(world, CardColour.BLUE, month="2026-11").pk


def test_only_residents_cast_and_only_for_their_own_units(world, at):
    at(2026, 11, 15, 12, 0)
    with pytest.raises(NotAllowed):
        cast(world, CardColour.BLUE, user=world.manager)
    with pytest.raises(ValidationError) as exc:
        cast(world, CardColour.BLUE, unit=world.other_unit)
    assert "unit_id" in exc.value.message_dict


def test_yellow_and_red_cards_need_a_reason(world, at):
    at(2026, 11, 15, 12, 0)
    with pytest.raises(ValidationError) as exc:
        cast(world, CardColour.YELLOW, reason="")
    assert "reason" in exc.value.message_dict


def test_a_yellow_card_for_the_company_has_an_owner_and_a_deadline(
    world, at, django_capture_on_commit_callbacks
):
    now = at(2026, 11, 15, 12, 0)
    with django_capture_on_commit_callbacks(execute=True):
        card = cast(world, CardColour.YELLOW, reason="垃圾清运不及时")
    assert card.deadline == now + datetime.timedelta(days=services.YELLOW_CARD_DAYS)
    assert card.owner == StaffMember.objects.get(user=world.manager)
    assert world.manager.notifications.filter(dedup_key=f"feedback-card-{card.pk}-cast").exists()
    committee = cast(world, CardColour.YELLOW, CardTarget.COMMITTEE)
    assert committee.deadline is None and committee.owner_id is None


def test_the_estate_closes_a_yellow_card_with_a_response_never_the_resident(world, at):
    at(2026, 11, 15, 12, 0)
    card = cast(world, CardColour.YELLOW)
    with pytest.raises(NotAllowed):
        services.card_close(actor=world.resident_user, card=card, response="我自己关了")
    with pytest.raises(NotAllowed):
        services.card_close(actor=world.desk, card=card, response="前台")
    with pytest.raises(ValidationError) as exc:
        services.card_close(actor=world.manager, card=card, response=" ")
    assert "response" in exc.value.message_dict
    closed = services.card_close(actor=world.manager, card=card, response="已增加清运频次")
    assert closed.closed_at is not None and closed.closed_by == world.manager
    with pytest.raises(Conflict):
        services.card_close(actor=world.manager, card=card, response="again")
    blue = cast(world, CardColour.BLUE)
    with pytest.raises(Conflict):
        services.card_close(actor=world.manager, card=blue, response="no")


def test_overdue_yellow_cards_are_listed_from_their_stored_deadline(world, at):
    at(2026, 11, 1, 12, 0)
    card = cast(world, CardColour.YELLOW)
    assert (
        CardVote.objects.visible_to(world.manager)
        .open_yellow()
        .filter(deadline__lt=card.deadline + datetime.timedelta(seconds=1))
        .get()
        == card
    )


def test_the_tally_is_published_once_per_project_and_month(world, at):
    at(2026, 11, 10, 9, 0)
    cast(world, CardColour.BLUE)
    cast(world, CardColour.RED)
    cast(world, CardColour.BLUE, user=world.other_resident_user, unit=world.other_unit)
    cast(world, CardColour.YELLOW, CardTarget.COMMITTEE)
    during = datetime.datetime(2026, 11, 20, tzinfo=SHANGHAI)
    assert services.publish_tallies(now=during) == 2 * Project.objects.count()  # October's, empty
    assert not CardTally.objects.filter(month=datetime.date(2026, 11, 1)).exists()  # not before it ends
    after = datetime.datetime(2026, 12, 1, 0, 20, tzinfo=SHANGHAI)
    made = services.publish_tallies(now=after)
    assert made == 2 * Project.objects.count()  # two targets × every project of every company
    assert services.publish_tallies(now=after + datetime.timedelta(hours=1)) == 0
    company = CardTally.objects.get(project=world.project, month=datetime.date(2026, 11, 1), target="company")
    assert (company.blue, company.yellow, company.red, company.households) == (2, 0, 1, 2)
    committee = CardTally.objects.get(
        project=world.project, month=datetime.date(2026, 11, 1), target="committee"
    )
    assert (committee.blue, committee.yellow, committee.red) == (0, 1, 0)
    # A card cast in December never changes November's tally.
    at(2026, 12, 2, 9, 0)
    cast(world, CardColour.YELLOW, user=world.other_resident_user, unit=world.other_unit)
    services.publish_tallies(now=after + datetime.timedelta(days=1))
    company.refresh_from_db()
    assert company.yellow == 0


def test_the_job_runs_the_publication(world, monkeypatch):
    monkeypatch.setattr(
        services.common, "_now", lambda: datetime.datetime(2026, 12, 1, 1, 0, tzinfo=datetime.UTC)
    )
    first = tasks.run_publish_tallies()
    assert first > 0 and tasks.run_publish_tallies() == 0


@pytest.mark.parametrize(
    ("blue", "yellow", "red", "rating"),
    [
        (0, 0, 0, YearRating.NONE),
        (80, 15, 5, YearRating.EXCELLENT),
        (79, 16, 5, YearRating.PASS),
        (60, 25, 15, YearRating.PASS),
        (60, 24, 16, YearRating.FAIL),
        (10, 0, 90, YearRating.FAIL),
    ],
)
def test_the_year_rating(blue, yellow, red, rating):
    assert selectors.rate(blue, yellow, red) == rating


def test_the_yearly_tally_sums_published_months(world):
    now = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    for month, blue, red in ((1, 9, 0), (2, 8, 1)):
        CardTally.objects.create(
            company=world.company,
            project=world.project,
            month=datetime.date(2026, month, 1),
            target="company",
            households=10,
            blue=blue,
            yellow=1,
            red=red,
            published_at=now,
        )
    rows = selectors.yearly_tally(world.admin, 2026)
    row = next(r for r in rows if r["project_id"] == world.project.pk)
    assert (row["months"], row["blue"], row["yellow"], row["red"]) == (2, 17, 2, 1)
    assert row["rating"] == YearRating.EXCELLENT
    assert selectors.yearly_tally(world.sibling_desk, 2026) == []


def test_a_month_missed_while_the_job_was_down_is_published_when_it_runs_again(world, at):
    """A consumer down over two month ends: when it comes back, every ended month since the first cards
    is published (oldest first), each exactly once, from the cards of its own month."""
    at(2026, 9, 10, 9, 0)
    cast(world, CardColour.RED)
    at(2026, 10, 10, 9, 0)
    cast(world, CardColour.BLUE)
    back = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
    assert services.publish_tallies(now=back) == 3 * 2 * Project.objects.count()  # Sep, Oct, Nov
    assert services.publish_tallies(now=back) == 0
    september = CardTally.objects.get(
        project=world.project, month=datetime.date(2026, 9, 1), target="company"
    )
    october = CardTally.objects.get(project=world.project, month=datetime.date(2026, 10, 1), target="company")
    assert (september.red, september.blue, october.red, october.blue) == (1, 0, 0, 1)
    assert not CardTally.objects.filter(month=datetime.date(2026, 8, 1)).exists()  # before the first cards


def test_an_overdue_yellow_card_is_reported_to_hq_quality_once(world, at):
    quality = f.make_staff(company=world.company, roles=[Role.HQ_QUALITY], department=Department.QUALITY).user
    cast_at = at(2026, 11, 1, 12, 0)
    card = cast(world, CardColour.YELLOW, reason="楼道灯不亮")
    answered = cast(world, CardColour.YELLOW, user=world.other_resident_user, unit=world.other_unit)
    services.card_close(actor=world.manager, card=answered, response="已更换灯具")
    assert services.escalate_overdue_cards(now=card.deadline - datetime.timedelta(minutes=1)) == 0
    late = card.deadline + datetime.timedelta(hours=1)
    assert services.escalate_overdue_cards(now=late) == 1
    at(2026, 11, 9, 18, 0)  # later, from the hourly job: reported once
    assert tasks.run_escalate_cards() == 0
    card.refresh_from_db()
    assert card.escalated_at == late and card.closed_at is None and cast_at < late
    key = f"feedback-card-{card.pk}-overdue"
    assert quality.notifications.filter(dedup_key=key).exists()
    assert world.manager.notifications.filter(dedup_key=key).exists()  # the owner is reminded
    assert not world.desk.notifications.filter(dedup_key=key).exists()
    assert not Notification.objects.filter(dedup_key=f"feedback-card-{answered.pk}-overdue").exists()
    # The console marks it; the estate can still answer it.
    page = Client()
    page.force_login(world.manager)
    assert 'data-testid="card-escalated"' in page.get(reverse("feedback:cards")).content.decode()
    services.card_close(actor=world.manager, card=card, response="已修复")
