"""The kinds of notification emergencies sends (notifications.kinds): what an SMS or WeChat template
is chosen by, with the parameters each offers to the template's variables."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind


def register() -> None:
    register_kind(
        "emergencies.summon",
        _("突发事件呼叫"),
        params=("label", "kind", "level", "place", "what"),
        urgent=True,
    )
    register_kind("emergencies.recall", _("突发事件再次呼叫"), params=("n", "kind", "what"), urgent=True)
    register_kind(
        "emergencies.hq", _("突发事件报总公司"), params=("kind", "project", "level", "body"), urgent=True
    )
    register_kind(
        "emergencies.report", _("事件报告报总公司"), params=("project", "kind", "body"), urgent=True
    )
