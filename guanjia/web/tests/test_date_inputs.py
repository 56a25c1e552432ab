"""Every date and date-time field of every console form, rendered in Chinese and in English, is filled
in the one format the browser's picker accepts (``YYYY-MM-DD`` / ``YYYY-MM-DDTHH:MM``) and reads back
the same value. A picker filled any other way shows empty, and saving the form unchanged wipes the date
(issue 22, item 1: the equipment's install and warranty dates)."""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import re
from zoneinfo import ZoneInfo

from django import forms
from django.utils import translation

import guanjia

DAY = datetime.date(2026, 1, 31)
MOMENT = datetime.datetime(2026, 1, 31, 9, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
LANGUAGES = ("zh-hans", "en")


def _console_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class of the project's pages: its apps' ``forms`` and ``views`` modules."""
    for info in pkgutil.walk_packages(guanjia.__path__, "guanjia."):
        parts = info.name.split(".")
        if "tests" in parts or "migrations" in parts:
            continue
        if {"forms", "views"} & set(parts):
            importlib.import_module(info.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(
        {
            c
            for c in subclasses(forms.BaseForm)
            if c.__module__.startswith("guanjia.") and ".tests" not in c.__module__
        },
        key=lambda c: (c.__module__, c.__qualname__),
    )


def _date_fields():
    for form_class in _console_form_classes():
        for name, field in getattr(form_class, "base_fields", {}).items():
            if isinstance(field, forms.DateTimeField | forms.DateField):
                yield f"{form_class.__module__}.{form_class.__qualname__}.{name}", name, field


def test_the_walk_finds_the_known_date_fields():
    found = {label.rsplit(".", 2)[-2] + "." + label.rsplit(".", 1)[-1] for label, _n, _f in _date_fields()}
    # A sample across apps: if the walk stops finding forms, the test below would pass on nothing.
    assert {
        "EquipmentForm.installed_on",
        "EquipmentForm.warranty_until",
        "CostForm.incurred_on",
        "VisitForm.visit_at",
        "TicketFilterForm.created_from",
        "CalendarDayForm.date",
        "AssignForm.deadline",
    } <= found
    assert len(found) >= 18


def test_every_date_and_datetime_field_renders_as_the_browsers_picker_in_both_languages():
    wrong = []
    for label, name, field in _date_fields():
        is_moment = isinstance(field, forms.DateTimeField)
        value, expected_type, expected = (
            (MOMENT, "datetime-local", "2026-01-31T09:05") if is_moment else (DAY, "date", "2026-01-31")
        )
        for language in LANGUAGES:
            with translation.override(language):
                html = field.widget.render(name, field.prepare_value(value))
                typed = re.search(r'type="([^"]+)"', html).group(1)
                shown = re.search(r'value="([^"]*)"', html)
                shown = shown.group(1) if shown else ""
                back = field.clean(shown) if shown else None
            if typed != expected_type or shown != expected or back != value:
                wrong.append(f"{label} [{language}]: type={typed} value={shown!r} reads back {back!r}")
    assert not wrong, "\n".join(wrong)
