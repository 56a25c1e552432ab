"""The default checklists of an inspection when a project has not set its own (``ChecklistLine``):
the rooms of a unit with the items a handover inspector checks, and the common areas a takeover
covers (the project's ledger equipment is added to those)."""

from django.utils.translation import gettext_lazy as _

HANDOVER_DEFAULT = [
    (_("入户门厅"), [_("入户门及门锁"), _("墙面"), _("地面"), _("可视对讲")]),
    (_("客厅"), [_("墙面"), _("地面"), _("窗户及玻璃"), _("电源插座与开关"), _("强弱电箱")]),
    (_("厨房"), [_("墙面"), _("给水管与水龙头"), _("排水与地漏"), _("燃气管道"), _("电源插座")]),
    (_("卫生间"), [_("墙地面防水"), _("给水"), _("排水与地漏"), _("洁具"), _("排气扇")]),
    (_("卧室"), [_("墙面"), _("门"), _("窗户及玻璃"), _("电源插座与开关")]),
    (_("阳台"), [_("栏杆"), _("排水与地漏"), _("窗户及玻璃")]),
]

TAKEOVER_DEFAULT = [
    (_("大堂"), [_("墙面与地面"), _("门禁与对讲"), _("照明"), _("信报箱")]),
    (_("楼梯间"), [_("墙面与踏步"), _("扶手"), _("防火门"), _("应急照明与疏散指示")]),
    (_("地下车库"), [_("地面与标线"), _("排水沟与集水井"), _("照明"), _("通风")]),
    (_("园林绿化"), [_("苗木成活"), _("景观照明"), _("道路铺装")]),
    (_("垃圾站"), [_("设施完好"), _("冲洗排水")]),
]

# Items whose defect needs a photo unless the project's checklist says otherwise.
PHOTO_REQUIRED_DEFAULT = True
