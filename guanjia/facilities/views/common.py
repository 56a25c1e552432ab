"""What the facilities pages share: the spreadsheet content type and the ``?project=`` narrowing."""

from __future__ import annotations

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _project_param(request) -> int | None:
    """``?project=<id>`` (as the estates project page links): narrows a page to one project."""
    value = request.GET.get("project", "")
    return int(value) if value.isdigit() else None
