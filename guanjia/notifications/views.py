"""The console's bell and the notification list, each person's channel settings (通知设置), and the
administrators' WeChat templates. Thin: every fetch is ``visible_to``, every write a service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BigIntegerField, Case, Count, F, IntegerField, Max, Q, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanjia.core.roles import Perm
from guanjia.core.services import visible_or_404
from guanjia.notifications import preferences, services, wechat_templates
from guanjia.notifications.forms import WechatTemplateForm
from guanjia.notifications.kinds import all_kinds
from guanjia.notifications.models import Channel, Notification, WechatTemplate
from guanjia.web.helpers import PER_PAGE, add_service_errors, console_view, style_form


def _mine(user):
    return Notification.objects.visible_to(user).filter(channel=Channel.IN_APP)


def _grouped(qs):
    """One line per record the notifications are about (a request escalated five times is one line
    with a count), unread first, then newest first; a notification about nothing is a line of its own."""
    return (
        qs.annotate(
            item_type=Coalesce("content_type_id", Value(0), output_field=BigIntegerField()),
            item_id=Coalesce("object_id", -F("id"), output_field=BigIntegerField()),
        )
        .values("item_type", "item_id")
        .annotate(latest=Max("id"), count=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True)))
        .annotate(
            has_unread=Case(When(unread__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        .order_by("-has_unread", "-latest")
    )


@console_view()
@require_GET
def notification_list(request):
    """The bell's list, grouped by record: each line is the newest message about it, with how many
    there were and how many are unread; unread first, then newest first."""
    mine = _mine(request.user)
    page = Paginator(_grouped(mine), PER_PAGE).get_page(request.GET.get("page"))
    groups = list(page.object_list)
    latest = mine.in_bulk([g["latest"] for g in groups])
    rows = []
    for group in groups:
        row = latest[group["latest"]]
        row.group_count, row.group_unread = group["count"], group["unread"]
        rows.append(row)
    context = {"page": page, "rows": rows, "unread_count": services.unread_count(request.user)}
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
    services.mark_item_read(actor=request.user, notification=notification)
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


@console_view()
def channel_settings(request):
    """通知设置: which channels my messages come on (staff in the console, residents in the portal)."""
    if request.method == "POST":
        wanted = set(request.POST.getlist("channels"))
        choices = {
            c.channel: c.channel in wanted for c in preferences.choices_for(request.user) if not c.locked
        }
        try:
            preferences.channel_preferences_set(actor=request.user, user=request.user, choices=choices)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("通知设置已保存"))
            return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"choices": preferences.choices_for(request.user)})


@console_view(Perm.ADMIN)
def wechat_template_page(request):
    """微信模板消息: the company's template of each kind of notification (administrators)."""
    form = WechatTemplateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                wechat_templates.wechat_template_set(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("notifications:wechat_templates")
        status = 422
    context = {
        "form": style_form(form),
        "templates": WechatTemplate.objects.visible_to(request.user).order_by("kind"),
        "kinds": all_kinds(),
    }
    return render(request, "notifications/wechat_templates.html", context, status=status)


@console_view(Perm.ADMIN)
@require_POST
def wechat_template_remove(request, pk: int):
    template = visible_or_404(WechatTemplate.objects.all(), pk, request.user)
    wechat_templates.wechat_template_delete(actor=request.user, template=template)
    messages.success(request, _("已删除"))
    return redirect("notifications:wechat_templates")
