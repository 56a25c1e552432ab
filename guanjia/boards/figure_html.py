"""The figures page's table rows, written in Python.

The figures table is one row per period and group: 800 rows of 20 cells for a monthly table of
200 projects, 4,000 at 1,000 projects. Through the template language each cell's number went
through localisation and each on-time cell through ``{% blocktranslate %}``: 0.4–1.3 s a page at
200 projects, nearly all of it in those rows (docs/performance.md). Here each row is one
``format_html`` call, with the same cells, classes, test ids and titles the template wrote; the
page's head, charts and hints stay in ``boards/figures.html``.

Numbers are written as the template wrote them in the site's languages (zh-hans and English: no
thousands separator, "." before decimals); rates are whole percents rounded as ``{% widthratio %}``
rounds them.
"""

from __future__ import annotations

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

_NONE = "—"


def _percent(part: float, whole: float) -> str:
    return f"{round(part / whole * 100)}%"


def _rate_percent(rate: float | None) -> str:
    return _NONE if rate is None else _percent(rate, 1)


def _or_none(value) -> str:
    """``{{ value|default:"—" }}``: nothing, zero or an empty mean shows as a dash."""
    return str(value) if value else _NONE


def _on_time_cells(stages: list[dict], title: str) -> str:
    return "".join(
        format_html(
            '<td class="text-end" title="{}">{}</td>',
            title
            % {"on_time": s["on_time"], "done": s["done"], "missed": s["missed"], "stopped": s["stopped"]},
            _NONE if s["rate"] is None else _percent(s["on_time"], s["done"]),
        )
        for s in stages
    )


def _time_cells(times: list[dict]) -> str:
    return "".join(
        format_html(
            '<td class="text-end text-nowrap" data-testid="time-{}">{}</td>',
            t["stage"],
            f"{t['mean']} / {t['median']} / {t['p90']}" if t["count"] else _NONE,
        )
        for t in times
    )


def table_rows(rows: list[dict], *, people_group: bool) -> SafeString:
    """The ``<tbody>`` rows of the figures table (``figure_table.figures()``'s rows)."""
    if not rows:
        return format_html(
            '<tr><td colspan="20" class="text-center text-body-secondary py-4">{}</td></tr>',
            _("所选区间内没有数据"),
        )
    # Translated once per table, not once per row (a lookup costs ~10 µs).
    on_time_title = _("按时 %(on_time)s / 判定 %(done)s，超时 %(missed)s，取消停止 %(stopped)s")
    out = []
    for r in rows:
        named = (
            f'<td class="text-end" data-testid="complaints-named">{r["complaints_named"]}</td>'
            if people_group
            else ""
        )
        out.append(
            "<tr>"
            f"<td>{r['period'].isoformat()}</td><td>{escape(r['label'])}</td>"
            f'<td class="text-end">{r["completed"]}</td>'
            f"{_on_time_cells(r['on_time'], on_time_title)}"
            f'<td class="text-end">{_rate_percent(r["follow_up_rate"])}</td>'
            f'<td class="text-end" data-testid="follow-up-calls">{r["follow_up_calls"]}</td>'
            f'<td class="text-end">{_rate_percent(r["follow_up_satisfied_rate"])}</td>'
            f'<td class="text-end">{_or_none(r["follow_up_score"]["mean"])}</td>'
            f'<td class="text-end">{_or_none(r["rating"]["mean"])}</td>'
            f'<td class="text-end" data-testid="rework">{r["rework"]}</td>'
            f'<td class="text-end">{_rate_percent(r["rework_rate"])}</td>'
            f'<td class="text-end" data-testid="complaints">{r["complaints"]}</td>'
            f"{named}"
            f'<td class="text-end" data-testid="households">{r["households"]}</td>'
            f'<td class="text-end">{_or_none(r["complaints_per_1000"])}</td>'
            f"{_time_cells(r['times'])}"
            "</tr>"
        )
    # Every value above is a number the selector computed, or escaped (labels, titles).
    return mark_safe("\n".join(out))  # noqa: S308
