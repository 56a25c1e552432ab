"""Buildings and units are listed in natural order — 1栋, 2栋, 10栋, 20栋 and 101, 201, 1001 — on
the pages, in the API, in exports and in the pickers, through one stored key (``natural_key``)."""

import csv
import importlib
import io
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from guanjia.core.naturalsort import natural_key
from guanjia.estates import services
from guanjia.estates.models import Building, Unit
from guanjia.testing import factories as f
from guanjia.testing.api import Api

NAMES = ["1栋", "2栋", "10栋", "19栋", "20栋"]  # world.building is 1栋
SHOPS = ["商铺9", "商铺10", "商铺100"]  # one floor: only the number orders them


# The key ------------------------------------------------------------------------------------------

_CHUNK = re.compile(r"(\d+)")


def natural(text: str) -> list:
    """Natural comparison, written plainly: digit runs compare as numbers and before text."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in _CHUNK.split(text) if part]


# Text above the digits in code order (letters, CJK), as names are written; numbers of any size
# (two side by side make one longer number), leading zeros too.
TEXT = st.text(alphabet="ABab栋座单元号商铺", min_size=1, max_size=3)
NUMBER = st.one_of(
    st.integers(min_value=0, max_value=10**18).map(str), st.from_regex(r"\A0{1,3}[0-9]{1,3}\Z")
)
NAME = st.lists(st.one_of(TEXT, NUMBER), min_size=1, max_size=5).map("".join)


@settings(max_examples=300, deadline=None)
@given(NAME, NAME)
def test_the_key_orders_names_as_natural_comparison_does(a, b):
    assert (natural_key(a) < natural_key(b)) == (natural(a) < natural(b))
    assert (natural_key(a) == natural_key(b)) == (natural(a) == natural(b))


def test_examples_of_the_key():
    assert sorted(["10栋", "1栋", "20栋", "2栋", "19栋"], key=natural_key) == NAMES
    assert sorted(["1001", "201", "101"], key=natural_key) == ["101", "201", "1001"]
    assert natural_key("１０栋") == natural_key("10栋")  # full-width digits, as typed on a phone


# Where the order shows ----------------------------------------------------------------------------


@pytest.fixture
def estate(world):
    for name in NAMES[1:]:
        f.BuildingFactory(project=world.project, name=name)
    mall = f.BuildingFactory(project=world.project, name="3栋")
    for number in ("商铺100", "商铺9", "商铺10"):
        f.UnitFactory(building=mall, floor=1, number=number)
    tower = Building.objects.get(project=world.project, name="10栋")
    for floor, number in ((10, "1001"), (2, "201"), (1, "101")):
        f.UnitFactory(building=tower, floor=floor, number=number)
    return world


def in_order(text: str, words: list[str]) -> bool:
    """``words`` appear in ``text`` in this order (each as a whole cell or link text)."""
    positions = [text.index(f">{word}<") for word in words]
    return positions == sorted(positions)


ORDERED = ["1栋", "2栋", "3栋", "10栋", "19栋", "20栋"]


def sheet(response) -> list[list]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.django_db
def test_pages_list_buildings_and_units_in_natural_order(estate):
    client = Client()
    client.force_login(estate.desk)
    page = client.get(reverse("building_list"), {"project": estate.project.pk}).content.decode()
    assert in_order(page, ORDERED)
    mall = Building.objects.get(project=estate.project, name="3栋")
    assert in_order(client.get(reverse("building_detail", args=[mall.pk])).content.decode(), SHOPS)
    units = client.get(reverse("unit_list"), {"project": estate.project.pk}).content.decode()
    shops = [f"3栋-{shop}" for shop in SHOPS]
    assert in_order(units, ["1栋-1201", "1栋-1202", *shops, "10栋-101", "10栋-201", "10栋-1001"])


@pytest.mark.django_db
def test_the_api_lists_buildings_and_units_in_natural_order(estate):
    api = Api(estate.desk)
    buildings = api.get("buildings", project_id=estate.project.pk, page_size=100).json()["items"]
    assert [b["name"] for b in buildings] == ORDERED
    units = api.get("units", project_id=estate.project.pk, page_size=100).json()["items"]
    assert [(u["building_name"], u["number"]) for u in units] == [
        ("1栋", "1201"),
        ("1栋", "1202"),
        *(("3栋", shop) for shop in SHOPS),
        ("10栋", "101"),
        ("10栋", "201"),
        ("10栋", "1001"),
    ]


@pytest.mark.django_db
def test_exports_list_buildings_and_units_in_natural_order(estate):
    api = Api(estate.desk)

    def rows(resource):
        return sheet(api.get(f"exports/{resource}", format="csv", project_id=estate.project.pk))[1:]

    assert [r[1] for r in rows("buildings")] == ORDERED
    assert [r[3] for r in rows("units")] == ["1201", "1202", *SHOPS, "101", "201", "1001"]


@pytest.mark.django_db
def test_the_ticket_pickers_offer_buildings_in_natural_order(estate):
    client = Client()
    client.force_login(estate.desk)
    options = client.get(reverse("ticket_building_options"), {"project": estate.project.pk}).content.decode()
    assert in_order(options, ORDERED)


@pytest.mark.django_db
def test_renaming_and_bulk_writes_keep_the_key(estate):
    building = Building.objects.get(project=estate.project, name="2栋")
    services.building_update(actor=estate.admin, building=building, data={"name": "30栋"})
    assert Building.objects.get(pk=building.pk).sort_key == natural_key("30栋")
    (made,) = Building.objects.bulk_create(
        [Building(company=estate.company, project=estate.sibling_project, name="7栋")]
    )
    assert Building.objects.get(pk=made.pk).sort_key == natural_key("7栋")


@pytest.mark.django_db
def test_the_migration_gives_existing_rows_their_key(estate):
    Building.objects.update(sort_key="")
    Unit.objects.update(sort_key="")
    migration = importlib.import_module("guanjia.estates.migrations.0003_building_unit_natural_sort_key")
    migration.fill_sort_keys(apps, None)
    assert [b.name for b in Building.objects.filter(project=estate.project)] == ORDERED
    assert Unit.objects.get(number="1001").sort_key == natural_key("1001")
