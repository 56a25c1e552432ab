"""What the committee app tells people: the kinds it registers and its messages."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind
from guanjia.notifications.messages import Message
from guanjia.notifications.services import notify

SUGGESTION_KIND = "committee.suggestion"
SUGGESTION_ANSWERED_KIND = "committee.suggestion_answered"
SUGGESTION_OVERDUE_KIND = "committee.suggestion_overdue"
RESOLUTION_OVERDUE_KIND = "committee.resolution_overdue"


def register_kinds() -> None:
    register_kind(SUGGESTION_KIND, _("意见箱：新意见待答复"), params=("due",))
    register_kind(SUGGESTION_ANSWERED_KIND, _("意见箱：您的意见已答复"), params=())
    register_kind(SUGGESTION_OVERDUE_KIND, _("意见箱：答复超期"), params=("step", "due"))
    register_kind(RESOLUTION_OVERDUE_KIND, _("业委会决议事项超期"), params=("step", "title", "due"))


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def suggestion_submitted(suggestion, recipients) -> None:
    notify(
        recipients=recipients,
        subject=Message(_("意见箱有新意见，请于 %(due)s 前答复"), due=_when(suggestion.due_at)),
        body=suggestion.body[:100],
        url=reverse("committee:suggestion_detail", args=[suggestion.pk]),
        related=suggestion,
        dedup_key=f"committee-suggestion-{suggestion.pk}",
        kind=SUGGESTION_KIND,
    )


def suggestion_answered(suggestion) -> None:
    user = suggestion.resident.user
    if user is None:
        return
    notify(
        recipients=[user],
        subject=Message(_("您的意见已答复")),
        body=suggestion.answer[:100],
        url=reverse("committee:portal_suggestion", args=[suggestion.pk]),
        related=suggestion,
        dedup_key=f"committee-suggestion-{suggestion.pk}-answered",
        kind=SUGGESTION_ANSWERED_KIND,
    )


def suggestion_overdue(suggestion, recipients, step) -> None:
    notify(
        recipients=recipients,
        subject=Message(_("意见答复超期（%(step)s）"), step=step.label),
        body=Message(_("住户意见应于 %(due)s 前答复，至今未答复。"), due=_when(suggestion.due_at)),
        url=reverse("committee:suggestion_detail", args=[suggestion.pk]),
        related=suggestion,
        dedup_key=f"committee-suggestion-{suggestion.pk}-escalation-{int(step)}",
        kind=SUGGESTION_OVERDUE_KIND,
    )


def resolution_overdue(resolution, recipients, step) -> None:
    notify(
        recipients=recipients,
        subject=Message(
            _("业委会决议事项超期（%(step)s）：%(title)s"), step=step.label, title=resolution.title
        ),
        body=Message(
            _("决议事项“%(title)s”应于 %(due)s 前落实，至今未落实。"),
            title=resolution.title,
            due=_when(resolution.due_at),
        ),
        url=reverse("committee:resolution_detail", args=[resolution.pk]),
        related=resolution,
        dedup_key=f"committee-resolution-{resolution.pk}-escalation-{int(step)}",
        kind=RESOLUTION_OVERDUE_KIND,
    )
