"""The gate's lists as files (``/data/export/<name>.xlsx``, ``GET /api/v1/exports/<name>``): the log
of a gate and day, the vehicle register (what the vehicle-accident plan asks for), temporary
vehicles with their fees, and the access cards (the guard's "to deactivate" list)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm
from guanjia.dataio.exporting import ExportSpec, parse_filters
from guanjia.gate import selectors
from guanjia.gate.models import AccessCard, GateLogEntry, TemporaryVisit, Vehicle


def _t(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _unit(row) -> str:
    unit = row.unit
    return f"{unit.building.name}-{unit.number}" if unit else ""


def _page(spec_name, rows):
    def page_queryset(actor, params):
        return rows(actor, parse_filters(BY_NAME[spec_name], params))

    return page_queryset


LOG_EXPORT = ExportSpec(
    "gate_log",
    gettext_lazy("门岗记录"),
    GateLogEntry,
    selectors.GateLogFilter,
    Perm.GATE_DUTY,
    [
        (gettext_lazy("时间"), lambda e: _t(e.time)),
        (gettext_lazy("项目"), lambda e: e.project.name),
        (gettext_lazy("门岗"), lambda e: e.gate.name),
        (gettext_lazy("事件"), lambda e: e.get_kind_display()),
        (gettext_lazy("访客"), lambda e: e.visitor_pass.visitor_name if e.visitor_pass else ""),
        (gettext_lazy("房屋"), _unit),
        (gettext_lazy("车牌号"), lambda e: e.plate),
        (gettext_lazy("卡号"), lambda e: e.card_number),
        (gettext_lazy("值班人"), lambda e: e.guard.get_full_name() if e.guard else gettext_lazy("设备")),
        (gettext_lazy("说明"), lambda e: e.note),
    ],
    queryset=selectors.log_rows,
    page_queryset=_page("gate_log", selectors.log_rows),
)

VEHICLE_EXPORT = ExportSpec(
    "vehicles",
    gettext_lazy("车辆登记"),
    Vehicle,
    selectors.VehicleFilter,
    Perm.GATE_DUTY,
    [
        (gettext_lazy("项目"), lambda v: v.project.name),
        (gettext_lazy("车牌号"), lambda v: v.plate),
        (gettext_lazy("房屋"), _unit),
        (gettext_lazy("车主"), lambda v: v.owner.name if v.owner else ""),
        (gettext_lazy("车主电话"), lambda v: mask_phone(v.owner.phone) if v.owner else ""),
        (gettext_lazy("品牌型号"), lambda v: v.model_name),
        (gettext_lazy("颜色"), lambda v: v.color),
        (gettext_lazy("备注"), lambda v: v.note),
    ],
    queryset=selectors.vehicle_rows,
    page_queryset=_page("vehicles", selectors.vehicle_rows),
)

TEMPORARY_EXPORT = ExportSpec(
    "temporary_vehicles",
    gettext_lazy("临时车进出"),
    TemporaryVisit,
    selectors.TemporaryVisitFilter,
    Perm.GATE_DUTY,
    [
        (gettext_lazy("项目"), lambda v: v.project.name),
        (gettext_lazy("车牌号"), lambda v: v.plate),
        (gettext_lazy("入场时间"), lambda v: _t(v.entered_at)),
        (gettext_lazy("入场门岗"), lambda v: v.entry_gate.name),
        (gettext_lazy("出场时间"), lambda v: _t(v.left_at)),
        (gettext_lazy("出场门岗"), lambda v: v.exit_gate.name if v.exit_gate else ""),
        (gettext_lazy("应收(元)"), lambda v: v.fee),
        (gettext_lazy("实收(元)"), lambda v: v.paid),
        (gettext_lazy("付款方式"), lambda v: v.get_pay_method_display()),
        (gettext_lazy("收费员"), lambda v: v.cashier.get_full_name() if v.cashier else ""),
    ],
    queryset=selectors.temporary_rows,
    page_queryset=_page("temporary_vehicles", selectors.temporary_rows),
)

CARD_EXPORT = ExportSpec(
    "access_cards",
    gettext_lazy("门禁卡"),
    AccessCard,
    selectors.AccessCardFilter,
    Perm.GATE_DUTY,
    [
        (gettext_lazy("项目"), lambda c: c.project.name),
        (gettext_lazy("卡号"), lambda c: c.number),
        (gettext_lazy("持卡人类型"), lambda c: c.get_holder_kind_display()),
        (gettext_lazy("持卡人"), lambda c: c.holder_name),
        (gettext_lazy("房屋"), _unit),
        (gettext_lazy("有效期自"), lambda c: c.valid_from.isoformat()),
        (gettext_lazy("有效期至"), lambda c: c.valid_until.isoformat() if c.valid_until else ""),
        (gettext_lazy("注销时间"), lambda c: _t(c.revoked_at)),
        (gettext_lazy("注销原因"), lambda c: c.get_revoke_reason_display()),
        (gettext_lazy("门禁系统已停用"), lambda c: _t(c.deactivated_at)),
    ],
    queryset=selectors.card_rows,
    page_queryset=_page("access_cards", selectors.card_rows),
)

EXPORTS = (LOG_EXPORT, VEHICLE_EXPORT, TEMPORARY_EXPORT, CARD_EXPORT)
BY_NAME = {spec.name: spec for spec in EXPORTS}
