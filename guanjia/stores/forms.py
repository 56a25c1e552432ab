"""Web forms of the stores. They only shape input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.contractors.models import Contractor
from guanjia.estates.models import Project
from guanjia.stores.choices import ItemKind, MovementKind, PurchaseStatus
from guanjia.stores.models import StockItem, Store
from guanjia.tickets.choices import OPEN_STATUSES
from guanjia.tickets.models import Ticket
from guanjia.web.widgets import DateInput

QTY = {"max_digits": 12, "decimal_places": 2}


class TicketChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} {obj.description[:30]}"


def _stores(user):
    return Store.objects.visible_to(user).filter(is_active=True).order_by("name")


def _items(user):
    return StockItem.objects.visible_to(user).filter(is_active=True).order_by("code")


class ItemForm(forms.Form):
    code = forms.CharField(label=_("物料编码"), max_length=30)
    name = forms.CharField(label=_("物料名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类别"), choices=ItemKind.choices)
    unit = forms.CharField(label=_("单位"), max_length=10)
    spec = forms.CharField(label=_("规格型号"), max_length=80, required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class StockFilterForm(forms.Form):
    store = forms.ModelChoiceField(label=_("仓库"), queryset=Store.objects.none(), required=False)
    search = forms.CharField(label=_("物料"), max_length=60, required=False)
    below_min = forms.BooleanField(label=_("低于最低库存"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = _stores(user)


class MovementFilterForm(forms.Form):
    store = forms.ModelChoiceField(label=_("仓库"), queryset=Store.objects.none(), required=False)
    item = forms.ModelChoiceField(label=_("物料"), queryset=StockItem.objects.none(), required=False)
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", "---------"), *MovementKind.choices], required=False
    )
    since = forms.DateField(label=_("起"), required=False, widget=DateInput())
    until = forms.DateField(label=_("止"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = _stores(user)
        self.fields["item"].queryset = _items(user)


class MovementForm(forms.Form):
    """Receive, issue or transfer; the fields that do not apply to the kind are removed."""

    store = forms.ModelChoiceField(label=_("仓库"), queryset=Store.objects.none())
    to_store = forms.ModelChoiceField(label=_("调入仓库"), queryset=Store.objects.none())
    item = forms.ModelChoiceField(label=_("物料"), queryset=StockItem.objects.none())
    quantity = forms.DecimalField(label=_("数量"), **QTY)
    unit_cost = forms.DecimalField(label=_("单价(元)"), **QTY)
    ticket = TicketChoiceField(label=_("维修单"), queryset=Ticket.objects.none(), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    FIELDS = {
        "receive": ("store", "item", "quantity", "unit_cost", "note"),
        "issue": ("store", "item", "quantity", "ticket", "note"),
        "transfer": ("store", "to_store", "item", "quantity", "note"),
    }

    def __init__(self, *args, user, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.FIELDS[kind]:
                del self.fields[name]
        stores = _stores(user)
        if kind == "issue":
            stores = stores.filter(project__isnull=False)
        self.fields["store"].queryset = stores
        if "to_store" in self.fields:
            self.fields["to_store"].queryset = _stores(user)
        self.fields["item"].queryset = _items(user)
        if "ticket" in self.fields:
            self.fields["ticket"].queryset = (
                Ticket.objects.visible_to(user).filter(status__in=OPEN_STATUSES).order_by("-received_at")
            )
            self.fields["ticket"].required = True

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("store", "to_store", "item", "ticket"):
            if name in data:
                value = data.pop(name)
                data[f"{name}_id"] = value.pk if value else None
        return data


FIELD_MAP = {"store_id": "store", "to_store_id": "to_store", "item_id": "item", "ticket_id": "ticket"}


class ReturnForm(forms.Form):
    quantity = forms.DecimalField(label=_("退回数量"), **QTY)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class LevelForm(forms.Form):
    item = forms.ModelChoiceField(label=_("物料"), queryset=StockItem.objects.none())
    min_level = forms.DecimalField(label=_("最低库存"), **QTY)
    reorder_quantity = forms.DecimalField(label=_("请购数量"), required=False, **QTY)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items(user)


class PurchaseFilterForm(forms.Form):
    store = forms.ModelChoiceField(label=_("仓库"), queryset=Store.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", "---------"), ("open", _("未完成")), *PurchaseStatus.choices],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = _stores(user)


class PurchaseForm(forms.Form):
    store = forms.ModelChoiceField(label=_("仓库"), queryset=Store.objects.none())
    item = forms.ModelChoiceField(label=_("物料"), queryset=StockItem.objects.none())
    quantity = forms.DecimalField(label=_("数量"), **QTY)
    unit_price = forms.DecimalField(label=_("预估单价(元)"), required=False, **QTY)
    reason = forms.CharField(label=_("请购事由"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = _stores(user)
        self.fields["item"].queryset = _items(user)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["store_id"] = data.pop("store").pk
        data["item_id"] = data.pop("item").pk
        return data


class OrderForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("供应商"), queryset=Contractor.objects.none())
    unit_price = forms.DecimalField(label=_("订货单价(元)"), required=False, **QTY)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Contractor.objects.visible_to(user).filter(
            supplies_goods=True, is_active=True
        )


class FiguresForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class TakeForm(forms.Form):
    """The technician's phone form: parts for one of my requests from my project's store."""

    ticket = TicketChoiceField(label=_("我的维修单"), queryset=Ticket.objects.none())
    store = forms.ModelChoiceField(label=_("仓库"), queryset=Store.objects.none())
    item = forms.ModelChoiceField(label=_("物料"), queryset=StockItem.objects.none())
    quantity = forms.DecimalField(label=_("数量"), initial=1, **QTY)

    def __init__(self, *args, user, tickets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket"].queryset = tickets
        self.fields["store"].queryset = _stores(user).filter(project__isnull=False)
        self.fields["item"].queryset = _items(user)
