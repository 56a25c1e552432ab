"""The bill list as the console shows it, and its export: ``bills_list`` is the one function behind
the page (/billing/) and the file, so the file holds exactly the bills the filter shows."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.billing import selectors
from guanjia.billing.api.bills import BillFilter
from guanjia.billing.choices import BillStatus
from guanjia.billing.forms import BillFilterForm
from guanjia.billing.models import Bill
from guanjia.billing.selectors import q2
from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec, register_export
from guanjia.estates.models import unit_order
from guanjia.estates.selectors import units_matching


def bills(user):
    """The bills the user may see, with what each owes (from the ledger) and its unit."""
    return selectors.with_amounts(Bill.objects.visible_to(user)).select_related("unit__building", "project")


def ordered(queryset):
    return queryset.order_by("-period", *unit_order("unit__"), "id")


def bills_list(user, params) -> tuple[BillFilterForm, object]:
    """(the filter form, the bills it shows) for the console's bill list. An invalid filter is
    ignored (the whole list), as the page always did."""
    form = BillFilterForm(params or None, user=user)
    qs = bills(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["project"]:
            qs = qs.filter(project=data["project"])
        if data["period"]:
            qs = qs.filter(period=data["period"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["q"]:
            qs = qs.filter(unit__in=units_matching(data["q"]))
    return form, ordered(qs)


def unit_label(bill: Bill) -> str:
    return f"{bill.unit.building.name}-{bill.unit.number}"


BILL_COLUMNS = [
    (gettext_lazy("项目"), lambda b: b.project.name),
    (gettext_lazy("房屋"), unit_label),
    (gettext_lazy("账期"), lambda b: b.period),
    (gettext_lazy("类型"), lambda b: b.get_kind_display()),
    (gettext_lazy("应收"), lambda b: q2(b.billed)),
    (gettext_lazy("已缴"), lambda b: q2(b.paid)),
    (gettext_lazy("欠费"), lambda b: q2(b.outstanding)),
    (gettext_lazy("状态"), lambda b: str(BillStatus(b.status).label)),
    (gettext_lazy("缴费截止日"), lambda b: b.due_on.isoformat()),
    (
        gettext_lazy("最近催缴时间"),
        lambda b: timezone.localtime(b.reminded_at).strftime("%Y-%m-%d %H:%M") if b.reminded_at else "",
    ),
]


def register() -> None:
    """Called from ``BillingConfig.ready``."""
    register_export(
        ExportSpec(
            "bills",
            gettext_lazy("账单"),
            Bill,
            BillFilter,
            Perm.VIEW_BILLING,
            BILL_COLUMNS,
            queryset=lambda actor, filters: ordered(filters.filter(bills(actor))),
            page_queryset=lambda actor, params: bills_list(actor, params)[1],
        )
    )
