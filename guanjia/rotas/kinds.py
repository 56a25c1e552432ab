"""The kinds of notification rotas send (notifications.kinds)."""

from django.utils.translation import gettext_lazy as _

from guanjia.notifications.kinds import register_kind

COVER_GAP = "rotas.cover_gap"
SWAP = "rotas.swap"


def register() -> None:
    register_kind(COVER_GAP, _("岗位缺员预警"), params=("post", "shift", "have", "need"))
    register_kind(SWAP, _("换班申请与审批"), params=("shift",))
