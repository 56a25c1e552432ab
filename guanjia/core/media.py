"""Private files: every stored photo, document and generated PDF is handed only to someone whose
scope includes the record it belongs to, on the local disk and on object storage alike.

A page or an API answer never carries the storage's own address of a file, only
``private_url(name)`` — ``/media/<name>`` on this site. That address is answered by ``serve_file``:

- not logged in: to the login page (a page) or 401 (``/api/``-style clients never follow it);
- no record the user can see (``visible_to``) holds that name: 404, as for any record out of scope;
- else the file: on object storage (django-storages' S3 backend) a redirect to a presigned link
  that expires after ``MEDIA_LINK_SECONDS`` (5 minutes); on the local disk, with
  ``MEDIA_ACCEL_REDIRECT`` set (production), an ``X-Accel-Redirect`` to nginx's internal location,
  which sends the bytes; otherwise (development, tests) the app streams the file itself.

Which records hold which files is domain knowledge, so the apps say so from their
``AppConfig.ready()`` with ``register_private_files(prefix, model, fields)``; the foundation asks them
and imports none of them. A name under no registered prefix is never served.
"""

from __future__ import annotations

import mimetypes
import posixpath
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_safe


@dataclass(frozen=True)
class PrivateFiles:
    prefix: str
    model: type
    fields: tuple[str, ...]


_registry: dict[tuple[str, str], PrivateFiles] = {}


def register_private_files(prefix: str, model, fields: tuple[str, ...] | list[str]) -> None:
    """Files whose names start with ``prefix`` may be stored in ``fields`` of ``model`` (a scoped
    model): a user may fetch such a file when a row of ``model.objects.visible_to(user)`` holds it."""
    prefix = prefix.strip("/") + "/"
    _registry[(prefix, model._meta.label)] = PrivateFiles(prefix, model, tuple(fields))


def clean_name(name: str) -> str | None:
    """A storage name as it is stored (relative, normalised), or None for a path that leaves the storage."""
    if not name or "\\" in name or "\x00" in name:
        return None
    normal = posixpath.normpath(name)
    if normal.startswith(("/", "..")) or normal != name:
        return None
    return normal


def may_see(user, name: str) -> bool:
    """Whether a record the user can see holds the stored file ``name``."""
    name = clean_name(name) or ""
    if not name or not getattr(user, "is_authenticated", False):
        return False
    for entry in _registry.values():
        if not name.startswith(entry.prefix):
            continue
        holds = Q()
        for field in entry.fields:
            holds |= Q(**{field: name})
        if entry.model.objects.visible_to(user).filter(holds).exists():
            return True
    return False


def private_url(name: str) -> str:
    """The address to put in a page or an API answer for a stored file ('' for none)."""
    if not name:
        return ""
    return reverse("private_file", kwargs={"name": name})


def on_object_storage() -> bool:
    return hasattr(default_storage, "bucket_name")


def link_for(name: str) -> str:
    """A short-lived link straight to the object store (presigned), for a user already checked."""
    return default_storage.url(name, expire=settings.MEDIA_LINK_SECONDS)


@require_safe
def serve_file(request, name: str):
    if not request.user.is_authenticated:
        if request.path.startswith("/api/") or request.headers.get("authorization"):
            return HttpResponse(status=401)
        return redirect_to_login(request.get_full_path())
    if not may_see(request.user, name):
        raise Http404
    if on_object_storage():
        response = HttpResponseRedirect(link_for(name))
        # Not kept by a shared cache, and a browser asks again once the link has expired.
        response["Cache-Control"] = f"private, max-age={max(settings.MEDIA_LINK_SECONDS - 30, 0)}"
        return response
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if settings.MEDIA_ACCEL_REDIRECT:
        if not default_storage.exists(name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_REDIRECT.rstrip("/") + "/" + quote(name)
    else:
        try:
            handle = default_storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
