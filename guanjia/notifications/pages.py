"""The console's delivery pages: SMS settings (templates, signature), the month's delivery figures
per project, and the outbox of pushed messages. Thin: reads through selectors, writes through services."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.roles import Perm
from guanjia.core.services import visible_or_404
from guanjia.notifications import channels, selectors
from guanjia.notifications.forms import SmsSignatureForm, SmsTemplateForm
from guanjia.notifications.kinds import all_kinds
from guanjia.notifications.messages import language_for
from guanjia.notifications.models import Channel, SmsTemplate, State
from guanjia.notifications.sms import config, text
from guanjia.web.helpers import PER_PAGE, console_view, render_form, save_via_service, style_form


@console_view(Perm.ADMIN)
def sms_settings(request):
    """The company's signature, its templates, and the kinds sent by SMS that still lack one (red)."""
    company_id = request.user.company_id
    form = SmsSignatureForm(request.POST or None, initial={"name": config.signature_for(company_id)})
    if request.method == "POST":
        saved = save_via_service(
            request, form, lambda data: config.sms_signature_save(actor=request.user, name=data["name"])
        )
        if saved is not None:
            messages.success(request, _("已保存短信签名"))
            return redirect("notifications:sms_settings")
    style_form(form)
    templates = SmsTemplate.objects.visible_to(request.user).order_by("kind")
    mapped = {t.kind for t in templates}
    by_sms = set(config.sms_kinds())
    context = {
        "title": _("短信模板"),
        "form": form,
        "templates": templates,
        "missing": config.missing_templates(company_id),
        "real_backend": config.real_backend(),
        "kinds": [(k, k.key in mapped, k in by_sms) for k in all_kinds()],
    }
    return render(request, "notifications/sms_settings.html", context, status=422 if form.errors else 200)


@console_view(Perm.ADMIN)
def sms_template_edit(request, pk=None):
    template = visible_or_404(SmsTemplate.objects, pk, request.user) if pk else SmsTemplate()
    initial = {"kind": request.GET.get("kind", "")} if not pk else None
    form = SmsTemplateForm(request.POST or None, instance=template, initial=initial)
    if request.method == "POST":
        saved = save_via_service(
            request, form, lambda data: config.sms_template_save(actor=request.user, template=form.instance)
        )
        if saved is not None:
            messages.success(request, _("已保存短信模板 %(kind)s") % {"kind": saved.kind})
            return redirect("notifications:sms_settings")
    title = _("编辑短信模板") if pk else _("新建短信模板")
    return render_form(request, form, title=title, cancel_url=reverse("notifications:sms_settings"))


@require_POST
@console_view(Perm.ADMIN)
def sms_template_delete(request, pk):
    template = visible_or_404(SmsTemplate.objects, pk, request.user)
    config.sms_template_delete(actor=request.user, template=template)
    messages.success(request, _("已删除短信模板 %(kind)s") % {"kind": template.kind})
    return redirect("notifications:sms_settings")


def _month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


@console_view(Perm.VIEW_DELIVERY)
def delivery(request):
    """A month of messages per channel for one project (or every project the user sees)."""
    month = _month(request.GET.get("month", ""))
    projects = list(selectors.projects_for(request.user))
    project = None
    if request.GET.get("project"):
        project = next((p for p in projects if str(p.pk) == request.GET["project"]), None)
        if project is None:
            raise Http404(_("项目不存在"))
    project_id = project.pk if project else None
    figures = selectors.month_figures(request.user, month=month, project_id=project_id)
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    context = {
        "title": _("消息发送统计"),
        "month": month,
        "previous": previous,
        "following": following if following <= timezone.localdate() else None,
        "projects": projects,
        "project": project,
        "failures": selectors.month_failures(request.user, month=month, project_id=project_id),
        **figures,
    }
    return render(request, "notifications/delivery.html", context)


def preview(notification, *, templates: dict, signature: str) -> str:
    """The text as the channel carries it, in the recipient's language: an SMS from its template."""
    if notification.channel == Channel.SMS and notification.kind in templates:
        return text.sms_text(
            signature=signature, template=templates[notification.kind], notification=notification
        )
    return channels.ChannelBackend.text_of(notification)


@console_view(Perm.ADMIN)
def outbox(request):
    """Every message pushed (or that would have been) on SMS, WeCom, WeChat and e-mail: to whom, in
    which language, the text, its state and error — what the demo's loop produced."""
    channel = request.GET.get("channel", "")
    state = request.GET.get("state", "")
    channel = channel if channel in Channel.values else ""
    state = state if state in State.values else ""
    page = Paginator(selectors.outbox(request.user, channel=channel, state=state), PER_PAGE).get_page(
        request.GET.get("page")
    )
    templates = {t.kind: t for t in SmsTemplate.objects.visible_to(request.user)}
    signature = config.signature_for(request.user.company_id)
    rows = [
        (n, language_for(n.recipient), preview(n, templates=templates, signature=signature))
        for n in page.object_list
    ]
    context = {
        "title": _("发件箱"),
        "page": page,
        "rows": rows,
        "channel": channel,
        "state": state,
        "channels": [c for c in Channel.choices if c[0] != Channel.IN_APP],
        "states": State.choices,
        "sms_backend": channels.backend_for("sms").__class__.__name__,
    }
    return render(request, "notifications/outbox.html", context)
