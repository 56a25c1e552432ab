"""The join page (业主认证) for a person with a verified phone, the owner's household page, and the
butler's claims in the console. Thin: reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.models import Company
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Occupancy
from guanjia.households import selectors, services
from guanjia.households.choices import ClaimStatus
from guanjia.households.forms import ClaimForm, MemberForm, RejectForm, building_choices, unit_choices
from guanjia.households.models import UnitClaim
from guanjia.residents.signin import verified_phone
from guanjia.web.helpers import add_service_errors, console_view, style_form

SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"


# The join page ----------------------------------------------------------------------------------


def _join_company(request):
    """An estate's own join link (``?company=JY``) narrows the projects to its company."""
    code = (request.GET.get("company") or request.POST.get("company") or "").strip()
    if not code:
        return None
    return Company.objects.filter(short_code__iexact=code).first()


def portal_join(request):
    """A person who proved a phone number by SMS code but is known nowhere claims a unit here, and
    sees their claims: waiting, approved, or rejected with the butler's reason."""
    if request.user.is_authenticated and scope_for(request.user).is_resident:
        return redirect("portal_home")
    phone = verified_phone(request)
    if phone is None:
        return render(request, "households/join_expired.html", {"login_url": settings.LOGIN_URL}, status=403)
    claims = list(selectors.claims_of_phone(phone))
    approved = next(
        (c for c in claims if c.status == ClaimStatus.APPROVED and c.resident_id and c.resident.user_id),
        None,
    )
    if approved is not None and approved.resident.deleted_at is None and approved.resident.user.is_active:
        # Approved since the last visit: the account exists now, the phone is proved — signed in.
        login(request, approved.resident.user, backend=SIGN_IN_BACKEND)
        messages.success(request, _("认证已通过，欢迎使用业主服务"))
        return redirect("portal_home")
    company = _join_company(request)
    company_id = company.pk if company else None
    form = ClaimForm(request.POST or None, request.FILES or None, company_id=company_id)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "photos"}
            if company_id is not None:
                data["company_id"] = company_id
            try:
                services.claim_submit(phone=phone, data=data, photos=form.cleaned_data["photos"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已提交，管家审核后您即可登录使用"))
                return redirect(request.get_full_path())
        status = 422
    style_form(form)
    return render(
        request,
        "households/join.html",
        {"form": form, "claims": claims, "phone": phone, "company": company},
        status=status,
    )


def portal_join_options(request):
    """htmx: the buildings of a project or the rooms of a building, for the join form's selects."""
    if verified_phone(request) is None:
        return render(request, "households/_options.html", {"choices": []}, status=403)
    if "building_id" in request.GET:
        choices = unit_choices(_int(request.GET.get("building_id")))
    else:
        choices = building_choices(_int(request.GET.get("project_id")))
    return render(request, "households/_options.html", {"choices": choices})


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


# The owner's household ------------------------------------------------------------------------


def resident_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            return redirect("home")
        return view(request, *args, **kwargs)

    return console_view()(wrapper)


@resident_page
def portal_household(request):
    units = list(selectors.owned_units(request.user))
    form = MemberForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                occupancy = services.member_invite(actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("已邀请 %(name)s，对方将收到短信通知") % {"name": occupancy.resident.name}
                )
                return redirect("portal_household")
        status = 422
    style_form(form)
    members = selectors.household(units)
    for unit in units:
        unit.members = members[unit.pk]
    return render(
        request,
        "households/household.html",
        {"units": units, "form": form, "title": _("我的家庭")},
        status=status,
    )


@require_POST
@resident_page
def portal_household_revoke(request, pk):
    occupancy = Occupancy.objects.filter(pk=_int(pk) or 0).select_related("resident").first()
    if occupancy is None:
        raise Http404
    try:
        services.member_revoke(actor=request.user, occupancy=occupancy)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已移除 %(name)s") % {"name": occupancy.resident.name})
    return redirect("portal_household")


# The butler's claims ----------------------------------------------------------------------------


@console_view(Perm.VIEW_RESIDENTS)
def claim_list(request):
    status = request.GET.get("status", ClaimStatus.PENDING)
    if status not in ClaimStatus.values and status != "all":
        status = ClaimStatus.PENDING
    claims = selectors.claims_to_decide(request.user, status=None if status == "all" else status)[:200]
    return render(
        request,
        "households/claim_list.html",
        {"claims": claims, "status": status, "statuses": ClaimStatus.choices, "title": _("业主认证")},
    )


def _claim_page(request, claim, *, reject_form=None, status=200):
    occupants = (
        Occupancy.objects.current().filter(unit_id=claim.unit_id).select_related("resident").order_by("id")
    )
    scope = scope_for(request.user)
    return render(
        request,
        "households/claim_detail.html",
        {
            "claim": claim,
            "photos": selectors.photo_urls(claim),
            "occupants": occupants,
            "reject_form": style_form(reject_form or RejectForm()),
            "may_decide": claim.is_pending and Perm.CHANGE_RESIDENTS in scope.permissions,
            "assignees": list(claim.assignees.all()),
            "title": _("业主认证"),
        },
        status=status,
    )


def _claim(request, pk):
    return visible_or_404(
        UnitClaim.objects.select_related("project", "unit__building", "decided_by", "resident"),
        pk,
        request.user,
    )


@console_view(Perm.VIEW_RESIDENTS)
def claim_detail(request, pk):
    return _claim_page(request, _claim(request, pk))


@require_POST
@console_view(Perm.CHANGE_RESIDENTS)
def claim_approve(request, pk):
    claim = _claim(request, pk)
    try:
        services.claim_approve(actor=request.user, claim=claim)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已通过认证，已为 %(name)s 开通业主服务") % {"name": claim.name})
    return redirect("households:claim_detail", pk=claim.pk)


@require_POST
@console_view(Perm.CHANGE_RESIDENTS)
def claim_reject(request, pk):
    claim = _claim(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.claim_reject(actor=request.user, claim=claim, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("households:claim_detail", pk=claim.pk)
        else:
            messages.success(request, _("已驳回"))
            return redirect("households:claim_detail", pk=claim.pk)
    return _claim_page(request, claim, reject_form=form, status=422)
