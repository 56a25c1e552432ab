from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanjia.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django import forms

        from guanjia.core import checks, dates, journal, scoping  # noqa: F401  (checks registers)

        journal.connect_signals()
        scoping.connect_scope_signals()
        # One rule for every form, console and admin alike (and every subclass, such as a split date
        # and time): a date outside the accepted years is a form error, never an overflow later on.
        for field in (forms.DateField, forms.DateTimeField):
            if dates.validate_day not in field.default_validators:
                field.default_validators = [*field.default_validators, dates.validate_day]
