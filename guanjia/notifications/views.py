"""The console's bell and the notification list. Thin: every fetch is ``visible_to``, every write a service."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanjia.core.services import visible_or_404
from guanjia.notifications import services
from guanjia.notifications.models import Channel, Notification
from guanjia.web.helpers import PER_PAGE, console_view


def _mine(user):
    return Notification.objects.visible_to(user).filter(channel=Channel.IN_APP)


@console_view()
@require_GET
def notification_list(request):
    """Unread first, then newest first."""
    qs = _mine(request.user).annotate(
        unread=Case(When(read_at__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    page = Paginator(qs.order_by("-unread", "-created_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": page.object_list, "unread_count": services.unread_count(request.user)}
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, "notifications/_list.html", context)
    return render(request, "notifications/list.html", context)


@require_GET
def badge(request):
    """The bell's count, polled by htmx. Signed out: 204, so htmx leaves the bell as it is."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "notifications/_badge.html", {"count": services.unread_count(request.user)})


@console_view()
@require_POST
def open_notification(request, pk: int):
    """Clicking a notification: mark it read, then go where it points (or back to the list)."""
    notification = visible_or_404(_mine(request.user), pk, request.user)
    services.mark_read(actor=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@console_view()
@require_POST
def read_all(request):
    count = services.mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("已将 %(n)s 条通知标为已读") % {"n": count})
    return redirect("notifications:list")
