"""Pages of the stores: stock, items, stores, the ledger and its forms, stock-takes, purchase
requests with their decisions, the monthly spend, and the technician's phone page (take parts for
my request). Thin: reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict, NotAllowed
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.stores import forms as f
from guanjia.stores import selectors, services
from guanjia.stores.choices import MovementKind, PurchaseStatus, StockTakeStatus
from guanjia.stores.models import Movement, PurchaseRequest, StockItem, StockTake, Store
from guanjia.stores.services.common import policy_for
from guanjia.stores.services.movements import returned_so_far
from guanjia.tickets.choices import OPEN_STATUSES
from guanjia.tickets.models import Ticket
from guanjia.web.helpers import (
    add_service_errors,
    console_view,
    list_page,
    render_form,
    save_via_service,
    style_form,
)


def _cleaned(form) -> dict:
    return form.cleaned_data if form.is_valid() else {}


def _error(request, exc) -> None:
    messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else exc.message)


@console_view(Perm.VIEW_STORES)
def stock_list(request):
    form = f.StockFilterForm(request.GET or None, user=request.user)
    qs = selectors.stock(request.user, _cleaned(form))
    style_form(form)
    return list_page(
        request,
        queryset=qs,
        fragment="stores/_stock_table.html",
        template="stores/stock_list.html",
        context={
            "title": _("库存"),
            "filter_form": form,
            "can_manage": user_can(request.user, Perm.MANAGE_STORES),
        },
    )


@console_view(Perm.VIEW_STORES)
def item_list(request):
    items = StockItem.objects.visible_to(request.user).order_by("code")
    term = (request.GET.get("search") or "").strip()
    if term:
        items = items.filter(name__icontains=term) | items.filter(code__icontains=term)
    return render(
        request,
        "stores/item_list.html",
        {
            "title": _("物料"),
            "items": items[:500],
            "search": term,
            "can_manage": user_can(request.user, Perm.MANAGE_STORES),
        },
    )


@console_view(Perm.MANAGE_STORES)
def item_edit(request, pk=None):
    item = visible_or_404(StockItem.objects, pk, request.user) if pk else None
    initial = (
        {k: getattr(item, k) for k in ("code", "name", "kind", "unit", "spec", "is_active")} if item else None
    )
    form = f.ItemForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if item is None:
            call = lambda data: services.item_create(actor=request.user, data=data)  # noqa: E731
        else:
            call = lambda data: services.item_update(actor=request.user, item=item, data=data)  # noqa: E731
        saved = save_via_service(request, form, call)
        if saved is not None:
            messages.success(request, _("已保存物料 %(name)s") % {"name": saved.name})
            return redirect("stores:items")
    return render_form(
        request, form, title=_("编辑物料") if item else _("新建物料"), cancel_url=reverse("stores:items")
    )


@console_view(Perm.VIEW_STORES)
def store_list(request):
    return render(
        request, "stores/store_list.html", {"title": _("仓库"), "stores": selectors.stores(request.user)}
    )


@console_view(Perm.VIEW_STORES)
def store_detail(request, pk):
    store = visible_or_404(Store.objects.select_related("project", "keeper"), pk, request.user)
    can_manage = user_can(request.user, Perm.MANAGE_STORES)
    level_form = f.LevelForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        if level_form.is_valid():
            data = {
                **level_form.cleaned_data,
                "store_id": store.pk,
                "item_id": level_form.cleaned_data["item"].pk,
            }
            data.pop("item")
            try:
                services.stock_set_levels(actor=request.user, data=data)
                messages.success(request, _("已设置最低库存"))
                return redirect("stores:store", pk=pk)
            except ValidationError as exc:
                add_service_errors(level_form, exc, {"item_id": "item"})
    style_form(level_form)
    return render(
        request,
        "stores/store_detail.html",
        {
            "title": store.name,
            "store": store,
            "stock": selectors.stock(request.user, {"store": store.pk}),
            "movements": selectors.movements(request.user, {"store": store.pk})[:20],
            "stocktakes": StockTake.objects.visible_to(request.user).filter(store=store)[:5],
            "level_form": level_form,
            "can_manage": can_manage,
        },
        status=422 if level_form.is_bound and level_form.errors else 200,
    )


@console_view(Perm.VIEW_STORES)
def movement_list(request):
    form = f.MovementFilterForm(request.GET or None, user=request.user)
    qs = selectors.movements(request.user, _cleaned(form))
    style_form(form)
    return list_page(
        request,
        queryset=qs,
        fragment="stores/_movement_table.html",
        template="stores/movement_list.html",
        context={
            "title": _("出入库记录"),
            "filter_form": form,
            "can_issue": user_can(request.user, Perm.ISSUE_STORES),
            "can_manage": user_can(request.user, Perm.MANAGE_STORES),
        },
    )


MOVEMENT_TITLES = {"receive": _("入库"), "issue": _("领用出库"), "transfer": _("调拨")}


@console_view(Perm.VIEW_STORES)
def movement_create(request, kind):
    if kind not in MOVEMENT_TITLES:
        raise Http404
    call = {
        "receive": services.movement_receive,
        "issue": services.movement_issue,
        "transfer": services.movement_transfer,
    }[kind]
    initial = {k: request.GET[k] for k in ("store", "item", "ticket") if request.GET.get(k)}
    form = f.MovementForm(request.POST or None, user=request.user, kind=kind, initial=initial)
    if request.method == "POST":
        saved = save_via_service(
            request,
            form,
            lambda data: call(actor=request.user, data=form.service_data()),
            field_map=f.FIELD_MAP,
        )
        if saved is not None:
            messages.success(request, _("已登记%(kind)s") % {"kind": MOVEMENT_TITLES[kind]})
            return redirect("stores:movements")
    return render_form(request, form, title=MOVEMENT_TITLES[kind], cancel_url=reverse("stores:movements"))


@console_view(Perm.ISSUE_STORES)
def movement_return(request, pk):
    issue = visible_or_404(Movement.objects.select_related("item", "ticket"), pk, request.user)
    if issue.kind != MovementKind.ISSUE:
        raise Http404
    left = -issue.quantity - returned_so_far(issue)
    form = f.ReturnForm(request.POST or None, initial={"quantity": left})
    if request.method == "POST":
        saved = save_via_service(
            request,
            form,
            lambda data: services.movement_return(actor=request.user, data={**data, "issue_id": issue.pk}),
        )
        if saved is not None:
            messages.success(request, _("已退库"))
            return redirect("stores:movements")
    title = _("退库：%(item)s（可退 %(n)s）") % {"item": issue.item.name, "n": left.normalize()}
    return render_form(request, form, title=title, cancel_url=reverse("stores:movements"))


@require_POST
@console_view(Perm.MANAGE_STORES)
def stocktake_start(request, pk):
    store = visible_or_404(Store.objects, pk, request.user)
    try:
        take = services.stocktake_start(actor=request.user, store_id=store.pk)
    except (ValidationError, Conflict) as exc:
        _error(request, exc)
        return redirect("stores:store", pk=pk)
    return redirect("stores:stocktake", pk=take.pk)


@console_view(Perm.VIEW_STORES)
def stocktake_detail(request, pk):
    take = visible_or_404(
        StockTake.objects.select_related("store", "counted_by", "decided_by"), pk, request.user
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "count":
                for line in take.lines.all():
                    counted = request.POST.get(f"counted_{line.item_id}", "")
                    if counted != "":
                        services.stocktake_count(
                            actor=request.user,
                            stocktake=take,
                            item_id=line.item_id,
                            counted=counted,
                            reason=request.POST.get(f"reason_{line.item_id}", ""),
                        )
                messages.success(request, _("已保存盘点数"))
            elif action == "submit":
                services.stocktake_submit(actor=request.user, stocktake=take)
                messages.success(request, _("已提交审核"))
            elif action == "approve":
                services.stocktake_approve(
                    actor=request.user, stocktake=take, note=request.POST.get("note", "")
                )
                messages.success(request, _("盘点已审核，差异已入账"))
            elif action == "reject":
                services.stocktake_reject(
                    actor=request.user, stocktake=take, note=request.POST.get("note", "")
                )
                messages.success(request, _("已退回盘点人"))
            return redirect("stores:stocktake", pk=pk)
        except (ValidationError, Conflict, NotAllowed) as exc:
            _error(request, exc)
            status = {ValidationError: 422, Conflict: 409}.get(type(exc), 403)
    take.refresh_from_db()
    return render(
        request,
        "stores/stocktake_detail.html",
        {
            "title": _("盘点：%(store)s") % {"store": take.store.name},
            "take": take,
            "lines": take.lines.select_related("item").order_by("item__code"),
            "counting": take.status == StockTakeStatus.COUNTING,
            "submitted": take.status == StockTakeStatus.SUBMITTED,
            "can_manage": user_can(request.user, Perm.MANAGE_STORES),
        },
        status=status,
    )


@console_view(Perm.VIEW_STORES)
def purchase_list(request):
    form = f.PurchaseFilterForm(request.GET or None, user=request.user)
    qs = selectors.purchases(request.user, _cleaned(form))
    style_form(form)
    return list_page(
        request,
        queryset=qs,
        fragment="stores/_purchase_table.html",
        template="stores/purchase_list.html",
        context={
            "title": _("采购申请"),
            "filter_form": form,
            "now": timezone.now(),
            "policy": policy_for(scope_for(request.user).company_id),
            "can_set_policy": user_can(request.user, Perm.MANAGE_STORES) and scope_for(request.user).is_hq,
        },
    )


@require_POST
@console_view(Perm.MANAGE_STORES)
def policy_set(request):
    """The company's purchasing rules from the purchase list (HQ); a refusal comes back as a message."""
    data = {k: request.POST.get(k) or None for k in ("pm_limit", "approval_hours")}
    try:
        services.policy_set(actor=request.user, data=data)
    except (ValidationError, NotAllowed) as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已保存采购审批规则"))
    return redirect("stores:purchases")


@console_view(Perm.VIEW_STORES)
def purchase_create(request):
    initial = {k: request.GET[k] for k in ("store", "item") if request.GET.get(k)}
    form = f.PurchaseForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        saved = save_via_service(
            request,
            form,
            lambda data: services.purchase_create(actor=request.user, data=form.service_data()),
            field_map={"store_id": "store", "item_id": "item"},
        )
        if saved is not None:
            messages.success(request, _("已提交采购申请"))
            return redirect("stores:purchase", pk=saved.pk)
    return render_form(request, form, title=_("请购"), cancel_url=reverse("stores:purchases"))


def _purchase_page(request, purchase, *, status=200, order_form=None):
    return render(
        request,
        "stores/purchase_detail.html",
        {
            "title": _("采购申请 #%(n)s") % {"n": purchase.pk},
            "p": purchase,
            "waiting": purchase.status in (PurchaseStatus.PENDING_PM, PurchaseStatus.PENDING_HQ),
            "order_form": style_form(order_form or f.OrderForm(user=request.user)),
            "can_manage": user_can(request.user, Perm.MANAGE_STORES),
            "can_approve": user_can(request.user, Perm.APPROVE_PURCHASE)
            or user_can(request.user, Perm.APPROVE_PURCHASE_HQ),
            "receipts": purchase.receipts.order_by("moved_at"),
        },
        status=status,
    )


def _purchase(request, pk):
    return visible_or_404(
        PurchaseRequest.objects.select_related("store", "item", "supplier", "raised_by", "ticket"),
        pk,
        request.user,
    )


@console_view(Perm.VIEW_STORES)
def purchase_detail(request, pk):
    return _purchase_page(request, _purchase(request, pk))


@require_POST
@console_view(Perm.VIEW_STORES)
def purchase_act(request, pk, action):
    purchase = _purchase(request, pk)
    order_form = None
    try:
        if action == "approve":
            services.purchase_approve(actor=request.user, purchase=purchase)
            messages.success(request, _("已批准"))
        elif action == "reject":
            services.purchase_reject(
                actor=request.user, purchase=purchase, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("已驳回"))
        elif action == "order":
            order_form = f.OrderForm(request.POST, user=request.user)
            if not order_form.is_valid():
                return _purchase_page(request, purchase, status=422, order_form=order_form)
            services.purchase_order(
                actor=request.user,
                purchase=purchase,
                supplier_id=order_form.cleaned_data["supplier"].pk,
                unit_price=order_form.cleaned_data["unit_price"],
            )
            messages.success(request, _("已下单"))
        elif action == "receive":
            services.purchase_receive(
                actor=request.user, purchase=purchase, quantity=request.POST.get("quantity")
            )
            messages.success(request, _("已收货入库"))
        elif action == "cancel":
            services.purchase_cancel(actor=request.user, purchase=purchase)
            messages.success(request, _("已取消"))
        else:
            raise Http404
    except (ValidationError, Conflict, NotAllowed) as exc:
        _error(request, exc)
        return _purchase_page(
            request,
            _purchase(request, pk),
            status={ValidationError: 422, Conflict: 409}.get(type(exc), 403),
            order_form=order_form,
        )
    return redirect("stores:purchase", pk=pk)


@console_view(Perm.VIEW_STORES)
def figures(request):
    year = timezone.localdate().year
    form = f.FiguresForm(request.GET or None, user=request.user, initial={"year": year})
    data = _cleaned(form)
    year = data.get("year") or year
    project = data.get("project")
    rows = selectors.monthly_spend(request.user, year=year, project_id=project.pk if project else None)
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    table: dict = {}
    for r in rows:
        entry = table.setdefault(
            r["project_id"], {"name": r["project_name"], "months": dict.fromkeys(months, 0)}
        )
        entry["months"][r["month"]] = r["amount"]
    for entry in table.values():
        entry["cells"] = [entry["months"][m] for m in months]
        entry["total"] = sum(entry["cells"])
    style_form(form)
    return render(
        request,
        "stores/figures.html",
        {
            "title": _("物料月度消耗"),
            "form": form,
            "months": months,
            "table": list(table.values()),
            "year": year,
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@console_view(Perm.ISSUE_STORES)
def take_parts(request):
    """The technician's phone page: parts for one of my open requests from my project's store."""
    scope = scope_for(request.user)
    tickets = (
        Ticket.objects.visible_to(request.user)
        .filter(assignee_id=scope.staff_id, status__in=OPEN_STATUSES)
        .order_by("-received_at")
    )
    initial = {"ticket": request.GET.get("ticket")} if request.GET.get("ticket") else None
    form = f.TakeForm(request.POST or None, user=request.user, tickets=tickets, initial=initial)
    if request.method == "POST":

        def call(data):
            return services.movement_issue(
                actor=request.user,
                data={
                    "store_id": data["store"].pk,
                    "item_id": data["item"].pk,
                    "quantity": data["quantity"],
                    "ticket_id": data["ticket"].pk,
                },
            )

        saved = save_via_service(request, form, call, field_map=f.FIELD_MAP)
        if saved is not None:
            messages.success(
                request,
                _("已领用 %(item)s × %(n)s，剩余 %(left)s")
                % {
                    "item": saved.item.name,
                    "n": (-saved.quantity).normalize(),
                    "left": saved.on_hand_after.normalize(),
                },
            )
            return redirect(f"{reverse('stores:take')}?ticket={saved.ticket_id}")
    style_form(form)
    ticket_id = request.GET.get("ticket") or (form.data.get("ticket") if form.is_bound else None)
    taken = []
    if ticket_id and str(ticket_id).isdigit():
        taken = (
            Movement.objects.visible_to(request.user)
            .filter(ticket_id=ticket_id)
            .select_related("item", "store")[:20]
        )
    return render(
        request,
        "stores/take.html",
        {"title": _("领料"), "form": form, "taken": taken, "has_tickets": tickets.exists()},
        status=422 if form.is_bound and form.errors else 200,
    )
