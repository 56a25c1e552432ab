"""The register of outside firms: add, change, deactivate (a firm with a contract in force stays)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.contractors.choices import ContractorCategory, ContractStatus
from guanjia.contractors.models import Contractor
from guanjia.core.errors import Conflict
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import apply_changes, lock, save_validated, service

CONTRACTOR_FIELDS = {
    "name",
    "category",
    "supplies_goods",
    "provides_services",
    "credit_code",
    "contact_name",
    "phone",
    "address",
    "note",
    "is_active",
}


def _clean(contractor: Contractor) -> None:
    for field in ("name", "credit_code", "contact_name", "phone", "address", "note"):
        setattr(contractor, field, str(getattr(contractor, field) or "").strip())
    if not contractor.name:
        raise ValidationError({"name": _("请填写单位名称")})
    if contractor.category not in ContractorCategory.values:
        raise ValidationError({"category": _("“%(value)s” 不是有效的选项") % {"value": contractor.category}})
    code = contractor.credit_code.upper()
    if code and (len(code) != 18 or not code.isalnum()):
        raise ValidationError({"credit_code": _("统一社会信用代码应为18位字母或数字")})
    contractor.credit_code = code
    if contractor.phone and not all(c.isdigit() or c in "+- " for c in contractor.phone):
        raise ValidationError({"phone": _("请填写有效的联系电话")})


@service
def contractor_create(*, actor, data: dict) -> Contractor:
    """A new firm in the company's register."""
    require(actor, Perm.MANAGE_CONTRACTS)
    contractor = Contractor(company_id=scope_for(actor).company_id)
    apply_changes(contractor, {k: v for k, v in data.items() if v is not None}, allowed=CONTRACTOR_FIELDS)
    _clean(contractor)
    save_validated(contractor)
    return contractor


@service
def contractor_update(*, actor, contractor: Contractor, data: dict) -> Contractor:
    """Change a firm's details; ``is_active=False`` deactivates it (see ``contractor_deactivate``)."""
    require(actor, Perm.MANAGE_CONTRACTS)
    contractor = lock(contractor)
    data = {k: v for k, v in data.items() if v is not None}
    if data.get("is_active") is False and contractor.is_active:
        _check_no_contract_in_force(contractor)
    apply_changes(contractor, data, allowed=CONTRACTOR_FIELDS)
    _clean(contractor)
    save_validated(contractor)
    return contractor


def _check_no_contract_in_force(contractor: Contractor) -> None:
    if contractor.contracts.filter(status=ContractStatus.ACTIVE).exists():
        raise Conflict(_("该单位仍有履行中的合同，请先终止或等待合同到期"))


@service
def contractor_deactivate(*, actor, contractor: Contractor) -> Contractor:
    """Stop working with a firm: it stays in the register (and on old contracts and orders), marked
    not active, and is no longer offered for new contracts. Refused while a contract is in force."""
    require(actor, Perm.MANAGE_CONTRACTS)
    contractor = lock(contractor)
    _check_no_contract_in_force(contractor)
    if contractor.is_active:
        contractor.is_active = False
        contractor.save()
    return contractor
