"""Checklists to and from .xlsx with the seed table's columns; the figures as a workbook."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.dataio.spreadsheets import sheets_to_xlsx
from guanjia.quality.choices import Frequency
from guanjia.quality.selectors import score_hint
from guanjia.quality.services import template_rows

# The seed table's columns as the file format (the same in every language, like the rows' words).
SEED_HEADERS = [
    "文件名称",
    "检查内容",
    "检查方式",
    "检查频率",
    "检查比例",
    "检查方法",
    "评价标准",
    "权重",
    "设施类",
]


def template_headers() -> list[str]:
    # The seed's table: 文件名称 检查内容 检查方式 检查频率 检查比例 检查方法 评价标准; then our two columns.
    return [
        _("文件名称"),
        _("检查内容"),
        _("检查方式"),
        _("检查频率"),
        _("检查比例"),
        _("检查方法"),
        _("评价标准"),
        _("权重"),
        _("设施类"),
    ]


# The sheet speaks the seed's words whatever the user's language, so a file imports anywhere.
SEED_FREQUENCY_WORDS = {Frequency.MONTHLY: "月度", Frequency.QUARTERLY: "季度", Frequency.YEARLY: "年度"}

HEADER_KEYS = [
    "section",
    "standard",
    "methods",
    "frequency",
    "sample",
    "check",
    "criterion",
    "weight",
    "physical",
]


def template_xlsx(template) -> bytes:
    def rows():
        yield SEED_HEADERS
        for row in template_rows(template):
            yield [
                row["section"],
                row["standard"],
                "、".join(row["methods"]),
                SEED_FREQUENCY_WORDS[row["frequency"]],
                row["sample"],
                row["check"],
                row["criterion"],
                float(row["weight"]),
                "是" if row["physical"] else "",
            ]

    return sheets_to_xlsx([(_("核查表"), rows())])


def read_template_xlsx(upload) -> list[dict]:
    """Rows of an uploaded checklist workbook; the header row must name the seed's columns."""
    from openpyxl import load_workbook  # heavy; loaded only when a workbook is read

    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:
        raise ValidationError({"file": _("无法读取该文件，请上传 .xlsx")}) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows, ())]
    if header[:7] not in (SEED_HEADERS[:7], template_headers()[:7]):
        raise ValidationError({"file": _("表头须为：%(cols)s") % {"cols": "、".join(SEED_HEADERS)}})
    out = []
    for values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        cells = list(values) + [None] * (len(HEADER_KEYS) - len(values))
        out.append({key: cells[i] for i, key in enumerate(HEADER_KEYS)})
    if not out:
        raise ValidationError({"file": _("文件中没有条目")})
    return out


def _num(value):
    return float(value) if value is not None else None


def figures_xlsx(data: dict) -> bytes:
    ranking = []
    if data.get("start"):
        ranking.append([_("统计区间"), f"{data['start']:%Y-%m-%d} ~ {data['end']:%Y-%m-%d}"])
    ranking.append([_("排名"), _("项目"), _("核查次数"), _("检查条目数"), _("核查得分")])
    ranking += [
        [n, row["project__name"], row["n"], row["checked"], _num(row["score"])]
        for n, row in enumerate(data["ranking"], start=1)
    ]
    sections = [[_("检查项目"), _("得分")]]
    sections += [[row["item__section__title"], _num(row["score"])] for row in data["sections"]]
    failed = [[_("条目编号"), _("检查内容"), _("不合格次数")]]
    failed += [[row["item__key"], row["item__standard"], row["n"]] for row in data["failed_most"]]
    actions = [
        [
            _("已关闭整改"),
            _("按期完成"),
            _("按期率(%)"),
            _("超期未完成"),
            _("不合格项"),
            _("重复发生"),
            _("重复率(%)"),
        ],
        [
            data["ca_closed"],
            data["ca_on_time"],
            _num(data["ca_on_time_pct"]),
            data["ca_open_overdue"],
            data["nc_total"],
            data["nc_recurring"],
            _num(data["recurrence_pct"]),
        ],
    ]
    return sheets_to_xlsx(
        [
            (_("项目排名"), ranking),
            (_("分类得分"), sections),
            (_("高频不合格"), failed),
            (_("整改与重复"), actions),
            (_("口径"), [[_("核查得分"), score_hint()]]),
        ]
    )
