"""The monthly attendance sheet as a file for payroll (``/data/export/attendance.xlsx?month=…`` and
the API's ``/exports/attendance``): exactly the rows of the attendance page."""

from django.utils.translation import gettext_lazy

from guanjia.core.api import FilterSchema
from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec
from guanjia.rotas.models import Shift
from guanjia.rotas.selectors import attendance_sheet
from guanjia.staff.choices import Department


class RotaAttendanceFilter(FilterSchema):
    month: str | None = None
    project_id: int | None = None
    department: Department | None = None


def _page_rows(actor, params):
    project = str(params.get("project") or params.get("project_id") or "")
    department = str(params.get("department") or "")
    return attendance_sheet(
        actor,
        month=params.get("month") or None,
        project_id=int(project) if project.isdigit() else None,
        department=department if department in Department.values else "",
    )


def _api_rows(actor, filters: RotaAttendanceFilter):
    return attendance_sheet(
        actor, month=filters.month, project_id=filters.project_id, department=filters.department or ""
    )


_departments = dict(Department.choices)

ATTENDANCE_EXPORT = ExportSpec(
    "attendance",
    gettext_lazy("月度考勤表"),
    Shift,
    RotaAttendanceFilter,
    Perm.VIEW_ROTAS,
    [
        (gettext_lazy("工号"), lambda r: r["staff__employee_no"]),
        (gettext_lazy("姓名"), lambda r: r["staff__name"]),
        (
            gettext_lazy("部门"),
            lambda r: str(_departments.get(r["staff__department"], r["staff__department"])),
        ),
        (gettext_lazy("排班数"), lambda r: r["planned"]),
        (gettext_lazy("出勤工时(小时)"), lambda r: round(r["worked_minutes"] / 60, 2)),
        (gettext_lazy("迟到次数"), lambda r: r["late"]),
        (gettext_lazy("迟到(分钟)"), lambda r: r["late_minutes"]),
        (gettext_lazy("缺勤次数"), lambda r: r["absent"]),
        (gettext_lazy("换入班次"), lambda r: r["swapped_in"]),
        (gettext_lazy("换出班次"), lambda r: r["swapped_out"]),
    ],
    queryset=_api_rows,
    page_queryset=_page_rows,
)
