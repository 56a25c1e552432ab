"""Fee pages: bills per project and month, a unit's statement with the payment form, refunds and
adjustments waiting for a decision, arrears with their ageing, the collection rate, a receipt, and
the resident's own bills (/portal/bills/). Thin: every write is a service call."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.billing import exports, hooks, selectors, services, views_loops
from guanjia.billing.choices import CorrectionKind, CorrectionStatus
from guanjia.billing.forms import (
    AdjustmentForm,
    ArrearsFilterForm,
    FigureFilterForm,
    GenerateForm,
    PaymentForm,
    RefundForm,
    VisitForm,
)
from guanjia.billing.models import Bill, CollectionVisit, Correction, LedgerEntry, Payment
from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm, Role
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Unit, unit_order
from guanjia.estates.selectors import units_allowing
from guanjia.staff.models import StaffMember
from guanjia.web.helpers import console_view, filter_status, list_page, save_via_service, style_form

_bills = exports.bills


@console_view(Perm.VIEW_BILLING)
def bill_list(request):
    form, qs = exports.bills_list(request.user, request.GET)
    style_form(form)
    generate_form = None
    if user_can(request.user, Perm.CHANGE_BILLING):
        generate_form = style_form(GenerateForm(user=request.user))
    can_remind = user_can(request.user, Perm.POST_PAYMENT)
    return list_page(
        request,
        queryset=qs,
        fragment="billing/_bill_rows.html",
        template="billing/bill_list.html",
        context={
            "filter_form": form,
            "title": _("账单"),
            "generate_form": generate_form,
            "resource": "bills",
            # The bulk bar: 催缴 every bill ticked (cashiers and butlers).
            "bulk_url": reverse("billing:bulk_remind") if can_remind else "",
            "bulk_actions": [("remind", _("催缴"))] if can_remind else [],
            "bulk_people": None,
        },
    )


@require_POST
@console_view(Perm.POST_PAYMENT)
def bill_bulk_remind(request):
    """Remind the payers of every bill ticked; a line per bill (sent, already today, refused)."""
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("billing:bills")
    try:
        result = services.bills_bulk_remind(actor=request.user, ids=request.POST.getlist("ids"))
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(back)
    return render(
        request, "web/bulk_result.html", {"result": result, "back_url": back, "title": _("批量催缴结果")}
    )


@require_POST
@console_view(Perm.CHANGE_BILLING)
def bill_generate(request):
    form = GenerateForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("请选择项目并填写账期"))
        return redirect("billing:bills")
    data = form.cleaned_data
    result = services.bills_generate(
        actor=request.user, project=data["project"], period=data["period"], due_on=data["due_on"]
    )
    messages.success(
        request,
        _("%(period)s 账单：新出账 %(created)s 户，此前已出账 %(existing)s 户")
        % {"period": data["period"], **result},
    )
    return redirect(f"{_url('billing:bills')}?project={data['project'].pk}&period={data['period']}")


def _url(name, *args):
    return reverse(name, args=args)


def _collectors(unit) -> list[tuple[int, str]]:
    """Staff of the unit's project who may take payments door to door."""
    members = (
        StaffMember.objects.filter(
            projects=unit.project_id,
            roles__role__in=[Role.BUTLER, Role.DESK, Role.PROJECT_MANAGER],
            deleted_at__isnull=True,
            user__isnull=False,
        )
        .distinct()
        .order_by("name")
    )
    return [(m.user_id, m.name) for m in members]


def _statement_context(
    request, unit, *, payment_form=None, adjustment_form=None, refund_form=None, visit_form=None
):
    bills = list(_bills(request.user).filter(unit=unit).order_by("-period", "-id")[:60])
    views_loops.bill_extras(bills)
    payments = list(
        Payment.objects.visible_to(request.user).filter(unit=unit).order_by("-received_at", "-id")[:30]
    )
    entries = list(
        LedgerEntry.objects.filter(unit=unit)
        .select_related("actor", "payment")
        .order_by("-time", "-id")[:100]
    )
    can_pay = user_can(request.user, Perm.POST_PAYMENT)
    can_adjust = user_can(request.user, Perm.ADJUST_BILLING)
    if can_pay and payment_form is None:
        payment_form = style_form(PaymentForm())
    if can_adjust:
        adjustment_form = adjustment_form or AdjustmentForm()
        adjustment_form.fields["bill"].choices = [
            (b.pk, f"{b.period} · {selectors.q2(b.outstanding)}") for b in bills
        ]
        style_form(adjustment_form)
        refund_form = refund_form or RefundForm()
        refund_form.fields["payment"].choices = [(p.pk, f"{p.receipt_no} · {p.amount}") for p in payments]
        style_form(refund_form)
    if can_pay:
        visit_form = visit_form or VisitForm()
        visit_form.fields["collector"].choices = _collectors(unit)
        style_form(visit_form)
    return {
        "unit": unit,
        "visit_form": visit_form if can_pay else None,
        "visits": CollectionVisit.objects.visible_to(request.user)
        .filter(unit=unit)
        .select_related("collector")
        .order_by("-visit_at")[:10],
        "bills": bills,
        "payments": payments,
        "entries": entries,
        "balance": selectors.unit_balance(unit.pk),
        "payment_form": payment_form,
        "held_online": hooks.bills_held_online(unit.pk) if can_pay else [],
        "adjustment_form": adjustment_form if can_adjust else None,
        "refund_form": refund_form if can_adjust else None,
        "late_bills": [b for b in bills if b.late_fee > 0 and b.outstanding > 0] if can_adjust else [],
        "corrections": Correction.objects.visible_to(request.user)
        .filter(unit=unit)
        .order_by("-requested_at")[:20],
        "title": _("%(unit)s 分户账") % {"unit": f"{unit.building.name}-{unit.number}"},
    }


@console_view(Perm.VIEW_BILLING)
def unit_statement(request, pk: int):
    unit = visible_or_404(Unit.objects.select_related("building", "project"), pk, request.user)
    return render(request, "billing/statement.html", _statement_context(request, unit))


@require_POST
@console_view(Perm.POST_PAYMENT)
def payment_post(request, pk: int):
    unit = visible_or_404(Unit.objects.select_related("building", "project"), pk, request.user)
    form = style_form(PaymentForm(request.POST))

    def call(data):
        return services.payment_post(
            actor=request.user,
            data={
                **{k: v for k, v in data.items() if k != "amount"},
                "amount": data["amount"],
                "unit_id": unit.pk,
            },
        )

    result = save_via_service(request, form, call)
    if result is None:
        context = _statement_context(request, unit, payment_form=form)
        return render(request, "billing/statement.html", context, status=422)
    payment, created = result
    if created:
        messages.success(
            request,
            _("已收款 %(amount)s 元，收据号 %(no)s") % {"amount": payment.amount, "no": payment.receipt_no},
        )
    else:
        messages.info(
            request, _("该笔收款此前已入账（收据号 %(no)s），未重复收款") % {"no": payment.receipt_no}
        )
    return redirect("billing:unit", pk=unit.pk)


@require_POST
@console_view(Perm.ADJUST_BILLING)
def correction_request(request, pk: int, kind: str):
    unit = visible_or_404(Unit.objects.select_related("building", "project"), pk, request.user)
    if kind == CorrectionKind.REFUND:
        form = RefundForm(request.POST)
        form.fields["payment"].choices = [
            (p.pk, p.receipt_no) for p in Payment.objects.visible_to(request.user).filter(unit=unit)
        ]
        field_map = {"payment_id": "payment"}
    else:
        # A late-fee waiver (滞纳金减免) has the adjustment's shape: a bill, an amount (> 0), a reason.
        kind = (
            CorrectionKind.LATE_FEE_WAIVER
            if kind == CorrectionKind.LATE_FEE_WAIVER
            else CorrectionKind.ADJUSTMENT
        )
        form = AdjustmentForm(request.POST)
        form.fields["bill"].choices = [
            (b.pk, b.period) for b in Bill.objects.visible_to(request.user).filter(unit=unit)
        ]
        field_map = {"bill_id": "bill"}

    def call(data):
        body = {"kind": kind, "amount": data["amount"], "reason": data["reason"]}
        if kind == CorrectionKind.REFUND:
            body["payment_id"] = data["payment"]
        else:
            body["bill_id"] = data["bill"]
        return services.correction_request(actor=request.user, data=body)

    if save_via_service(request, form, call, field_map=field_map) is None:
        forms = {"refund_form" if kind == CorrectionKind.REFUND else "adjustment_form": form}
        return render(
            request, "billing/statement.html", _statement_context(request, unit, **forms), status=422
        )
    messages.success(request, _("已提交申请，待另一位有审批权限的人员审批"))
    return redirect("billing:unit", pk=unit.pk)


@require_POST
@console_view(Perm.POST_PAYMENT)
def visit_book(request, pk: int):
    unit = visible_or_404(Unit.objects.select_related("building", "project"), pk, request.user)
    form = VisitForm(request.POST)
    form.fields["collector"].choices = _collectors(unit)

    def call(data):
        return services.visit_book(
            actor=request.user,
            data={
                "unit_id": unit.pk,
                "collector_id": data["collector"],
                "visit_at": data["visit_at"],
                "note": data["note"],
            },
        )

    if save_via_service(request, form, call, field_map={"collector_id": "collector"}) is None:
        return render(
            request, "billing/statement.html", _statement_context(request, unit, visit_form=form), status=422
        )
    messages.success(request, _("已预约上门收费"))
    return redirect("billing:unit", pk=unit.pk)


@console_view(Perm.VIEW_BILLING)
def visit_list(request):
    """Door-to-door collections booked from today on (the collector's round), and closing them."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = (
        CollectionVisit.objects.visible_to(request.user)
        .filter(Q(visit_at__gte=start) | Q(status="booked"))
        .select_related("unit__building", "collector", "project")
        .order_by("visit_at", "id")[:200]
    )
    return render(
        request,
        "billing/visits.html",
        {"title": _("上门收费"), "rows": rows, "can_close": user_can(request.user, Perm.POST_PAYMENT)},
    )


@require_POST
@console_view(Perm.POST_PAYMENT)
def visit_close(request, pk: int):
    visit = visible_or_404(CollectionVisit.objects, pk, request.user)
    try:
        services.visit_close(actor=request.user, visit=visit, status=request.POST.get("status", ""))
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("billing:visits")


@console_view(Perm.VIEW_BILLING)
def correction_list(request):
    status = request.GET.get("status", CorrectionStatus.PENDING)
    qs = Correction.objects.visible_to(request.user).select_related(
        "unit__building", "requested_by", "decided_by", "payment", "bill"
    )
    if status in CorrectionStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "billing/corrections.html",
        {
            "title": _("退款与调账审批"),
            "rows": qs.order_by("-requested_at", "-id")[:200],
            "status": status,
            "statuses": CorrectionStatus.choices,
            "can_decide": user_can(request.user, Perm.APPROVE_BILLING),
        },
    )


@require_POST
@console_view(Perm.APPROVE_BILLING)
def correction_decide(request, pk: int):
    correction = visible_or_404(Correction.objects, pk, request.user)
    approve = request.POST.get("decision") == "approve"
    try:
        services.correction_decide(
            actor=request.user, correction=correction, approve=approve, note=request.POST.get("note", "")
        )
    except (Conflict, NotAllowed) as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("已批准") if approve else _("已驳回"))
    return redirect("billing:corrections")


@console_view(Perm.VIEW_BILLING)
def arrears(request):
    form = style_form(ArrearsFilterForm(_as_of_query(request), user=request.user))
    project_id, as_of = None, timezone.localdate()
    if form.is_valid():
        project_id = form.cleaned_data["project"].pk if form.cleaned_data["project"] else None
        as_of = form.cleaned_data["as_of"] or as_of
    rows = selectors.shape_arrears(selectors.arrears(request.user, today=as_of, project_id=project_id)[:500])
    sums = {
        key: sum((r[key] for r in rows), selectors.ZERO) for key in ("total", "d30", "d90", "d180", "older")
    }
    return render(
        request,
        "billing/arrears.html",
        {"title": _("欠费与账龄"), "filter_form": form, "rows": rows, "sums": sums, "as_of": as_of},
        status=filter_status(request, form),
    )


def _as_of_query(request):
    """The filter's query; ``on``, the arrears page's older name for ``as_of``, still works."""
    if not request.GET:
        return None
    query = request.GET.copy()
    if "on" in query and "as_of" not in query:
        query["as_of"] = query["on"]
    return query


@console_view(Perm.VIEW_BILLING)
def collection(request):
    form = style_form(FigureFilterForm(request.GET or None, user=request.user))
    as_of, start, end, project_id = timezone.localdate(), None, None, None
    if form.is_valid():
        as_of = form.cleaned_data["as_of"] or as_of
        start = form.cleaned_data["period_from"]
        end = form.cleaned_data["period_to"]
        project_id = form.cleaned_data["project"].pk if form.cleaned_data["project"] else None
    end = end or as_of.strftime("%Y-%m")
    start = start or f"{as_of:%Y}-01"
    rows = selectors.collection(
        request.user, period_from=start, period_to=end, project_id=project_id, as_of=as_of
    )
    return render(
        request,
        "billing/collection.html",
        {
            "title": _("收缴率"),
            "filter_form": form,
            "rows": rows,
            "start": start,
            "end": end,
            "as_of": as_of,
        },
        status=filter_status(request, form),
    )


def _receipt(request, pk: int, template: str):
    payment = visible_or_404(
        Payment.objects.select_related("unit__building", "project", "received_by"), pk, request.user
    )
    context = {"payment": payment, **selectors.receipt_lines(payment), "title": _("收据")}
    context.update(views_loops.receipt_context(request, payment))
    return render(request, template, context)


@console_view(Perm.VIEW_BILLING)
def receipt(request, pk: int):
    return _receipt(request, pk, "billing/receipt.html")


# Resident portal ----------------------------------------------------------------------------------


def _resident_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not scope_for(request.user).is_resident:
            return redirect("billing:bills")
        return view(request, *args, **kwargs)

    return console_view()(wrapper)


@_resident_only
def portal_bills(request):
    units = list(
        Unit.objects.visible_to(request.user).select_related("building", "project").order_by(*unit_order())
    )
    bills = list(_bills(request.user).order_by("-period", "-id")[:60])
    views_loops.bill_extras(bills)
    payments = list(
        Payment.objects.visible_to(request.user)
        .select_related("unit__building")
        .order_by("-received_at")[:30]
    )
    balances = LedgerEntry.objects.visible_to(request.user).values("unit_id")
    owed = {row["unit_id"]: selectors.q2(row["owed"]) for row in balances.annotate(owed=Sum("amount"))}
    payable = set(units_allowing(request.user, "pay").values_list("id", flat=True))
    for unit in units:
        unit.balance = owed.get(unit.pk, selectors.ZERO)
        unit.credit = -unit.balance
        unit.may_pay = unit.pk in payable  # any pay action must ask estates.selectors.occupancy_allows
    return render(
        request,
        "billing/portal_bills.html",
        {"title": _("我的账单"), "units": units, "bills": bills, "payments": payments},
    )


@_resident_only
def portal_receipt(request, pk: int):
    return _receipt(request, pk, "billing/receipt.html")
