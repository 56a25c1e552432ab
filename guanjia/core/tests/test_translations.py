"""English is a real choice: the catalogue is complete and compiled, and the pages switch language."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from guanjia.core.context import Source
from guanjia.core.management.commands.check_translations import catalogue_problems, mo_problems, parse_po
from guanjia.core.models import ObjectChange
from guanjia.core.roles import Role
from guanjia.estates.choices import Relation
from guanjia.estates.models import Occupancy, Resident

PO_PATH = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"


def test_english_catalogue_is_complete_and_compiled():
    entries = parse_po(PO_PATH.read_text(encoding="utf-8"))
    assert len(entries) > 250
    assert catalogue_problems(entries) == []
    assert mo_problems(entries, PO_PATH.with_suffix(".mo")) == []


def test_domain_terms_are_english_when_english_is_chosen():
    with translation.override("en"):
        assert gettext("住户") == "Resident"
        assert gettext("楼栋") == "Building"
        assert str(Role.DESK.label) == "Service desk"
        assert str(Role.HQ_CENTER.label) == "HQ 24-hour service centre"
        assert str(Resident._meta.verbose_name) == "Resident"
        assert str(Relation.TENANT.label) == "Tenant"
        assert str(Occupancy._meta.verbose_name) == "Occupancy"
        assert ObjectChange(source=Source.WEB).get_source_display() == "Web"
        assert ngettext("共 %(counter)s 条", "共 %(counter)s 条", 3) % {"counter": 3} == "3 records"
        assert ngettext("共 %(counter)s 条", "共 %(counter)s 条", 1) % {"counter": 1} == "1 record"
        # The menu bar's short words are messages of their own; the pages keep the full ones.
        assert pgettext("nav", "收费") == "Fees" and gettext("收费") == "Charges"
    with translation.override("zh-hans"):
        assert str(Role.DESK.label) == "客服前台"


def test_login_page_is_chinese_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "密码" in page
    assert "Password" not in page


def test_login_page_is_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page
    assert "Password" in page
    assert "密码" not in page


@pytest.mark.django_db
def test_language_buttons_switch_the_console_and_back(client, world):
    client.force_login(world.desk)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("unit_list")}, follow=True
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Log out" in page
    assert "Unit number" in page
    assert "退出" not in page

    page = client.get(reverse("home")).content.decode()
    assert "Log out" in page  # the choice sticks

    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": reverse("home")}, follow=True
    )
    page = response.content.decode()
    assert "退出" in page
    assert "Log out" not in page
