"""How big a request may be, checked before anything reads its body.

Two limits, both documented in docs/deploy.md and both answered with 413:

- ``REQUEST_MAX_BYTES`` (25 MB): a whole request, files included. The reverse proxy refuses the
  same (nginx ``client_max_body_size 25m``), so a client gets the same answer with or without it;
  spreadsheet imports (20 MB) and photos (10 MB) fit beneath it.
- ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB, Django's setting): a body apart from its files — a JSON
  body, a form's text. It is read into memory, so it stays small.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.urls import get_resolver, get_urlconf
from django.utils.translation import gettext as _


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def too_big_message() -> str:
    return _("提交的内容过大：文件以外的内容（如 JSON）最大 %(data)s，整个请求最大 %(total)s") % {
        "data": _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
        "total": _megabytes(settings.REQUEST_MAX_BYTES),
    }


class RequestSizeMiddleware:
    """Refuses a body over the limits by its declared length, before the CSRF check or a view reads
    it (Django would otherwise raise ``RequestDataTooBig`` from wherever it is first read). It is
    answered by the project's 400 handler (``handler400``: 413 as JSON under /api/, a page
    elsewhere), asked directly so that the answer is the same with DEBUG on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        files_allowed = request.content_type == "multipart/form-data"
        limit = settings.REQUEST_MAX_BYTES if files_allowed else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            handler = get_resolver(get_urlconf()).resolve_error_handler(400)
            return handler(request, exception=RequestDataTooBig(too_big_message()))
        return self.get_response(request)
