"""REST endpoints of the signed-in user's own notifications (the console's bell, for apps).

- ``GET /notifications`` — mine, in-app, newest first; ``?unread=true`` for unread only.
- ``GET /notifications/unread-count``; ``POST /notifications/{id}/read``; ``POST /notifications/read-all``.
- ``GET|PUT /notifications/preferences`` — the channels my messages come on.
- ``GET /notifications/wechat-templates``, ``PUT|DELETE /notifications/wechat-templates/{kind}`` —
  company administrators: the WeChat template of each kind of notification.
"""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, Schema
from guanjia.core.errors import NotFound
from guanjia.core.roles import Perm
from guanjia.core.scoping import require
from guanjia.core.services import visible_or_404
from guanjia.notifications import preferences, services, wechat_templates
from guanjia.notifications.models import Channel, Notification, WechatTemplate

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    url: str
    related_type: str | None
    related_id: int | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    is_read: bool

    @staticmethod
    def resolve_subject(obj) -> str:
        return obj.subject_text  # in the reader's language

    @staticmethod
    def resolve_body(obj) -> str:
        return obj.body_text

    @staticmethod
    def resolve_related_type(obj) -> str | None:
        if obj.content_type_id is None:
            return None
        ct = obj.content_type
        return f"{ct.app_label}.{ct.model}"

    @staticmethod
    def resolve_related_id(obj) -> int | None:
        return obj.object_id


class NotificationCountOut(Schema):
    count: int


def _mine(request):
    return (
        Notification.objects.visible_to(request.user)
        .filter(channel=Channel.IN_APP)
        .select_related("content_type")
    )


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **ERROR_RESPONSES},
    operation_id="notification_list",
    summary="My notifications, newest first",
)
@paginate(Pagination)
def notification_list(request, unread: bool | None = None):
    """``unread=true``: only unread ones; ``unread=false``: only read ones."""
    qs = _mine(request)
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs.order_by("-created_at", "-id")


@router.get(
    "/notifications/unread-count",
    response={200: NotificationCountOut, **ERROR_RESPONSES},
    operation_id="notification_unread_count",
    summary="How many of my notifications are unread",
)
def notification_unread_count(request):
    return {"count": services.unread_count(request.user)}


@router.post(
    "/notifications/read-all",
    response={200: NotificationCountOut, **ERROR_RESPONSES},
    operation_id="notification_read_all",
    summary="Mark all my notifications read",
)
def notification_read_all(request):
    """Returns how many were unread."""
    return {"count": services.mark_all_read(actor=request.user)}


@router.post(
    "/notifications/{int:pk}/read",
    response={200: NotificationOut, **ERROR_RESPONSES},
    operation_id="notification_read",
    summary="Mark one of my notifications read",
)
def notification_read(request, pk: int):
    notification = visible_or_404(_mine(request), pk, request.user)
    services.mark_read(actor=request.user, notification=notification)
    return _mine(request).get(pk=pk)


# My channel preferences (通知设置) -------------------------------------------------------------


class ChannelChoiceOut(Schema):
    channel: str  # in_app, email, sms, wecom, wechat
    label: str
    enabled: bool
    locked: bool


class ChannelChoicesIn(Schema):
    """``{"channels": {"sms": false, "wechat": true}}``: the channels named are set, others kept."""

    channels: dict[str, bool] = Field(..., max_length=10)


@router.get(
    "/notifications/preferences",
    response={200: list[ChannelChoiceOut], **ERROR_RESPONSES},
    operation_id="notification_preferences",
    summary="The channels my messages come on",
)
def notification_preferences(request):
    """In-app first (always on), then each push channel I can be reached on, with my choice."""
    return preferences.choices_for(request.user)


@router.put(
    "/notifications/preferences",
    response={200: list[ChannelChoiceOut], **ERROR_RESPONSES},
    operation_id="notification_preferences_set",
    summary="Choose the channels my messages come on",
)
def notification_preferences_set(request, payload: ChannelChoicesIn):
    """Urgent messages still come on every channel I have; in-app cannot be turned off (422)."""
    return preferences.channel_preferences_set(
        actor=request.user, user=request.user, choices=payload.channels
    )


# WeChat template messages per kind (company administrators) ------------------------------------


class WechatTemplateOut(Schema):
    kind: str
    template_id: str
    variables: dict[str, str]


class WechatTemplateIn(Schema):
    template_id: str = Field(..., max_length=64)
    # template variable → a parameter the kind offers, e.g. {"thing1": "number", "time2": "due"}
    variables: dict[str, str] = Field(..., max_length=20)


def _templates(request):
    require(request.user, Perm.ADMIN)
    return WechatTemplate.objects.visible_to(request.user)


@router.get(
    "/notifications/wechat-templates",
    response={200: list[WechatTemplateOut], **ERROR_RESPONSES},
    operation_id="wechat_template_list",
    summary="WeChat template of each notification kind",
)
def wechat_template_list(request):
    return _templates(request).order_by("kind")


@router.put(
    "/notifications/wechat-templates/{kind}",
    response={200: WechatTemplateOut, **ERROR_RESPONSES},
    operation_id="wechat_template_set",
    summary="Set the WeChat template of a notification kind",
)
def wechat_template_put(request, kind: str, payload: WechatTemplateIn):
    """A variable filled from a parameter the kind does not offer is refused (422, ``variables``)."""
    require(request.user, Perm.ADMIN)
    return wechat_templates.wechat_template_set(
        actor=request.user, kind=kind, template_id=payload.template_id, variables=payload.variables
    )


@router.delete(
    "/notifications/wechat-templates/{kind}",
    response={204: None, **ERROR_RESPONSES},
    operation_id="wechat_template_delete",
    summary="Remove the WeChat template of a notification kind",
)
def wechat_template_remove(request, kind: str):
    template = _templates(request).filter(kind=kind).first()
    if template is None:
        raise NotFound(_("模板不存在"))
    wechat_templates.wechat_template_delete(actor=request.user, template=template)
    return 204, None
