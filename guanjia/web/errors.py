"""The answers to refused and failed requests, for people and for API clients alike.

Django calls these for every 400, 403, 404 and 500 that a view did not answer itself (``handler…``
in ``guanjia/urls.py``). Under ``/api/`` the answer is the API's JSON error (``core.api``), so a
client never has to parse an HTML page; an htmx request gets the reason as plain text for the
console's error box; a person gets a page in the console layout, in their language, with the
server's reason when it gave one (``NotAllowed("只有项目经理可以…")``).
"""

from __future__ import annotations

import logging
import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from guanjia.core.api import error_body
from guanjia.core.http import too_big_message

logger = logging.getLogger(__name__)


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def _reason(exception) -> str:
    """The message a view or service gave (PermissionDenied("…")), if it gave one a person can read."""
    if exception is None or not exception.args:
        return ""
    message = exception.args[0]
    return str(message) if isinstance(message, str | Promise) else ""


def error_response(request, status: int, *, title: str, reason: str = "", field: str = "") -> HttpResponse:
    """The same refusal for every kind of caller (see the module's docstring)."""
    detail = reason or title
    if _is_api(request):
        errors = {field: [detail]} if field else {}
        return JsonResponse(
            error_body(f"{field}: {detail}" if field else detail, errors),
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    if _is_htmx(request):
        return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
    context = {"status": status, "title": title, "reason": reason}
    return render(request, "web/error.html", context, status=status)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, 413, title=_("提交的内容过大"), reason=too_big_message(), field="body")
    return error_response(request, 400, title=_("请求无效"), reason=_("请求无法处理，请返回上一页重试"))


def permission_denied(request, exception=None):
    return error_response(
        request,
        403,
        title=_("没有权限"),
        reason=_reason(exception) or _("您没有权限访问此页面"),
    )


def page_not_found(request, exception=None):
    # Django's own 404 messages ("No Ticket matches the given query.") are for developers; out of
    # scope and missing answer alike, so the page says the one thing true of both.
    return error_response(request, 404, title=_("页面不存在"), reason=_("页面不存在，或您无权查看"))


def database_unavailable(request):
    """The database could not be reached (restarting, failing over, out of connections): 503, the
    request's transaction rolled back, nothing half-saved; the client may try again shortly. The
    page is the plain one: the console layout reads the database."""
    title, reason = _("服务暂时不可用"), _("数据库暂时无法连接，您的操作未保存。请稍后重试")
    if _is_api(request) or _is_htmx(request):
        response = error_response(request, 503, title=title, reason=reason)
    else:
        body = render_to_string("web/error_plain.html", {"status": 503, "title": title, "reason": reason})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = "5"
    return response


def server_error(request):
    # Called while the failure is being handled: a lost database connection is a 503, not a fault
    # of the code (the connection is replaced before the next request: CONN_HEALTH_CHECKS).
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    title, reason = _("服务器出错"), _("服务器出错了，已记录。请稍后重试，或联系管理员")
    if _is_api(request) or _is_htmx(request):
        return error_response(request, 500, title=title, reason=reason)
    try:
        # In the console layout when it can be drawn; the layout reads the database, which may be
        # what failed, so a plain page otherwise.
        return error_response(request, 500, title=title, reason=reason)
    except Exception:
        logger.exception("The 500 page could not be drawn in the console layout")
        body = render_to_string("web/error_plain.html", {"status": 500, "title": title, "reason": reason})
        return HttpResponse(body, status=500)


def api_not_found(request, *args, **kwargs):
    """Any path under /api/ that no operation matched (``/api/v1/tickets/-1``, a typo, an old
    version): the API's JSON 404, never an HTML page, whatever DEBUG says."""
    return page_not_found(request)
