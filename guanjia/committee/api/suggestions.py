"""The suggestion box (``/api/v1/suggestions/…``)."""

import datetime

from ninja import Field, File, Form, Query
from ninja.files import UploadedFile
from ninja.pagination import paginate

from guanjia.committee import services
from guanjia.committee.api import router
from guanjia.committee.api.common import _staff
from guanjia.committee.choices import (
    SuggestionStatus,
)
from guanjia.committee.models import (
    Suggestion,
)
from guanjia.core.api import ERROR_RESPONSES, FilterSchema, Pagination, RefId, Schema
from guanjia.core.media import private_url
from guanjia.core.scoping import scope_for
from guanjia.core.services import visible_or_404

# Suggestions -------------------------------------------------------------------------------------


class SuggestionOut(Schema):
    id: int
    project_id: int
    mine: bool
    resident: str
    body: str
    public: bool
    photo: str
    submitted_at: datetime.datetime
    due_at: datetime.datetime
    overdue: bool
    status: SuggestionStatus
    answer: str
    answer_public: bool
    answered_at: datetime.datetime | None

    @staticmethod
    def resolve_mine(obj, context) -> bool:
        return obj.resident_id == scope_for(context["request"].user).resident_id

    @staticmethod
    def resolve_resident(obj, context) -> str:
        scope = scope_for(context["request"].user)
        # Residents read others' public suggestions without their names.
        return obj.resident.name if scope.is_staff or obj.resident_id == scope.resident_id else ""

    @staticmethod
    def resolve_photo(obj) -> str:
        return private_url(obj.thumbnail) if obj.thumbnail else ""


class SuggestionAnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=2000)
    public: bool = False


class SuggestionFilter(FilterSchema):
    project_id: RefId | None = None
    status: SuggestionStatus | None = None


def _suggestions(request):
    if not scope_for(request.user).is_resident:
        _staff(request)
    return Suggestion.objects.visible_to(request.user).select_related("resident")


@router.get(
    "/suggestions",
    response={200: list[SuggestionOut], **ERROR_RESPONSES},
    operation_id="suggestion_list",
    summary="The suggestion box (residents: their own and the publicly answered ones of their estate)",
)
@paginate(Pagination)
def suggestion_list(request, filters: SuggestionFilter = Query(...)):
    return filters.filter(_suggestions(request)).order_by("-submitted_at", "-id")


@router.post(
    "/suggestions",
    response={201: SuggestionOut, **ERROR_RESPONSES},
    operation_id="suggestion_submit",
    summary="A resident puts a suggestion in the box (text, optional photo, public or not)",
)
def suggestion_submit(
    request,
    body: str = Form(..., min_length=1, max_length=2000),
    public: bool = Form(True),
    project_id: RefId | None = Form(None),
    photo: UploadedFile | None = File(None),
):
    data = {"body": body, "public": public, "project_id": project_id}
    suggestion = services.suggestion_submit(actor=request.user, data=data, photo=photo)
    return 201, visible_or_404(_suggestions(request), suggestion.pk, request.user)


@router.get(
    "/suggestions/{int:pk}",
    response={200: SuggestionOut, **ERROR_RESPONSES},
    operation_id="suggestion_get",
    summary="One suggestion",
)
def suggestion_get(request, pk: int):
    return visible_or_404(_suggestions(request), pk, request.user)


@router.post(
    "/suggestions/{int:pk}/answer",
    response={200: SuggestionOut, **ERROR_RESPONSES},
    operation_id="suggestion_answer",
    summary="Answer once, publicly (every resident of the estate reads it) or to the resident alone",
)
def suggestion_answer(request, pk: int, payload: SuggestionAnswerIn):
    suggestion = visible_or_404(_suggestions(request), pk, request.user)
    services.suggestion_answer(
        actor=request.user, suggestion=suggestion, answer=payload.answer, public=payload.public
    )
    return visible_or_404(_suggestions(request), pk, request.user)
