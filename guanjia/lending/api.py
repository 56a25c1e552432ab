"""REST resources of the lending register: items (with stock on hand) and loans (lend, return,
extend). Residents read their own units' loans; everything else is the desk's."""

import datetime
from typing import Annotated

from django.db.models import Q
from django.utils import timezone
from ninja import Field, FilterLookup, Router

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, RefId, Schema, register_crud
from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm
from guanjia.core.services import visible_or_404
from guanjia.lending import services
from guanjia.lending.choices import LoanState, ReturnCondition
from guanjia.lending.models import LendingItem, Loan

router = Router(tags=["lending"])


class LendingItemOut(Schema):
    id: int
    project_id: int
    name: str
    description: str
    quantity: int
    on_hand: int
    loan_days: int
    is_active: bool


class LendingItemIn(Schema):
    project_id: RefId
    name: str = Field(..., min_length=1, max_length=60)
    description: str = Field("", max_length=200)
    quantity: int = Field(..., ge=0, le=100000)
    loan_days: int = Field(3, ge=1, le=365)
    is_active: bool = True


class LendingItemPatch(Schema):
    name: str = Field(None, min_length=1, max_length=60)
    description: str = Field(None, max_length=200)
    quantity: int = Field(None, ge=0, le=100000)
    loan_days: int = Field(None, ge=1, le=365)
    is_active: bool = None


class LendingItemFilter(FilterSchema):
    project_id: RefId | None = None
    is_active: bool | None = None
    in_stock: bool | None = None
    search: Annotated[str | None, FilterLookup(["name__icontains"])] = Field(None, max_length=60)

    def filter_in_stock(self, value):
        if value is None:
            return Q()
        return Q(on_hand__gt=0) if value else Q(on_hand=0)


register_crud(
    router,
    name="lending_item",
    plural="lending-items",
    model=LendingItem,
    out=LendingItemOut,
    create_in=LendingItemIn,
    update_in=LendingItemPatch,
    filters=LendingItemFilter,
    orderings=["name", "on_hand", "created_at"],
    view_perm=Perm.LEND,
    create=services.item_create,
    update=lambda *, actor, lending_item, data: services.item_update(
        actor=actor, item=lending_item, data=data
    ),
    delete=lambda *, actor, lending_item: services.item_delete(actor=actor, item=lending_item),
)


class LoanOut(Schema):
    id: int
    project_id: int
    item_id: int
    item_name: str = Field(..., alias="item.name")
    unit_id: int
    resident_id: int | None
    borrower_name: str
    borrower_phone: str = Field(..., description="masked")
    id_checked: bool
    id_number_masked: str
    quantity: int
    lent_at: datetime.datetime
    lent_by_id: int | None
    due_on: datetime.date
    overdue: bool
    note: str
    returned_at: datetime.datetime | None
    returned_by_id: int | None
    return_condition: ReturnCondition | None
    return_note: str

    @staticmethod
    def resolve_borrower_phone(obj) -> str:
        return mask_phone(obj.borrower_phone)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.returned_at is None and obj.due_on < timezone.localdate()

    @staticmethod
    def resolve_return_condition(obj):
        return obj.return_condition or None


class LoanIn(Schema):
    item_id: RefId
    unit_id: RefId
    resident_id: RefId | None = Field(None, description="the borrowing resident of the unit, if known")
    borrower_name: str = Field(..., min_length=1, max_length=60)
    borrower_phone: str = Field(..., min_length=5, max_length=20)
    id_checked: bool = False
    id_number: str = Field("", max_length=20, description="seen at the desk; only a masked form is kept")
    quantity: int = Field(1, ge=1, le=1000)
    due_on: datetime.date | None = Field(None, description="default: today + the item's loan days")
    note: str = Field("", max_length=200)


class LoanFilter(FilterSchema):
    project_id: RefId | None = None
    item_id: RefId | None = None
    unit_id: RefId | None = None
    state: LoanState | None = None

    def filter_state(self, value):
        today = timezone.localdate()
        if value == LoanState.OUT:
            return Q(returned_at__isnull=True)
        if value == LoanState.OVERDUE:
            return Q(returned_at__isnull=True, due_on__lt=today)
        if value == LoanState.RETURNED:
            return Q(returned_at__isnull=False)
        return Q()


register_crud(
    router,
    name="loan",
    plural="loans",
    model=Loan,
    out=LoanOut,
    create_in=LoanIn,
    update_in=None,
    filters=LoanFilter,
    orderings=["lent_at", "due_on", "returned_at"],
    view_perm=Perm.LEND,
    create=services.loan_create,
    update=None,
    delete=None,
    select_related=("item",),
    resident_reads=True,
)


class LoanReturnIn(Schema):
    condition: ReturnCondition
    note: str = Field("", max_length=200)


class LoanExtendIn(Schema):
    due_on: datetime.date


def _loan(request, pk):
    return visible_or_404(Loan.objects.select_related("item"), pk, request.user)


@router.post(
    "/loans/{int:pk}/return",
    response={200: LoanOut, **ERROR_RESPONSES},
    operation_id="loan_return",
    summary="Return a loan",
)
def loan_return(request, pk: int, payload: LoanReturnIn):
    """Take the things back with their condition (good / damaged / lost; a note for the last two)."""
    services.loan_return(
        actor=request.user, loan=_loan(request, pk), condition=payload.condition, note=payload.note
    )
    return _loan(request, pk)


@router.post(
    "/loans/{int:pk}/extend",
    response={200: LoanOut, **ERROR_RESPONSES},
    operation_id="loan_extend",
    summary="Extend a loan",
)
def loan_extend(request, pk: int, payload: LoanExtendIn):
    """A later due day agreed with the borrower (续借)."""
    services.loan_extend(actor=request.user, loan=_loan(request, pk), due_on=payload.due_on)
    return _loan(request, pk)
