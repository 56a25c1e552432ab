"""Logging in to the API and asking who you are."""

from django.utils import timezone
from ninja import Field, Router

from guanjia.accounts import services
from guanjia.core.api import AUTH, ERROR_RESPONSES, ErrorOut, Schema
from guanjia.core.errors import NotFound

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
