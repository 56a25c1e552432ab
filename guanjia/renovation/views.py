"""Renovation pages: the console's list (filters, .xlsx export) and a renovation's page (timeline,
decisions by htmx), the desk's application form, the patroller's phone pages, and the resident's
own renovations in the portal. Thin: reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Unit
from guanjia.renovation import lists, selectors, services
from guanjia.renovation.choices import HOLDS_UNIT, RenovationStatus, RenovationViolationStatus
from guanjia.renovation.forms import (
    ApplyForm,
    BillForm,
    DecideForm,
    DeductionForm,
    NoteForm,
    RefundForm,
    RejectForm,
    ViolationForm,
    WorkerForm,
)
from guanjia.renovation.models import PatrolStop, Violation, WorkerPass
from guanjia.web.helpers import add_service_errors, console_view, list_page, style_form


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


# The console's list and page --------------------------------------------------------------------


@console_view(Perm.VIEW_ESTATES)
def renovation_list(request):
    form, qs = lists.renovation_list(request.user, request.GET)
    style_form(form)
    create_url = reverse("renovation:create") if user_can(request.user, Perm.CHANGE_RESIDENTS) else ""
    return list_page(
        request,
        queryset=qs,
        fragment="renovation/_rows.html",
        template="renovation/list.html",
        context={
            "filter_form": form,
            "title": _("装修管理"),
            "resource": "renovations",
            "create_url": create_url,
        },
    )


def _renovation(request, pk):
    return visible_or_404(selectors.detail_queryset(), pk, request.user)


def _context(request, renovation, **extra) -> dict:
    scope = scope_for(request.user)
    perms = scope.permissions
    status = renovation.status
    violations = list(renovation.violations.all())
    for v in violations:
        v.links = selectors.photo_links(v)
    deducted = services.deducted(renovation)
    return {
        "r": renovation,
        "title": _("装修管理"),
        "bills": selectors.bills(renovation),
        "fees_paid": services.fees_paid(renovation),
        "violations": violations,
        "timeline": selectors.timeline(renovation),
        "plans": selectors.plan_links(renovation),
        "deducted": deducted,
        "refundable": max(renovation.deposit - deducted, 0),
        "may_engineer": status == RenovationStatus.ENGINEERING and Perm.REVIEW_RENOVATION in perms,
        "may_manage": status == RenovationStatus.MANAGER and Perm.APPROVE_RENOVATION in perms,
        "may_bill": status == RenovationStatus.APPROVED
        and not renovation.deposit_bill_id
        and Perm.CHANGE_BILLING in perms,
        "may_permit": status == RenovationStatus.APPROVED
        and renovation.deposit_bill_id
        and Perm.CHANGE_RESIDENTS in perms,
        "may_workers": status not in (RenovationStatus.CLOSED, RenovationStatus.REJECTED)
        and Perm.CHANGE_RESIDENTS in perms,
        "may_complete": status in HOLDS_UNIT and Perm.REVIEW_RENOVATION in perms,
        "may_resume": status == RenovationStatus.STOPPED and Perm.APPROVE_RENOVATION in perms,
        "may_deduct": status in (*HOLDS_UNIT, RenovationStatus.COMPLETED) and Perm.REVIEW_RENOVATION in perms,
        "may_refund": status == RenovationStatus.COMPLETED and Perm.ADJUST_BILLING in perms,
        "may_decide_refund": status == RenovationStatus.REFUNDING
        and Perm.APPROVE_BILLING in perms
        and renovation.refund
        and renovation.refund.requested_by_id != request.user.pk,
        "may_rectify": Perm.DO_FACILITIES_WORK in perms,
        "open_status": RenovationViolationStatus.OPEN,
        "reject_form": style_form(RejectForm()),
        "note_form": style_form(NoteForm()),
        "bill_form": style_form(BillForm()),
        "worker_form": style_form(WorkerForm()),
        "deduction_form": style_form(DeductionForm()),
        "refund_form": style_form(RefundForm()),
        **extra,
    }


@console_view(Perm.VIEW_ESTATES)
def renovation_detail(request, pk):
    renovation = _renovation(request, pk)
    return render(request, "renovation/detail.html", _context(request, renovation))


def _act(request, pk, call, done: str):
    """Run a service on the renovation; htmx gets the page's main part again (or the refusal as
    text with 409/422/403), a plain form post a redirect with a message."""
    renovation = _renovation(request, pk)
    htmx = getattr(request, "htmx", False)
    try:
        call(renovation)
    except ValidationError as exc:
        text, status = " ".join(exc.messages), 422
    except Conflict as exc:
        text, status = exc.message, 409
    except NotAllowed as exc:
        text, status = exc.message, 403
    else:
        if htmx:
            fresh = _renovation(request, pk)
            return render(request, "renovation/_main.html", _context(request, fresh, done=done))
        messages.success(request, done)
        return redirect("renovation:detail", pk=renovation.pk)
    if htmx:
        return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    messages.error(request, text)
    return redirect("renovation:detail", pk=renovation.pk)


@require_POST
@console_view(Perm.VIEW_ESTATES)
def renovation_approve(request, pk):
    note = request.POST.get("note", "")[:300]
    return _act(
        request,
        pk,
        lambda r: services.renovation_approve(actor=request.user, renovation=r, note=note),
        _("已审批通过"),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def renovation_reject(request, pk):
    reason = request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda r: services.renovation_reject(actor=request.user, renovation=r, reason=reason),
        _("已驳回"),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def renovation_bill(request, pk):
    form = BillForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    data = {k: v for k, v in data.items() if v is not None}
    return _act(
        request,
        pk,
        lambda r: services.renovation_bill(actor=request.user, renovation=r, data=data),
        _("已开具押金与管理费账单"),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def renovation_permit(request, pk):
    return _act(
        request,
        pk,
        lambda r: services.renovation_permit(actor=request.user, renovation=r),
        _("已发放施工许可证"),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def worker_add(request, pk):
    data = {k: request.POST.get(k, "") for k in ("name", "phone", "trade")}
    return _act(
        request,
        pk,
        lambda r: services.worker_add(actor=request.user, renovation=r, data=data),
        _("已登记施工人员"),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def worker_revoke(request, pk, worker_pk):
    def call(renovation):
        worker = WorkerPass.objects.filter(renovation=renovation, pk=_int(worker_pk) or 0).first()
        if worker is None:
            raise Http404
        services.worker_revoke(actor=request.user, worker=worker)

    return _act(request, pk, call, _("已注销出入证"))


@require_POST
@console_view(Perm.VIEW_ESTATES)
def renovation_complete(request, pk):
    note = request.POST.get("note", "")[:300]
    return _act(
        request,
        pk,
        lambda r: services.renovation_complete(actor=request.user, renovation=r, note=note),
        _("竣工验收完成"),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def renovation_resume(request, pk):
    note = request.POST.get("note", "")
    return _act(
        request,
        pk,
        lambda r: services.renovation_resume(actor=request.user, renovation=r, note=note),
        _("已复工"),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def deduction_add(request, pk):
    data = {k: request.POST.get(k) for k in ("amount", "reason", "violation_id")}
    return _act(
        request,
        pk,
        lambda r: services.deduction_record(actor=request.user, renovation=r, data=data),
        _("已记录押金扣除"),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def refund_request(request, pk):
    data = {"amount": request.POST.get("amount") or None}
    return _act(
        request,
        pk,
        lambda r: services.refund_request(actor=request.user, renovation=r, data=data),
        _("已提交押金退还申请"),
    )


@require_POST
@console_view(Perm.VIEW_ESTATES)
def refund_decide(request, pk):
    form = DecideForm(request.POST)
    form.is_valid()
    approve = request.POST.get("approve") == "1"
    note = (form.cleaned_data.get("note") or "") if hasattr(form, "cleaned_data") else ""
    return _act(
        request,
        pk,
        lambda r: services.refund_decide(actor=request.user, renovation=r, approve=approve, note=note),
        _("押金已退还") if approve else _("已驳回押金退还"),
    )


@require_POST
@console_view(Perm.DO_FACILITIES_WORK)
def violation_rectify(request, pk, violation_pk):
    def call(renovation):
        violation = Violation.objects.filter(renovation=renovation, pk=_int(violation_pk) or 0).first()
        if violation is None:
            raise Http404
        services.violation_rectify(actor=request.user, violation=violation)

    return _act(request, pk, call, _("已确认整改"))


@console_view(Perm.CHANGE_RESIDENTS)
def renovation_create(request):
    units = (
        Unit.objects.visible_to(request.user)
        .filter(deleted_at__isnull=True)
        .select_related("building", "project")
    )
    return _apply_page(request, units[:2000], desk=True, template="renovation/apply.html")


def _apply_page(request, units, *, desk: bool, template: str):
    form = ApplyForm(request.POST or None, request.FILES or None, units=units, desk=desk)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                renovation = services.renovation_apply(
                    actor=request.user, data=form.service_data(), plans=form.cleaned_data.get("plans") or []
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("装修申请 %(n)s 已提交，等待工程审核") % {"n": renovation.number})
                return (
                    redirect("renovation:detail", pk=renovation.pk)
                    if desk
                    else redirect("portal_renovations")
                )
        status = 422
    style_form(form)
    return render(request, template, {"form": form, "title": _("装修申请"), "desk": desk}, status=status)


# The patroller's phone pages ----------------------------------------------------------------------


@console_view(Perm.DO_FACILITIES_WORK)
def patrol_today(request):
    stops = list(selectors.todays_stops(request.user))
    return render(
        request,
        "renovation/patrol.html",
        {"stops": stops, "title": _("今日装修巡查"), "done": sum(1 for s in stops if s.checked_at)},
    )


def _stop(request, pk):
    stop = visible_or_404(
        PatrolStop.objects.select_related("renovation__unit__building", "patrol__project"), pk, request.user
    )
    return stop


@console_view(Perm.DO_FACILITIES_WORK)
def patrol_stop(request, pk):
    stop = _stop(request, pk)
    form = ViolationForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if request.POST.get("ok") == "1":
            try:
                services.stop_check(actor=request.user, stop=stop, ok=True, note=request.POST.get("note", ""))
            except Conflict as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已记录：无违规"))
            return redirect("renovation:patrol")
        if form.is_valid():
            try:
                services.violation_record(
                    actor=request.user,
                    renovation=stop.renovation,
                    stop=stop,
                    data=form.cleaned_data,
                    photos=form.cleaned_data["photos"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已记录违规并通知业主整改"))
                return redirect("renovation:patrol")
        status = 422
    style_form(form)
    renovation = stop.renovation
    open_violations = list(renovation.violations.filter(status=RenovationViolationStatus.OPEN))
    return render(
        request,
        "renovation/stop.html",
        {
            "stop": stop,
            "r": renovation,
            "form": form,
            "open_violations": open_violations,
            "title": _("装修巡查"),
        },
        status=status,
    )


# The resident's portal ----------------------------------------------------------------------------


def resident_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            return redirect("home")
        return view(request, *args, **kwargs)

    return console_view()(wrapper)


@resident_page
def portal_renovations(request):
    renovations = list(selectors.mine(request.user))
    for r in renovations:
        r.vlist = list(r.violations.all())
        for v in r.vlist:
            v.links = selectors.photo_links(v)
        r.passes = [w for w in r.workers.all() if w.pass_no and not w.revoked_at]
    can_apply = selectors.owned_units(request.user).exists()
    return render(
        request,
        "renovation/portal_list.html",
        {"renovations": renovations, "can_apply": can_apply, "title": _("我的装修")},
    )


@resident_page
def portal_apply(request):
    units = list(selectors.owned_units(request.user))
    if not units:
        return redirect("portal_renovations")
    return _apply_page(request, units, desk=False, template="renovation/portal_apply.html")
