"""Pages of the lending register: the desk's items and loans (lend, return, the overdue list, the
export) in the console, and a resident's own loans in the portal. Thin: reads through
``selectors``, writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import scope_for, user_can
from guanjia.core.services import visible_or_404
from guanjia.lending import selectors, services
from guanjia.lending.forms import ItemForm, LoanFilterForm, LoanForm, ReturnForm
from guanjia.lending.models import LendingItem, Loan
from guanjia.web.helpers import (
    console_view,
    detail_context,
    list_page,
    render_form,
    save_via_service,
    style_form,
)


@console_view(Perm.LEND)
def item_list(request):
    return render(
        request,
        "lending/item_list.html",
        {
            "title": _("借用物品"),
            "items": selectors.items(request.user),
            "can_manage": user_can(request.user, Perm.MANAGE_LENDING),
        },
    )


@console_view(Perm.MANAGE_LENDING)
def item_edit(request, pk=None):
    item = visible_or_404(LendingItem.objects, pk, request.user) if pk else None
    initial = None
    if item is not None:
        initial = {k: getattr(item, k) for k in ("name", "description", "quantity", "loan_days", "is_active")}
    form = ItemForm(request.POST or None, user=request.user, editing=item is not None, initial=initial)
    if request.method == "POST":
        if item is None:
            call = lambda data: services.item_create(actor=request.user, data=form.service_data())  # noqa: E731
        else:
            call = lambda data: services.item_update(actor=request.user, item=item, data=form.service_data())  # noqa: E731
        saved = save_via_service(request, form, call, field_map={"project_id": "project"})
        if saved is not None:
            messages.success(request, _("已保存物品 %(name)s") % {"name": saved.name})
            return redirect("lending:items")
    title = _("编辑借用物品") if item else _("新建借用物品")
    return render_form(request, form, title=title, cancel_url=reverse("lending:items"))


@console_view(Perm.LEND)
def loan_list(request):
    form = LoanFilterForm(request.GET or None, user=request.user)
    qs = selectors.loans(request.user, form.cleaned_data if form.is_valid() else {})
    style_form(form)
    return list_page(
        request,
        queryset=qs,
        fragment="lending/_loan_table.html",
        template="lending/loan_list.html",
        context={"title": _("物品借用"), "filter_form": form, "today": timezone.localdate()},
    )


@console_view(Perm.LEND)
def loan_create(request):
    initial = {"item": request.GET.get("item")} if request.GET.get("item", "").isdigit() else None
    form = LoanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        saved = save_via_service(
            request,
            form,
            lambda data: services.loan_create(actor=request.user, data=form.service_data()),
            field_map={"item_id": "item", "unit_id": "unit", "resident_id": "unit"},
        )
        if saved is not None:
            messages.success(
                request, _("已借出：%(item)s ×%(n)s") % {"item": saved.item.name, "n": saved.quantity}
            )
            return redirect("lending:loan", pk=saved.pk)
    return render_form(request, form, title=_("借出登记"), cancel_url=reverse("lending:loans"))


@console_view(Perm.LEND)
def loan_detail(request, pk):
    loan = visible_or_404(
        Loan.objects.select_related("item", "unit__building", "project", "lent_by", "returned_by"),
        pk,
        request.user,
    )
    ctx = detail_context(
        loan,
        request.user,
        title=_("借用登记"),
        loan=loan,
        overdue=loan.returned_at is None and loan.due_on < timezone.localdate(),
        return_form=style_form(ReturnForm()),
        reminders=list(loan.reminders.all()),
    )
    return render(request, "lending/loan_detail.html", ctx)


@require_POST
@console_view(Perm.LEND)
def loan_return(request, pk):
    loan = visible_or_404(Loan.objects, pk, request.user)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择归还状况"))
        return redirect("lending:loan", pk=pk)
    try:
        services.loan_return(
            actor=request.user,
            loan=loan,
            condition=form.cleaned_data["condition"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已归还"))
    return redirect("lending:loan", pk=pk)


# The resident's portal ----------------------------------------------------------------------------


@console_view()
def portal_loans(request):
    if not scope_for(request.user).is_resident:
        return redirect("home")
    return render(
        request,
        "lending/portal_loans.html",
        {"title": _("我的借用"), "loans": selectors.mine(request.user), "today": timezone.localdate()},
    )
