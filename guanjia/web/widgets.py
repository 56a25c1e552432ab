"""The browser's own date and date-time pickers for every console form.

An ``<input type="date">`` accepts only ``YYYY-MM-DD`` and a ``datetime-local`` only
``YYYY-MM-DDTHH:MM``, whatever the page's language. Django fills inputs in the active language's
first input format (``2026/01/01`` in Chinese), which the browser rejects and shows empty — and a
form saved unchanged then wipes the date. These widgets always write the browser's format; the
fields still read it back in every language (ISO is among Django's input formats)."""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or ISO_DATETIME)
