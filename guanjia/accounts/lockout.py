"""What a locked-out login sees (django-axes calls this): JSON for the API, the login page for the web."""

from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    message = _("登录失败次数过多，账号已暂时锁定，请15分钟后再试")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=429)
    messages.error(request, message)
    return render(
        request, "web/login.html", {"form": AuthenticationForm(request), "locked_out": True}, status=429
    )
