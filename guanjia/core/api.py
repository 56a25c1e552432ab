"""API conventions every app's ``api.py`` uses.

- Authentication: a bearer token (``POST /api/v1/auth/token``) or the web session (with CSRF).
- Errors are JSON: ``{"detail": "...", "errors": {"field": ["message"]}}`` with 422 for invalid
  input, 401, 403, 404 (missing or out of scope, indistinguishable), 409 for conflicts.
- Lists are paginated (``page``, ``page_size`` ≤ 200), filtered and ordered.
- ``register_crud`` wires list / detail / create / update / delete for one resource onto the
  app's services, so every resource behaves the same and handlers stay thin.
"""

import datetime
import decimal
import functools
from collections.abc import Callable
from typing import Annotated, Any

import ninja
import orjson
import pydantic_core
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import models, transaction
from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase, paginate
from ninja.security import HttpBearer, SessionAuth
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from guanjia.core.dates import in_range, out_of_range_message
from guanjia.core.errors import Conflict, DomainError
from guanjia.core.http import too_big_message
from guanjia.core.journal import history_for
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import visible_or_404
from guanjia.core.statements import PreparedRead


def _one_response_model_per_type():
    """django-ninja makes a response model for every (operation, status) — 3,322 models for ~560
    operations, most wrapping the same few types (``ErrorOut`` for 401/403/404/409/422) — and each
    built copy holds its own validator: +55 MB in a worker that has served them all. The model is a
    pure function of the declared type, so one per type serves every operation (382 in all); the
    OpenAPI schema is the same (its snapshot test). Installed here, before any app's router is
    declared: every app's api module imports this one first."""
    create = ninja.operation.Operation._create_response_model
    if getattr(create, "shared", False):
        return
    made: dict = {}

    def shared_response_model(self, response_param):
        try:
            return made[response_param]
        except KeyError:
            made[response_param] = model = create(self, response_param)
            return model
        except TypeError:  # an unhashable declaration: its own model, as django-ninja makes it
            return create(self, response_param)

    shared_response_model.shared = True
    ninja.operation.Operation._create_response_model = shared_response_model


_one_response_model_per_type()


def _reject_nul(value):
    """No text field may carry a NUL character: PostgreSQL cannot store one, so it is bad input."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(_("不能包含空字符 (NUL)"))
    if isinstance(value, list):
        for item in value:
            _reject_nul(item)
    return value


def _in_utc(value, info: ValidationInfo):
    """Aware times given in input are kept in UTC: any offset pydantic accepts (up to ±23:59) is then
    one the database accepts too (PostgreSQL refuses offsets beyond ±15:59 in a literal). Dates and
    times in input lie within ``core.dates``' years, so no range query can overflow (a 422 naming
    the field); what the API answers (``response_status`` in the context) is not input."""
    if info.context and "response_status" in info.context:
        return value
    if not in_range(value):
        raise ValueError(out_of_range_message())
    if isinstance(value, datetime.time) and value.tzinfo is not None:
        # A time of day (a shift's start) is Shanghai wall-clock time; an offset means nothing there.
        raise ValueError(_("时刻不带时区（按北京时间）"))
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValueError(_("时间超出范围")) from None
    return value


class Schema(ninja.Schema):
    """Base of every input and output schema of the API (use it instead of ``ninja.Schema``)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        return _reject_nul(value)

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value, info: ValidationInfo):
        return _in_utc(value, info)


class RowSchema(BaseModel):
    """Output of the hot reads (request lists and details), filled from plain dicts (``.values()``).

    A plain pydantic model is validated and dumped by pydantic-core alone; ``Schema`` goes through
    django-ninja's attribute getter and resolvers for every field of every row, which cost more than
    the query. Such rows are shaped by a selector (see ``tickets.selectors.shape_rows``)."""

    model_config = ConfigDict(from_attributes=True)


def json_answer(schema: type[BaseModel], data, *, status: int = 200) -> HttpResponse:
    """A large answer (the figures table: up to 4,000 rows × 60 figures, 5 MB) written by
    pydantic-core in one pass straight from the plain dicts the selector built, instead of
    django-ninja's validate → Python dicts → ``json.dumps``.

    Not validated into ``schema`` in production: for 4,000 rows that meant 36,000 model instances,
    and the garbage collections their allocation set off — half of the whole call at 1,000 projects
    (docs/performance.md, "10,000,000 requests"). The data is ours, built to the schema; under the
    tests (``settings.TESTING``) and ``DEBUG`` every such answer is also validated into ``schema``
    and must be byte for byte what the validated model writes, so a selector drifting from its
    declared schema fails the tests that call it. The operation keeps ``response={200: schema}``, so
    the OpenAPI document is unchanged.

    Written by orjson, three times as fast as pydantic-core for the figures' megabyte and the same
    bytes for what the selectors put in (dicts, lists, str, int, float, dates, aware moments with
    ``Z`` for UTC; lazy labels and decimals as strings, as pydantic-core writes them); anything
    orjson refuses (a 65-bit int, a key that is not a string) goes to pydantic-core, as before."""
    try:
        body = orjson.dumps(data, default=_as_json_string, option=orjson.OPT_UTC_Z)
    except TypeError:
        body = pydantic_core.to_json(data)
    if settings.TESTING or settings.DEBUG:
        checked = schema.__pydantic_serializer__.to_json(schema.model_validate(data), by_alias=True)
        if body != checked:
            at = next((i for i, (a, b) in enumerate(zip(body, checked, strict=False)) if a != b), 0)
            raise AssertionError(
                f"the answer differs from what {schema.__name__} writes, at byte {at}: "
                f"{body[at - 80 : at + 80]!r} against {checked[at - 80 : at + 80]!r}"
            )
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _as_json_string(value):
    """orjson's fallback for the values it does not write itself: what pydantic-core writes."""
    if isinstance(value, Promise | decimal.Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


class FilterSchema(ninja.FilterSchema):
    """Base of every list filter of the API (use it instead of ``ninja.FilterSchema``)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        return _reject_nul(value)

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value, info: ValidationInfo):
        return _in_utc(value, info)


MAX_ID = 2**63 - 1
# An id given in input: positive and within a database integer, so no input can overflow a query.
RefId = Annotated[int, Field(ge=1, le=MAX_ID)]


# Bearer tokens are the accounts app's records; it tells the foundation how to check one from its
# AppConfig.ready(), so the API conventions here know no domain app.
_token_authenticator: Callable[[str], Any] | None = None


def set_token_authenticator(authenticate: Callable[[str], Any]) -> None:
    global _token_authenticator
    _token_authenticator = authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        if _token_authenticator is None:
            return None
        user = _token_authenticator(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The web session, for htmx and the docs page; CSRF-checked by django-ninja."""


AUTH = [TokenAuth(), ActiveSessionAuth()]


class ChangeOut(Schema):
    time: datetime.datetime
    actor_name: str
    source: str
    action: str
    changes: dict[str, Any]


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict)


ERROR_RESPONSES = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}}


def install_error_handlers(api) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, error_body(exc.message), status=exc.status_code)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc: RequestDataTooBig):
        # A form part (not a file) of a multipart body over the limit (``core.http``).
        message = too_big_message()
        return api.create_response(request, error_body(f"body: {message}", {"body": [message]}), status=413)

    @api.exception_handler(ValidationError)
    def django_validation_error(request, exc: ValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        errors = {k: [str(m) for m in v] for k, v in errors.items()}
        first = next(iter(errors.items()))
        return api.create_response(request, error_body(f"{first[0]}: {first[1][0]}", errors), status=422)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400:
            # A body that is not JSON at all is invalid input like any other: 422, naming it.
            message = _("请求内容无法解析为 JSON")
            return api.create_response(
                request, error_body(f"body: {message}", {"body": [message]}), status=422
            )
        return api.create_response(request, error_body(str(exc)), status=exc.status_code)

    @api.exception_handler(NinjaValidationError)
    def input_error(request, exc: NinjaValidationError):
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            # Only the leading parts name where the input came from: a field may be called "body".
            loc = [str(p) for p in err.get("loc", [])]
            if loc and loc[0] in ("body", "query", "path"):
                loc.pop(0)
            if loc and loc[0] in ("payload", "filters"):
                loc.pop(0)
            errors.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
        first = next(iter(errors.items()), ("__all__", [_("输入无效")]))
        return api.create_response(request, error_body(f"{first[0]}: {first[1][0]}", errors), status=422)


class Pagination(PaginationBase):
    """Page-number pagination with a bounded page size."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000)
        page_size: int = Field(50, ge=1, le=settings.API_MAX_PAGE_SIZE)

    class Output(Schema):
        count: int
        page: int
        page_size: int
        items: list[Any]

    items_attribute = "items"

    def __init__(self, *, shape=None, **kwargs):
        # ``shape(rows) -> rows``: turns a page of ``.values()`` dicts into the output's shape.
        self.shape = shape or list
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination: Input, **params):
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
            "items": self.shape(list(queryset[offset : offset + pagination.page_size])),
        }


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class CursorPagination(PaginationBase):
    """Keyset pagination, newest first, for lists that grow to millions of rows: no COUNT, no
    OFFSET; each page is an index range scan. ``next_cursor`` is passed back as ``cursor``."""

    class Input(Schema):
        cursor: str | None = Field(None, max_length=40, pattern=r"^\d{1,17}\.\d{1,18}$")
        page_size: int = Field(50, ge=1, le=settings.API_MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        next_cursor: str | None

    items_attribute = "items"

    def __init__(self, *, time_field: str, shape=None, **kwargs):
        self.time_field = time_field
        # ``shape(rows) -> rows``: turns a page of ``.values()`` dicts into the output's shape.
        self.shape = shape or list
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination: Input, **params):
        after = {}
        if pagination.cursor:
            micros, _sep, last_id = pagination.cursor.partition(".")
            after = {"after": EPOCH + datetime.timedelta(microseconds=int(micros)), "after_id": int(last_id)}
        size = pagination.page_size + 1
        if isinstance(queryset, PreparedRead):
            page = functools.partial(self._page, size=size)
            items = queryset.narrowed(page, ("page", size, bool(after)), **after).rows()
        else:
            items = list(self._page(queryset, size=size, **after))
        next_cursor = None
        if len(items) > pagination.page_size:
            items = items[: pagination.page_size]
            last = items[-1]
            if isinstance(last, dict):
                stamp, last_id = last[self.time_field], last["id"]
            else:
                stamp, last_id = getattr(last, self.time_field), last.pk
            next_cursor = f"{(stamp - EPOCH) // datetime.timedelta(microseconds=1)}.{last_id}"
        return {"items": self.shape(items), "next_cursor": next_cursor}

    def _page(self, queryset, *, size: int, after=None, after_id=None):
        """Newest first, the ``size`` rows after the cursor's (``after``, ``after_id``)."""
        queryset = queryset.order_by(f"-{self.time_field}", "-id")
        if after is not None:
            queryset = queryset.filter(
                models.Q(**{f"{self.time_field}__lt": after})
                | models.Q(**{self.time_field: after, "id__lt": after_id})
            )
        return queryset[:size]


def etag(obj) -> str:
    """A version tag for optimistic concurrency: changes whenever the row is saved."""
    stamp = getattr(obj, "updated_at", None)
    return f'"{obj.pk}-{stamp.timestamp():.6f}"' if stamp else f'"{obj.pk}"'


def check_if_match(request, obj) -> None:
    """Two people editing the same record: the one who saved second, from a stale copy, gets 409."""
    expected = request.headers.get("If-Match")
    if not expected or expected.strip() == "*":
        return
    current = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
    if etag(current) != expected.strip().removeprefix("W/"):
        raise Conflict(_("该记录已被他人修改，请刷新后再试"))


def ordered(queryset: models.QuerySet, ordering: str | None, allowed: list[str]) -> models.QuerySet:
    """Apply ``ordering`` (a field, ``-field`` for descending) if it is one the resource allows."""
    if not ordering:
        return queryset
    if ordering.lstrip("-") not in allowed:
        raise ValidationError(
            {"ordering": _("只能按以下字段排序：%(fields)s") % {"fields": ", ".join(allowed)}}
        )
    return queryset.order_by(ordering, "pk")


def register_crud(
    router: Router,
    *,
    name: str,
    model: type[models.Model],
    out: type[Schema],
    create_in: type[Schema],
    update_in: type[Schema] | None,
    filters: type[FilterSchema],
    orderings: list[str],
    view_perm: str,
    create,
    update,  # None: not edited in place (delete and re-create)
    delete,  # None: records are never deleted (they change state through actions instead)
    select_related: tuple[str, ...] = (),
    prefetch_related: tuple[str, ...] = (),
    resident_reads: bool = False,
    plural: str | None = None,
) -> None:
    """List, detail, create, update and delete for one resource, all through its services.

    ``create(actor=, data=)``, ``update(actor=, <name>=, data=)``, ``delete(actor=, <name>=)``.
    """
    path = f"/{plural or name + 's'}"
    label = model._meta.verbose_name

    def scoped(request):
        # Residents read their own records without staff permissions; visible_to limits them.
        if not (resident_reads and scope_for(request.user).is_resident):
            require(request.user, view_perm)
        qs = model.objects.visible_to(request.user)
        if select_related:
            qs = qs.select_related(*select_related)
        if prefetch_related:
            qs = qs.prefetch_related(*prefetch_related)
        return qs

    @router.get(
        path,
        response={200: list[out], **ERROR_RESPONSES},
        operation_id=f"{name}_list",
        summary=f"List {name}s",
    )
    @paginate(Pagination)
    def list_view(request, filters: filters = Query(...), ordering: str | None = None):  # type: ignore[valid-type]
        return ordered(filters.filter(scoped(request)), ordering, orderings)

    @router.get(
        f"{path}/{{int:pk}}",
        response={200: out, **ERROR_RESPONSES},
        operation_id=f"{name}_get",
        summary=f"Get a {name}",
    )
    def detail_view(request, pk: int, response: HttpResponse):
        obj = visible_or_404(scoped(request), pk, request.user)
        response["ETag"] = etag(obj)
        return obj

    @router.post(
        path,
        response={201: out, **ERROR_RESPONSES},
        operation_id=f"{name}_create",
        summary=f"Create a {name}",
    )
    def create_view(request, payload: create_in):  # type: ignore[valid-type]
        obj = create(actor=request.user, data=payload.model_dump())
        return 201, scoped(request).get(pk=obj.pk)

    if update is not None:

        @router.patch(
            f"{path}/{{int:pk}}",
            response={200: out, **ERROR_RESPONSES},
            operation_id=f"{name}_update",
            summary=f"Update a {name}",
        )
        def update_view(request, pk: int, payload: update_in, response: HttpResponse):  # type: ignore[valid-type]
            """Send ``If-Match: <ETag from GET>`` to refuse (409) the change if someone changed the record since."""
            with transaction.atomic():
                obj = visible_or_404(scoped(request), pk, request.user)
                check_if_match(request, obj)
                update(actor=request.user, data=payload.model_dump(exclude_unset=True), **{name: obj})
            obj = scoped(request).get(pk=pk)
            response["ETag"] = etag(obj)
            return obj

    @router.get(
        f"{path}/{{int:pk}}/history",
        response={200: list[ChangeOut], **ERROR_RESPONSES},
        operation_id=f"{name}_history",
        summary=f"History of a {name}",
    )
    @paginate(Pagination)
    def history_view(request, pk: int):
        """Every recorded change of this record, newest first: who, when, through what, before → after."""
        obj = visible_or_404(scoped(request), pk, request.user)
        require(request.user, Perm.VIEW_HISTORY)
        return history_for(obj)

    if delete is not None:

        @router.delete(
            f"{path}/{{int:pk}}",
            response={204: None, **ERROR_RESPONSES},
            operation_id=f"{name}_delete",
            summary=f"Delete a {name}",
        )
        def delete_view(request, pk: int):
            obj = visible_or_404(scoped(request), pk, request.user)
            delete(actor=request.user, **{name: obj})
            return 204, None

    list_view.__doc__ = f"{label}: paginated, filtered, ordered by one of {', '.join(orderings)}."
