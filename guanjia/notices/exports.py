"""The unread list of a notice as a file (``/data/export/notice_unread.xlsx?notice=…``): the
households the butler still has to call, filtered like the page (the butler's own buildings)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.api import FilterSchema
from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm
from guanjia.core.services import visible_reference
from guanjia.dataio.exporting import ExportSpec
from guanjia.estates.models import Unit
from guanjia.notices import selectors
from guanjia.notices.models import Notice


class NoticeUnreadFilter(FilterSchema):
    # Optional in the schema, required here: the permission is checked before the input, so a user
    # who may not see notices hears "forbidden", not "notice missing".
    notice: int | None = None
    building: int | None = None


def unread_queryset(actor, filters: NoticeUnreadFilter):
    if filters.notice is None:
        raise ValidationError({"notice": _("请选择公告")})
    # A notice out of scope is a bad filter (422 naming it), as any reference in input.
    notice = visible_reference(Notice, filters.notice, actor, field="notice")
    buildings = [filters.building] if filters.building else selectors.butler_building_ids(actor)
    return selectors.unread_units(notice, building_ids=buildings)


def page_queryset(actor, params):
    from guanjia.dataio.exporting import parse_filters

    return unread_queryset(actor, parse_filters(UNREAD_EXPORT, params))


def _people(unit) -> str:
    return "；".join(f"{o.resident.name} {mask_phone(o.resident.phone)}" for o in unit.current_occupancies)


UNREAD_EXPORT = ExportSpec(
    "notice_unread",
    gettext_lazy("公告未读住户"),
    Unit,
    NoticeUnreadFilter,
    Perm.VIEW_NOTICES,
    [
        (gettext_lazy("项目"), lambda u: u.project.name),
        (gettext_lazy("楼栋"), lambda u: u.building.name),
        (gettext_lazy("房号"), lambda u: u.number),
        (gettext_lazy("住户及电话"), _people),
    ],
    queryset=unread_queryset,
    page_queryset=page_queryset,
)
