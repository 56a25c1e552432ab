"""The register and the contract list as files (``/data/export/contractors.xlsx``,
``/data/export/contracts.xlsx`` with the page's filters, and the API's ``/exports/…``)."""

from django.utils.translation import gettext_lazy

from guanjia.contractors.api import ContractFilter, ContractorFilter
from guanjia.contractors.models import Contract, Contractor
from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec

CONTRACTOR_EXPORT = ExportSpec(
    "contractors",
    gettext_lazy("供应商与外包单位"),
    Contractor,
    ContractorFilter,
    Perm.VIEW_CONTRACTS,
    [
        (gettext_lazy("单位名称"), lambda c: c.name),
        (gettext_lazy("主营类别"), lambda c: c.get_category_display()),
        (gettext_lazy("供应物资"), lambda c: "✓" if c.supplies_goods else ""),
        (gettext_lazy("提供外包服务"), lambda c: "✓" if c.provides_services else ""),
        (gettext_lazy("统一社会信用代码"), lambda c: c.credit_code),
        (gettext_lazy("联系人"), lambda c: c.contact_name),
        (gettext_lazy("联系电话"), lambda c: c.phone),
        (gettext_lazy("地址"), lambda c: c.address),
        (gettext_lazy("合作中"), lambda c: "✓" if c.is_active else ""),
        (gettext_lazy("备注"), lambda c: c.note),
    ],
)

CONTRACT_EXPORT = ExportSpec(
    "contracts",
    gettext_lazy("外包合同"),
    Contract,
    ContractFilter,
    Perm.VIEW_CONTRACTS,
    [
        (gettext_lazy("合同编号"), lambda c: c.number),
        (gettext_lazy("合同名称"), lambda c: c.title),
        (gettext_lazy("外包单位"), lambda c: c.contractor.name),
        (gettext_lazy("类别"), lambda c: c.get_category_display()),
        (gettext_lazy("覆盖项目"), lambda c: "、".join(p.name for p in c.projects.all())),
        (gettext_lazy("覆盖设备数"), lambda c: len(c.equipment.all())),
        (gettext_lazy("开始日期"), lambda c: c.starts_on.isoformat()),
        (gettext_lazy("结束日期"), lambda c: c.ends_on.isoformat()),
        (gettext_lazy("合同金额(元)"), lambda c: c.amount),
        (gettext_lazy("负责人"), lambda c: c.owner.name),
        (gettext_lazy("状态"), lambda c: c.get_status_display()),
        (gettext_lazy("续签决定"), lambda c: c.get_decision_display() if c.decision else ""),
    ],
    select_related=("contractor", "owner"),
    prefetch_related=("projects", "equipment"),
)
