"""The figures table as an .xlsx workbook with Chinese headers (one row per period and group)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from guanjia.boards import words
from guanjia.boards.models import TIMED_STAGES
from guanjia.dataio.spreadsheets import XLSX_TYPE, sheets_to_xlsx
from guanjia.sla.choices import Stage

TIMED = [Stage(s) for s in TIMED_STAGES]

__all__ = ["XLSX_TYPE", "figure_headers", "figure_rows", "figures_xlsx"]


def _pct(value):
    return None if value is None else round(value * 100, 1)


def figure_headers(group_label: str, group_by: str = "project") -> list[str]:
    headers = [_("周期"), str(group_label), _("完工数")]
    headers += [_("%(stage)s及时率(%%)") % {"stage": s.label} for s in Stage]
    complaints, named = words.complaint_label(group_by), words.named_label()
    headers += [
        _("回访率(%)"),
        _("回访次数"),
        _("回访满意率(%)"),
        _("回访满意度均分"),
        _("业主评分均分"),
        _("返工次数"),
        _("返工率(%)"),
        complaints,
        named,
        _("在住户数"),
        _("千户投诉率") + f"({complaints})",
        _("千户投诉率") + f"({named})",
        _("平均到场时长(分钟)"),
        _("平均完工时长(分钟)"),
    ]
    headers += [_("回访%(score)s分") % {"score": s} for s in range(1, 6)]
    # The clocks in full (docs/figures.md, "Request clocks"): judged, missed, stopped per stage;
    # the first round's times per timed stage.
    for s in Stage:
        headers += [
            _("%(stage)s时限判定数") % {"stage": s.label},
            _("%(stage)s超时数") % {"stage": s.label},
            _("%(stage)s取消停止数") % {"stage": s.label},
        ]
    for s in TIMED:
        headers += [
            _("%(stage)s时长均值(分钟)") % {"stage": s.label},
            _("%(stage)s时长中位数(分钟)") % {"stage": s.label},
            _("%(stage)s时长P90(分钟)") % {"stage": s.label},
        ]
    return headers


def figure_rows(data: dict):
    for r in data["rows"]:
        line = [r["period"].isoformat(), r["label"], r["completed"]]
        line += [_pct(s["rate"]) for s in r["on_time"]]
        line += [
            _pct(r["follow_up_rate"]),
            r["follow_up_calls"],
            _pct(r["follow_up_satisfied_rate"]),
            r["follow_up_score"]["mean"],
            r["rating"]["mean"],
            r["rework"],
            _pct(r["rework_rate"]),
            r["complaints"],
            r["complaints_named"],
            r["households"],
            r["complaints_per_1000"],
            r["complaints_named_per_1000"],
            r["arrive_minutes"],
            r["complete_minutes"],
        ]
        line += r["follow_up_score"]["distribution"]
        for s in r["on_time"]:
            line += [s["done"], s["missed"], s["stopped"]]
        for t in r["times"]:
            line += [t["mean"], t["median"], t["p90"]]
        yield line


def figures_xlsx(data: dict, *, group_label: str) -> bytes:
    def rows():
        yield figure_headers(group_label, data["group_by"])
        yield from figure_rows(data)

    return sheets_to_xlsx([(_("服务指标"), rows())])
