"""The suggestion box (意见箱): a resident submits; the desk answers by the deadline, publicly or
to the resident alone."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.committee import files, notices
from guanjia.committee.choices import SuggestionStatus
from guanjia.committee.models import Suggestion
from guanjia.committee.services.common import _now, answerers, staff_in_project, text
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import lock, save_validated, service
from guanjia.estates.models import Occupancy
from guanjia.sla.calendar import add_working_time
from guanjia.sla.choices import CalendarKind
from guanjia.sla.models import Calendar


def answer_days() -> int:
    """Working days the estate has to answer (``GUANJIA_SUGGESTION_ANSWER_DAYS``, 3 by default)."""
    return int(getattr(settings, "GUANJIA_SUGGESTION_ANSWER_DAYS", 3))


def answer_due(company_id: int, start: datetime.datetime) -> datetime.datetime:
    """``answer_days()`` working days of the company's business calendar (holidays and make-up
    days as entered in sla) after ``start``; calendar days when it has none."""
    calendar = (
        Calendar.objects.filter(company_id=company_id, kind=CalendarKind.BUSINESS).order_by("id").first()
    )
    days = answer_days()
    if calendar is None:
        return start + datetime.timedelta(days=days)
    if calendar.kind == CalendarKind.ALWAYS:
        return start + datetime.timedelta(days=days)
    day = datetime.date(2000, 1, 1)
    opens = datetime.datetime.combine(day, _time(calendar.work_starts))
    closes = datetime.datetime.combine(day, _time(calendar.work_ends))
    minutes = int((closes - opens).total_seconds() // 60) * days
    return add_working_time(calendar, start, minutes)


def _time(value) -> datetime.time:
    return value if isinstance(value, datetime.time) else datetime.time.fromisoformat(str(value))


@service
def suggestion_submit(*, actor, data: dict, photo=None) -> Suggestion:
    """A resident's suggestion for a project where they live now (the one they name, or their
    only one); the answerers are told."""
    scope = scope_for(actor)
    if not scope.is_resident:
        raise NotAllowed(_("只有住户可以提交意见"))
    places = Occupancy.objects.filter(resident_id=scope.resident_id).current()
    projects = sorted(set(places.values_list("project_id", flat=True)))
    project_id = data.get("project_id") or (projects[0] if len(projects) == 1 else None)
    if project_id not in projects:
        raise ValidationError({"project_id": _("请选择您居住的项目")})
    now = _now()
    suggestion = Suggestion(
        company_id=scope.company_id,
        project_id=project_id,
        resident_id=scope.resident_id,
        body=text(data, "body", 2000),
        public=bool(data.get("public", True)),
        submitted_at=now,
        due_at=answer_due(scope.company_id, now),
    )
    if photo is not None:
        suggestion.photo, suggestion.thumbnail = files.store_photo(photo, field="photo")
    save_validated(suggestion)
    notices.suggestion_submitted(suggestion, answerers(project_id))
    return suggestion


@service
def suggestion_answer(*, actor, suggestion: Suggestion, answer: str, public: bool) -> Suggestion:
    """Answer once: publicly (every resident of the project reads it; only a suggestion the
    resident allowed to be public) or to the resident alone. The resident is told."""
    staff_in_project(actor, Perm.ANSWER_SUGGESTIONS, suggestion.project_id)
    suggestion = lock(suggestion)
    if suggestion.status != SuggestionStatus.OPEN:
        raise Conflict(_("该意见已答复"))
    if public and not suggestion.public:
        raise ValidationError({"public": _("住户未同意公开的意见只能私下答复")})
    suggestion.answer = text({"answer": answer}, "answer", 2000)
    suggestion.answer_public = bool(public)
    suggestion.status = SuggestionStatus.ANSWERED
    suggestion.answered_at = _now()
    suggestion.answered_by = actor
    save_validated(suggestion)
    notices.suggestion_answered(suggestion)
    return suggestion
