"""REST API of notices (``/api/v1/notices/…``) and the service team's cards (``/api/v1/service-cards``),
through the same selectors and services as the console and the portal."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.media import private_url
from guanjia.core.phones import mask_phone
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.estates.models import Project
from guanjia.notices import selectors, services
from guanjia.notices.choices import NoticeKind, NoticeStatus
from guanjia.notices.models import Notice, ServiceCard
from guanjia.staff.models import StaffMember

router = Router(tags=["notices"])


class NoticeAttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return private_url(obj.file)


class NoticeOut(Schema):
    id: int
    project_id: int | None
    building_id: int | None
    addressed_to: str
    kind: NoticeKind
    title: str
    body: str
    status: NoticeStatus
    urgent: bool
    pinned: bool
    publish_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    published_at: datetime.datetime | None
    pushed_at: datetime.datetime | None
    attachments: list[NoticeAttachmentOut]

    @staticmethod
    def resolve_urgent(obj) -> bool:
        return obj.is_urgent

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())


class NoticeFilter(FilterSchema):
    project_id: RefId | None = None
    kind: NoticeKind | None = None
    status: NoticeStatus | None = None


class NoticeIn(Schema):
    kind: NoticeKind
    title: str = Field(..., min_length=1, max_length=100)
    body: str = Field(..., min_length=1, max_length=5000)
    project_id: RefId | None = None
    building_id: RefId | None = None
    publish_at: datetime.datetime | None = None
    expires_at: datetime.datetime | None = None
    pinned: bool = False


class NoticePatchIn(Schema):
    kind: NoticeKind | None = None
    title: str | None = Field(None, min_length=1, max_length=100)
    body: str | None = Field(None, min_length=1, max_length=5000)
    project_id: RefId | None = None
    building_id: RefId | None = None
    publish_at: datetime.datetime | None = None
    expires_at: datetime.datetime | None = None
    pinned: bool | None = None


class NoticePublishIn(Schema):
    publish_at: datetime.datetime | None = None


class NoticePinIn(Schema):
    pinned: bool


class NoticeBuildingStatsOut(Schema):
    building_id: int
    building: str
    total: int
    read: int


class NoticeStatsOut(Schema):
    total: int
    read: int
    unread: int
    rate: float
    buildings: list[NoticeBuildingStatsOut]


class NoticeUnreadPersonOut(Schema):
    resident_id: int
    name: str
    relation: str
    phone: str


class NoticeUnreadOut(Schema):
    unit_id: int
    project: str
    building: str
    number: str
    people: list[NoticeUnreadPersonOut]


class NoticeReadOut(Schema):
    read: bool
    receipts_written: int


class NoticeCalendarDayOut(Schema):
    date: datetime.date
    notices: list[int]


class NoticeCalendarOut(Schema):
    project_id: int
    month: str
    count: int
    kinds: dict[str, int]
    days: list[NoticeCalendarDayOut]


class ServiceCardOut(Schema):
    staff_id: int
    name: str
    title: str
    phone: str
    hours: str
    intro: str
    photo: str
    shown: bool
    order: int

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.staff.name

    @staticmethod
    def resolve_photo(obj) -> str:
        return private_url(obj.thumbnail)


class ServiceCardIn(Schema):
    title: str = Field(..., min_length=1, max_length=30)
    phone: str = Field(..., min_length=1, max_length=20)
    hours: str = Field(..., min_length=1, max_length=60)
    intro: str = Field("", max_length=200)
    shown: bool = True
    order: int = Field(100, ge=0, le=999)


def _notices(request):
    scope = scope_for(request.user)
    if not scope.is_resident:
        require(request.user, Perm.VIEW_NOTICES)
    return (
        Notice.objects.visible_to(request.user)
        .select_related("project", "building")
        .prefetch_related("attachments")
    )


def _one(request, pk):
    return visible_or_404(_notices(request), pk, request.user)


@router.get(
    "/notices",
    response={200: list[NoticeOut], **ERROR_RESPONSES},
    operation_id="notice_list",
    summary="Notices in scope (residents: the published ones addressed to them), pinned first",
)
@paginate(Pagination)
def notice_list(request, filters: NoticeFilter = Query(...)):
    return filters.filter(_notices(request)).order_by("-pinned", "-published_at", "-created_at", "-id")


@router.post(
    "/notices",
    response={201: NoticeOut, **ERROR_RESPONSES},
    operation_id="notice_create",
    summary="Draft a notice (no project: company-wide, HQ only)",
)
def notice_create(request, payload: NoticeIn):
    notice = services.notice_create(actor=request.user, data=payload.dict())
    return 201, _one(request, notice.pk)


@router.get(
    "/notices/calendar",
    response={200: NoticeCalendarOut, **ERROR_RESPONSES},
    operation_id="notice_calendar",
    summary="A project's publication calendar for a month (YYYY-MM): what was published on which day",
)
def notice_calendar(request, project_id: RefId | None = None, month: str | None = None):
    require(request.user, Perm.VIEW_NOTICES)  # before the input: a user without notices hears 403
    if project_id is None:
        raise ValidationError({"project_id": _("请选择项目")})
    project = visible_or_404(Project.objects.all(), project_id, request.user)
    try:
        cal = selectors.publication_calendar(request.user, project, month)
    except ValueError:
        raise ValidationError({"month": _("月份格式应为 YYYY-MM")}) from None
    days = [
        {"date": d["date"], "notices": [n.pk for n in d["notices"]]}
        for week in cal["weeks"]
        for d in week
        if d["in_month"] and d["notices"]
    ]
    return {
        "project_id": project.pk,
        "month": cal["first"].strftime("%Y-%m"),
        "count": cal["count"],
        "kinds": cal["kinds"],
        "days": days,
    }


@router.get(
    "/notices/{int:pk}",
    response={200: NoticeOut, **ERROR_RESPONSES},
    operation_id="notice_get",
    summary="One notice",
)
def notice_get(request, pk: int):
    return _one(request, pk)


@router.patch(
    "/notices/{int:pk}",
    response={200: NoticeOut, **ERROR_RESPONSES},
    operation_id="notice_update",
    summary="Change a draft or scheduled notice; 409 once published",
)
def notice_update(request, pk: int, payload: NoticePatchIn):
    notice = _one(request, pk)
    data = payload.dict(exclude_unset=True)
    services.notice_update(actor=request.user, notice=notice, data=data)
    return _one(request, pk)


@router.post(
    "/notices/{int:pk}/attachments",
    response={201: NoticeAttachmentOut, **ERROR_RESPONSES},
    operation_id="notice_attach",
    summary="Attach a PDF, JPEG or PNG (≤ 10 MB, checked by content) to a draft",
)
def notice_attach(request, pk: int, file: UploadedFile = File(...)):
    notice = _one(request, pk)
    return 201, services.notice_attach(actor=request.user, notice=notice, upload=file)


@router.post(
    "/notices/{int:pk}/publish",
    response={200: NoticeOut, **ERROR_RESPONSES},
    operation_id="notice_publish",
    summary="Publish now, or schedule for publish_at; urgent kinds are pushed to every household",
)
def notice_publish(request, pk: int, payload: NoticePublishIn):
    notice = _one(request, pk)
    services.notice_publish(actor=request.user, notice=notice, publish_at=payload.publish_at)
    return _one(request, pk)


@router.post(
    "/notices/{int:pk}/unschedule",
    response={200: NoticeOut, **ERROR_RESPONSES},
    operation_id="notice_unschedule",
    summary="Back to draft: a scheduled notice is not published",
)
def notice_unschedule(request, pk: int):
    services.notice_unschedule(actor=request.user, notice=_one(request, pk))
    return _one(request, pk)


@router.post(
    "/notices/{int:pk}/withdraw",
    response={200: NoticeOut, **ERROR_RESPONSES},
    operation_id="notice_withdraw",
    summary="Take a published notice off the portal",
)
def notice_withdraw(request, pk: int):
    services.notice_withdraw(actor=request.user, notice=_one(request, pk))
    return _one(request, pk)


@router.post(
    "/notices/{int:pk}/pin",
    response={200: NoticeOut, **ERROR_RESPONSES},
    operation_id="notice_pin",
    summary="Pin or unpin a notice",
)
def notice_pin(request, pk: int, payload: NoticePinIn):
    services.notice_pin(actor=request.user, notice=_one(request, pk), pinned=payload.pinned)
    return _one(request, pk)


@router.post(
    "/notices/{int:pk}/read",
    response={200: NoticeReadOut, **ERROR_RESPONSES},
    operation_id="notice_read",
    summary="A resident has read the notice: the household's receipt, once per household",
)
def notice_read(request, pk: int):
    notice = _one(request, pk)
    if not scope_for(request.user).is_resident:
        raise ValidationError({"__all__": _("只有住户可以回执已读")})
    written = services.notice_read(actor=request.user, notice=notice)
    return {"read": True, "receipts_written": len(written)}


@router.get(
    "/notices/{int:pk}/stats",
    response={200: NoticeStatsOut, **ERROR_RESPONSES},
    operation_id="notice_stats",
    summary="Households addressed and read, in all and per building",
)
def notice_stats(request, pk: int):
    require(request.user, Perm.VIEW_NOTICES)
    return selectors.read_stats(_one(request, pk))


@router.get(
    "/notices/{int:pk}/unread",
    response={200: list[NoticeUnreadOut], **ERROR_RESPONSES},
    operation_id="notice_unread",
    summary="Households that have not read the notice (a butler: their buildings), phones masked",
)
@paginate(Pagination)
def notice_unread(request, pk: int, building_id: RefId | None = None):
    require(request.user, Perm.VIEW_NOTICES)
    notice = _one(request, pk)
    buildings = [building_id] if building_id else selectors.butler_building_ids(request.user)
    units = selectors.unread_units(notice, building_ids=buildings)
    return _UnreadRows(units)


class _UnreadRows:
    """The unread units shaped for the API, sliced lazily by the paginator."""

    def __init__(self, units):
        self.units = units

    def count(self) -> int:
        return self.units.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        return [
            {
                "unit_id": u.pk,
                "project": u.project.name,
                "building": u.building.name,
                "number": u.number,
                "people": [
                    {
                        "resident_id": o.resident_id,
                        "name": o.resident.name,
                        "relation": o.get_relation_display(),
                        "phone": mask_phone(o.resident.phone),
                    }
                    for o in u.current_occupancies
                ],
            }
            for u in self.units[item]
        ]


@router.get(
    "/service-cards",
    response={200: list[ServiceCardOut], **ERROR_RESPONSES},
    operation_id="service_card_list",
    summary="The service team's cards (管家名片); residents: those of their estates",
)
def service_card_list(request):
    if not scope_for(request.user).is_resident:
        require(request.user, Perm.VIEW_NOTICES)
    return list(ServiceCard.objects.visible_to(request.user).select_related("staff").order_by("order", "id"))


@router.put(
    "/service-cards/{int:staff_id}",
    response={200: ServiceCardOut, **ERROR_RESPONSES},
    operation_id="service_card_put",
    summary="Create or change a staff member's card (one's own, or anybody's with staff rights)",
)
def service_card_put(request, staff_id: int, payload: ServiceCardIn):
    require(request.user, Perm.VIEW_NOTICES)
    staff = visible_or_404(StaffMember.objects.all(), staff_id, request.user)
    card = services.card_save(actor=request.user, staff=staff, data=payload.dict())
    return ServiceCard.objects.select_related("staff").get(pk=card.pk)
