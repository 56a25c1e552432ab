"""Residents' sign-in by SMS code, and invitations, in the API.

``POST /auth/sms-code`` sends a code (the same 202 for every well-formed number);
``POST /auth/sms-login`` exchanges phone + code for the usual bearer token (as ``/auth/token``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router

from guanjia.accounts.api import TokenOut
from guanjia.accounts.services import token_create
from guanjia.core.api import AUTH, ERROR_RESPONSES, ErrorOut, RefId, Schema
from guanjia.core.bulk import BulkResultOut, bulk_out
from guanjia.core.clients import client_address
from guanjia.core.errors import NotFound
from guanjia.core.services import visible_or_404, visible_reference
from guanjia.estates.models import Building, Project, Resident
from guanjia.residents import services, signin

router = Router(tags=["auth"])
invitations = Router(tags=["residents"])


class SmsCodeIn(Schema):
    phone: str = Field(..., min_length=1, max_length=30, description="手机号（11位，可带 +86）")


class SmsCodeOut(Schema):
    detail: str
    phone: str = Field(description="打码后的号码")
    expires_in: int = Field(description="验证码有效秒数")


class SmsLoginIn(Schema):
    phone: str = Field(..., min_length=1, max_length=30)
    code: str = Field(..., min_length=1, max_length=12)
    company_id: RefId | None = Field(None, description="号码登记在多家物业公司时必填")


@router.post(
    "/auth/sms-code",
    auth=None,
    response={202: SmsCodeOut, 422: ErrorOut, 429: ErrorOut},
    operation_id="auth_sms_code",
)
def sms_code(request, payload: SmsCodeIn):
    """Send a sign-in code by SMS. The answer is the same whether the number has an account or not."""
    _row, masked = signin.code_request(phone=payload.phone, client_address=client_address(request))
    return 202, {
        "detail": _("验证码已发送至 %(phone)s") % {"phone": masked},
        "phone": masked,
        "expires_in": signin.code_minutes() * 60,
    }


@router.post(
    "/auth/sms-login",
    auth=None,
    response={201: TokenOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    operation_id="auth_sms_login",
)
def sms_login(request, payload: SmsLoginIn):
    """Exchange a phone number and its SMS code for a bearer token (as ``POST /auth/token``).

    A number registered with several companies needs ``company_id`` (422 on ``company_id`` lists them;
    the code stays valid). A number no resident has: 404.
    """
    phone, row = signin.code_check(
        phone=payload.phone, code=payload.code, client_address=client_address(request)
    )
    result = signin.sign_in_resolve(
        phone=phone, row=row, company_id=payload.company_id, consume_when_choosing=False
    )
    if result.choices:
        names = "；".join(f"{r.company_id} {r.company.name}" for r in result.choices)
        raise ValidationError(
            {"company_id": _("此号码登记在多家物业公司，请选择：%(names)s") % {"names": names}}
        )
    if result.user is None:
        raise NotFound(_("此手机号尚未登记为业主或住户，请联系物业服务中心"))
    token, raw = token_create(user=result.user)
    return 201, {"token": raw, "expires_at": token.expires_at}


class InvitationOut(Schema):
    resident_id: int
    sent_at: timezone.datetime
    expires_at: timezone.datetime
    send_count: int


class InviteBulkIn(Schema):
    project_id: RefId | None = None
    building_id: RefId | None = None


@invitations.post(
    "/residents/{resident_id}/invite",
    auth=AUTH,
    response={200: InvitationOut, **ERROR_RESPONSES},
    operation_id="resident_invite",
)
def invite(request, resident_id: int):
    """Send (or send again) the invitation SMS with a one-time activation link."""
    resident = visible_or_404(Resident.objects, resident_id, request.user)
    return services.resident_invite(actor=request.user, resident=resident)


@invitations.post(
    "/residents/invite-bulk",
    auth=AUTH,
    response={200: BulkResultOut, **ERROR_RESPONSES},
    operation_id="residents_invite_bulk",
)
def invite_bulk(request, payload: InviteBulkIn):
    """Invite everyone of a building (or a project) not invited yet or whose invitation expired."""
    building = project = None
    if payload.building_id is not None:
        building = visible_reference(Building, payload.building_id, request.user, field="building_id")
    elif payload.project_id is not None:
        project = visible_reference(Project, payload.project_id, request.user, field="project_id")
    return bulk_out(services.residents_invite_bulk(actor=request.user, project=project, building=building))
