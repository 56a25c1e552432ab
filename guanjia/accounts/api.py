"""Logging in to the API and asking who you are."""

from django.utils import timezone
from ninja import Field, Router

from guanjia.accounts import services
from guanjia.core.api import AUTH, ERROR_RESPONSES, ErrorOut, Schema
from guanjia.core.errors import NotFound
from guanjia.core.roles import Role
from guanjia.core.scoping import scope_for
from guanjia.estates.models import Project

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=128)


class TokenOut(Schema):
    token: str
    expires_at: timezone.datetime


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    operation_id="auth_token",
)
def issue_token(request, payload: TokenIn):
    """Exchange a username and password for a bearer token (shown once; store it safely)."""
    token, raw = services.token_issue(request=request, username=payload.username, password=payload.password)
    return 201, {"token": raw, "expires_at": token.expires_at}


@router.delete(
    "/auth/token", auth=AUTH, response={204: None, **ERROR_RESPONSES}, operation_id="auth_token_revoke"
)
def revoke_token(request):
    """Revoke the bearer token this request was made with."""
    token = getattr(request.user, "_api_token", None)
    if token is None:
        raise NotFound("no bearer token in this request")
    services.token_revoke(token=token)
    return 204, None


class ProjectRef(Schema):
    id: int
    name: str
    code: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    company_id: int | None
    company_name: str | None
    roles: list[Role]
    permissions: list[str]
    is_hq: bool
    projects: list[ProjectRef]
    resident_id: int | None


@router.get("/me", auth=AUTH, response={200: MeOut, **ERROR_RESPONSES}, operation_id="me")
def me(request):
    """The logged-in user: roles, permissions, company and the projects they can see."""
    user = request.user
    scope = scope_for(user)
    return {
        "id": user.id,
        "username": user.username,
        "name": user.get_full_name(),
        "company_id": scope.company_id,
        "company_name": user.company.name if user.company_id else None,
        "roles": sorted(scope.roles),
        "permissions": sorted(scope.permissions),
        "is_hq": scope.is_hq,
        "projects": list(Project.objects.visible_to(user).order_by("name")),
        "resident_id": scope.resident_id,
    }
