"""Pages of residents' accounts: SMS sign-in, activation, WeChat sign-in (portal) and invitations (console).

Views are thin: every rule is in ``signin`` / ``services``; a refusal is shown on the form.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.clients import client_address
from guanjia.core.errors import Conflict, DomainError
from guanjia.core.roles import Perm
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Resident
from guanjia.residents import services, signin, wechat
from guanjia.residents.forms import ActivateForm, BulkInviteForm, CodeForm, PhoneForm
from guanjia.web.helpers import add_service_errors, console_view, style_form

BACKEND = "django.contrib.auth.backends.ModelBackend"
CHOOSE_KEY = "residents_choose"


def _sign_in(request, user):
    """Log the resident in; bind a WeChat openid waiting in the session; go to the portal."""
    openid = request.session.get(wechat.PENDING_KEY)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    login(request, user, backend=BACKEND)
    if openid:
        wechat.bind_openid(user=user, openid=openid)
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("portal_home")


def _unknown_number(request, phone: str):
    signin.mark_phone_verified(request, phone)
    try:
        return redirect(reverse("portal_join"))
    except NoReverseMatch:
        return render(request, "residents/not_registered.html", {"phone": phone}, status=200)


def sms_login(request):
    """Phone → code → in. Step one sends the code; step two checks it."""
    if request.user.is_authenticated:
        return redirect("home")
    step, status = "phone", 200
    form = style_form(PhoneForm(request.POST or None))
    if request.method == "POST":
        action = request.POST.get("action", "send")
        form = style_form(CodeForm(request.POST) if action == "verify" else PhoneForm(request.POST))
        if form.is_valid():
            address = client_address(request)
            try:
                if action == "verify":
                    step = "code"
                    phone, row = signin.code_check(
                        phone=form.cleaned_data["phone"],
                        code=form.cleaned_data.get("code"),
                        client_address=address,
                    )
                    result = signin.sign_in_resolve(phone=phone, row=row)
                    if result.user is not None:
                        return _sign_in(request, result.user)
                    if result.choices:
                        request.session[CHOOSE_KEY] = {
                            "ids": [r.pk for r in result.choices],
                            "at": timezone.now().isoformat(),
                        }
                        return redirect("residents:choose")
                    return _unknown_number(request, phone)
                _row, masked = signin.code_request(phone=form.cleaned_data["phone"], client_address=address)
                step = "code"
                form = style_form(CodeForm(initial={"phone": form.cleaned_data["phone"]}))
                messages.info(
                    request,
                    _("验证码已发送至 %(phone)s，%(minutes)s 分钟内有效")
                    % {"phone": masked, "minutes": signin.code_minutes()},
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                style_form(form)
            except signin.TooMany as exc:
                form.add_error(None, exc.message)
                status = 429
            except DomainError as exc:
                form.add_error(None, exc.message)
        elif action == "verify":
            step = "code"
    return render(
        request,
        "residents/login.html",
        {"form": form, "step": step, "wechat": wechat.enabled(), "next": request.GET.get("next", "")},
        status=status,
    )


def choose_company(request):
    """A number registered with residents of several companies: the person picks one."""
    data = request.session.get(CHOOSE_KEY) or {}
    try:
        fresh = timezone.now() - datetime.datetime.fromisoformat(data["at"]) < datetime.timedelta(minutes=10)
    except (KeyError, TypeError, ValueError):
        fresh = False
    if not fresh:
        return redirect("residents:login")
    residents = list(
        Resident.objects.filter(pk__in=data["ids"], deleted_at__isnull=True).select_related(
            "company", "project"
        )
    )
    if request.method == "POST":
        chosen = next((r for r in residents if str(r.pk) == request.POST.get("resident")), None)
        if chosen is not None:
            request.session.pop(CHOOSE_KEY, None)
            try:
                return _sign_in(request, signin.account_for_sign_in(chosen))
            except DomainError as exc:
                messages.error(request, exc.message)
    return render(request, "residents/choose.html", {"residents": residents})


def activate(request, token):
    """The invitation's link. GET shows the page (link previews must not use it up); POST activates."""
    form = style_form(ActivateForm(request.POST or None))
    invitation = services.invitation_peek(token)
    if invitation is None:
        return render(
            request, "residents/activate_invalid.html", {"reason": _("激活链接无效或已被撤回")}, status=410
        )
    if request.method == "POST" and form.is_valid():
        try:
            _invitation, user = services.invitation_accept(
                token=token, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            style_form(form)
        except Conflict as exc:
            return render(request, "residents/activate_invalid.html", {"reason": exc.message}, status=410)
        else:
            return _sign_in(request, user)
    problem = services.invitation_problem(invitation)
    if problem:
        return render(request, "residents/activate_invalid.html", {"reason": problem}, status=410)
    return render(request, "residents/activate.html", {"form": form, "invitation": invitation})


def wechat_start(request):
    if not wechat.enabled():
        return redirect("residents:login")
    return redirect(wechat.authorize_url(request))


def wechat_callback(request):
    """WeChat returns here with ``code``: a bound openid signs in at once; else the phone check binds it."""
    if not wechat.enabled() or not wechat.state_ok(request, request.GET.get("state", "")):
        messages.error(request, _("微信授权已失效，请重试"))
        return redirect("residents:login")
    try:
        openid = wechat.openid_for_code(request.GET.get("code", ""))
    except wechat.WeChatError:
        messages.error(request, _("微信授权失败，请用手机号和验证码登录"))
        return redirect("residents:login")
    users = wechat.users_with_openid(openid)
    if len(users) == 1:
        return _sign_in(request, users[0])
    request.session[wechat.PENDING_KEY] = openid
    messages.info(request, _("首次在微信中使用，请用手机号和验证码登录一次，之后将自动登录"))
    return redirect("residents:login")


# The console: invitations -------------------------------------------------------------------------


@require_POST
@console_view(Perm.CHANGE_RESIDENTS)
def invite(request, pk):
    resident = visible_or_404(Resident.objects, pk, request.user)
    try:
        services.resident_invite(actor=request.user, resident=resident)
    except Conflict as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("邀请短信已发送给 %(name)s") % {"name": resident.name})
    return redirect("resident_detail", pk=resident.pk)


@require_POST
@console_view(Perm.CHANGE_RESIDENTS)
def revoke(request, pk):
    resident = visible_or_404(Resident.objects, pk, request.user)
    try:
        services.invitation_revoke(actor=request.user, resident=resident)
    except Conflict as exc:
        messages.warning(request, exc.message)
    else:
        messages.success(request, _("邀请已撤回"))
    return redirect("resident_detail", pk=resident.pk)


@console_view(Perm.CHANGE_RESIDENTS)
def invite_bulk(request):
    """Invite everyone of a building or a project not invited yet (or whose invitation expired)."""
    form = style_form(BulkInviteForm(request.POST or None, user=request.user))
    if request.method == "POST" and form.is_valid():
        result = services.residents_invite_bulk(
            actor=request.user,
            project=form.cleaned_data.get("project"),
            building=form.cleaned_data.get("building"),
        )
        return render(
            request,
            "web/bulk_result.html",
            {"result": result, "title": _("批量邀请"), "back_url": reverse("resident_list")},
        )
    return render(request, "residents/invite_bulk.html", {"form": form})
