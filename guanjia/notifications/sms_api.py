"""REST resources of the SMS settings and the delivery figures (administrators; project managers
read the figures of their projects).

- ``GET /sms/kinds`` — every kind, the parameters it offers, whether it goes by SMS and is mapped.
- ``GET|POST /sms/templates``, ``PUT|DELETE /sms/templates/{id}``; ``GET|PUT /sms/signature``.
- ``GET /notifications/delivery?month=2026-11&project=3`` — a month per channel, SMS messages and segments.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from guanjia.core.api import ERROR_RESPONSES, Schema
from guanjia.core.errors import NotFound
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.notifications import selectors
from guanjia.notifications.kinds import all_kinds
from guanjia.notifications.models import SmsTemplate
from guanjia.notifications.sms import config

router = Router(tags=["notifications"])


class NotificationKindOut(Schema):
    key: str
    label: str
    params: list[str]
    urgent: bool
    sent_by_sms: bool
    has_template: bool


class SmsTemplateIn(Schema):
    kind: str
    template_id: str
    variables: list[str] = []
    content: str = ""


class SmsTemplateOut(Schema):
    id: int
    kind: str
    template_id: str
    variables: list[str]
    content: str


class SmsSignatureIn(Schema):
    name: str


class SmsSignatureOut(Schema):
    name: str


class DeliveryChannelOut(Schema):
    channel: str
    total: int
    sent: int
    waiting: int
    failed: int
    delivered: int
    undelivered: int
    segments: int


class DeliveryMonthOut(Schema):
    month: str
    project_id: int | None
    channels: list[DeliveryChannelOut]
    sms_messages: int
    sms_segments: int
    failed: int


@router.get(
    "/sms/kinds", response={200: list[NotificationKindOut], **ERROR_RESPONSES}, operation_id="sms_kind_list"
)
def sms_kinds(request):
    """The kinds of notification and what a template may use; ``sent_by_sms`` without ``has_template``
    cannot go out once a real SMS provider is configured."""
    require(request.user, Perm.ADMIN)
    mapped = set(SmsTemplate.objects.visible_to(request.user).values_list("kind", flat=True))
    by_sms = {k.key for k in config.sms_kinds()}
    return [
        {
            "key": k.key,
            "label": str(k.label),
            "params": list(k.offered),
            "urgent": k.urgent,
            "sent_by_sms": k.key in by_sms,
            "has_template": k.key in mapped,
        }
        for k in all_kinds()
    ]


@router.get(
    "/sms/templates",
    response={200: list[SmsTemplateOut], **ERROR_RESPONSES},
    operation_id="sms_template_list",
)
def sms_template_list(request):
    require(request.user, Perm.ADMIN)
    return SmsTemplate.objects.visible_to(request.user).order_by("kind")


@router.post(
    "/sms/templates", response={201: SmsTemplateOut, **ERROR_RESPONSES}, operation_id="sms_template_create"
)
def sms_template_create(request, payload: SmsTemplateIn):
    """A variable the kind does not offer is refused (422 on ``variables``); one template per kind (422 on ``kind``)."""
    template = SmsTemplate(**payload.dict())
    return 201, config.sms_template_save(actor=request.user, template=template)


@router.put(
    "/sms/templates/{int:pk}",
    response={200: SmsTemplateOut, **ERROR_RESPONSES},
    operation_id="sms_template_update",
)
def sms_template_update(request, pk: int, payload: SmsTemplateIn):
    require(request.user, Perm.ADMIN)
    template = visible_or_404(SmsTemplate.objects, pk, request.user)
    for field, value in payload.dict().items():
        setattr(template, field, value)
    return config.sms_template_save(actor=request.user, template=template)


@router.delete(
    "/sms/templates/{int:pk}", response={204: None, **ERROR_RESPONSES}, operation_id="sms_template_delete"
)
def sms_template_delete(request, pk: int):
    require(request.user, Perm.ADMIN)
    template = visible_or_404(SmsTemplate.objects, pk, request.user)
    config.sms_template_delete(actor=request.user, template=template)
    return 204, None


@router.get(
    "/sms/signature", response={200: SmsSignatureOut, **ERROR_RESPONSES}, operation_id="sms_signature_get"
)
def sms_signature_get(request):
    require(request.user, Perm.ADMIN)
    return {"name": config.signature_for(request.user.company_id)}


@router.put(
    "/sms/signature", response={200: SmsSignatureOut, **ERROR_RESPONSES}, operation_id="sms_signature_set"
)
def sms_signature_set(request, payload: SmsSignatureIn):
    return config.sms_signature_save(actor=request.user, name=payload.name)


@router.get(
    "/notifications/delivery",
    response={200: DeliveryMonthOut, **ERROR_RESPONSES},
    operation_id="notification_delivery",
)
def notification_delivery(request, month: str | None = None, project: int | None = None):
    """A month (``YYYY-MM``, this month by default) of the user's projects, or of one (404 outside them)."""
    require(request.user, Perm.VIEW_DELIVERY)
    try:
        first = (
            datetime.datetime.strptime(month, "%Y-%m").date()
            if month
            else timezone.localdate().replace(day=1)
        )
    except ValueError:
        raise ValidationError({"month": _("月份格式为 YYYY-MM")}) from None
    if project is not None and not selectors.projects_for(request.user).filter(pk=project).exists():
        raise NotFound(_("项目不存在"))
    figures = selectors.month_figures(request.user, month=first, project_id=project)
    return {"month": first.strftime("%Y-%m"), "project_id": project, **figures}
