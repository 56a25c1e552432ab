"""Delivery reports (短信状态回执): what the provider later learnt from the carrier about a sent SMS.

Tencent Cloud posts a JSON list of ``{"sid", "report_status": "SUCCESS"|"FAIL", "errmsg",
"description", "user_receive_time", "mobile", "nationcode"}`` (``sid`` is the SerialNo SendSms
returned); Aliyun's HTTP batch push (SmsReport) a JSON list of ``{"biz_id", "out_id", "success",
"err_code", "err_msg", "report_time", "phone_number", "sms_size"}``. Each report is recorded on the
notification it names — delivered or undelivered, when, and why — once: a report sent again (the
providers retry) changes nothing.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from guanjia.notifications.models import Channel, Notification, Report

OUT_ID_PREFIX = "guanjia-"


def _time(value) -> datetime.datetime:
    """The provider's "2026-12-03 08:03:04" (Beijing time); now when missing or unreadable."""
    try:
        return timezone.make_aware(datetime.datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S"))
    except (TypeError, ValueError):
        return timezone.now()


def _parse_tencent(item: dict) -> tuple[str, int | None, str, datetime.datetime, str]:
    delivered = str(item.get("report_status", "")).upper() == "SUCCESS"
    reason = " ".join(str(item.get(k) or "") for k in ("errmsg", "description")).strip()
    return (
        str(item.get("sid") or ""),
        None,
        Report.DELIVERED if delivered else Report.UNDELIVERED,
        _time(item.get("user_receive_time")),
        reason,
    )


def _parse_aliyun(item: dict) -> tuple[str, int | None, str, datetime.datetime, str]:
    delivered = item.get("success") in (True, "true", "True")
    out_id = str(item.get("out_id") or "")
    suffix = out_id.removeprefix(OUT_ID_PREFIX)
    pk = int(suffix) if out_id.startswith(OUT_ID_PREFIX) and suffix.isdigit() else None
    reason = " ".join(str(item.get(k) or "") for k in ("err_code", "err_msg")).strip()
    return (
        str(item.get("biz_id") or ""),
        pk,
        Report.DELIVERED if delivered else Report.UNDELIVERED,
        _time(item.get("report_time")),
        reason,
    )


PARSERS = {"tencent": _parse_tencent, "aliyun": _parse_aliyun}


def record_reports(*, provider: str, items: list) -> int:
    """Record each report on its notification (found by the provider's id); how many were new.

    Idempotent: only a notification without a report yet takes one (one conditional UPDATE each)."""
    parse = PARSERS[provider]
    recorded = 0
    for item in items:
        if not isinstance(item, dict):
            continue
        message_id, pk, report, at, reason = parse(item)
        if not message_id and pk is None:
            continue
        rows = Notification.objects.filter(channel=Channel.SMS, report="")
        rows = rows.filter(provider_message_id=message_id) if message_id else rows.filter(pk=pk)
        recorded += rows.update(
            report=report, reported_at=at, report_error=reason[:200], updated_at=timezone.now()
        )
    return recorded
