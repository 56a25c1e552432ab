"""REST endpoints of the signed-in user's own notifications (the console's bell, for apps).

- ``GET /notifications`` — mine, in-app, newest first; ``?unread=true`` for unread only.
- ``GET /notifications/unread-count``; ``POST /notifications/{id}/read``; ``POST /notifications/read-all``.
"""

import datetime

from ninja import Router
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, Pagination, Schema
from guanjia.core.services import visible_or_404
from guanjia.notifications import services
from guanjia.notifications.models import Channel, Notification

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
