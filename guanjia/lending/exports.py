"""The loan list as a file (``/data/export/loans.xlsx`` with the page's filters, and the API's
``/exports/loans``): what the desk's list shows, every page."""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec
from guanjia.lending.api import LoanFilter
from guanjia.lending.models import Loan


def _state(loan) -> str:
    if loan.returned_at is not None:
        return str(gettext_lazy("已归还"))
    if loan.due_on < timezone.localdate():
        return str(gettext_lazy("逾期未还"))
    return str(gettext_lazy("借出中"))


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


LOAN_EXPORT = ExportSpec(
    "loans",
    gettext_lazy("物品借用登记"),
    Loan,
    LoanFilter,
    Perm.LEND,
    [
        (gettext_lazy("项目"), lambda loan: loan.project.name),
        (gettext_lazy("物品"), lambda loan: loan.item.name),
        (gettext_lazy("数量"), lambda loan: loan.quantity),
        (gettext_lazy("房屋"), lambda loan: f"{loan.unit.building.name}-{loan.unit.number}"),
        (gettext_lazy("借用人"), lambda loan: loan.borrower_name),
        (gettext_lazy("联系电话"), lambda loan: mask_phone(loan.borrower_phone)),
        (gettext_lazy("已核验证件"), lambda loan: "✓" if loan.id_checked else ""),
        (gettext_lazy("证件号(脱敏)"), lambda loan: loan.id_number_masked),
        (gettext_lazy("借出时间"), lambda loan: _when(loan.lent_at)),
        (gettext_lazy("应还日期"), lambda loan: loan.due_on.isoformat()),
        (gettext_lazy("状态"), _state),
        (gettext_lazy("归还时间"), lambda loan: _when(loan.returned_at)),
        (
            gettext_lazy("归还状况"),
            lambda loan: loan.get_return_condition_display() if loan.return_condition else "",
        ),
        (gettext_lazy("归还说明"), lambda loan: loan.return_note),
    ],
    select_related=("project", "item", "unit__building"),
)
