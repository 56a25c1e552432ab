"""The demo's SMS settings: a signature and templates for the kinds the demo sends by SMS, so the
outbox (发件箱) shows each SMS as a phone would show it. Idempotent."""

from __future__ import annotations

import random

from guanjia.notifications.models import SmsSignature, SmsTemplate

# kind → (template id, variables, the template's approved text, Tencent style {1} {2} …)
DEMO_TEMPLATES = {
    "emergencies.summon": (
        "2000001",
        ["label", "kind", "place"],
        "【{1}】{2}：{3}，请立即响应并打开职责清单。",
    ),
    "emergencies.recall": ("2000002", ["n", "kind"], "第{1}次呼叫：{2}，请立即响应。"),
    "emergencies.hq": ("2000003", ["kind", "project", "level"], "{1}：{2}启动{3}响应。"),
    "emergencies.report": ("2000004", ["project", "kind"], "{1}{2}事件报告已审批，请查阅。"),
    "billing.reminder": ("2000005", ["unit", "amount", "due"], "您的房屋{1}尚欠物业费{2}元，请于{3}前缴纳。"),
    "sla.escalation": (
        "2000006",
        ["level", "number", "stage", "percent"],
        "【{1}】工单{2}{3}已用时{4}%，请尽快处理。",
    ),
}


def seed_demo_sms(company, *, rng: random.Random) -> dict[str, int]:
    SmsSignature.objects.get_or_create(company=company, defaults={"name": company.name[:20]})
    made = 0
    for kind, (template_id, variables, content) in DEMO_TEMPLATES.items():
        _template, created = SmsTemplate.objects.get_or_create(
            company=company,
            kind=kind,
            defaults={"template_id": template_id, "variables": variables, "content": content},
        )
        made += created
    return {"sms_templates": made}
