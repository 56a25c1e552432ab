"""System checks of the foundation.

Django's deploy check security.W003 looks for the literal path of its CSRF middleware; the site runs
``core.middleware.CsrfViewMiddleware``, a subclass that skips only bearer-token API calls (which
carry no cookie to forge). W003 is silenced in settings and this check takes its place: the CSRF
middleware, Django's or a subclass of it, must be in MIDDLEWARE."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string


@checks.register(checks.Tags.security, deploy=True)
def csrf_middleware_installed(app_configs=None, **kwargs):
    for path in settings.MIDDLEWARE:
        try:
            middleware = import_string(path)
        except ImportError:
            continue
        if isinstance(middleware, type) and issubclass(middleware, CsrfViewMiddleware):
            return []
    return [
        checks.Warning(
            "No CSRF middleware (django.middleware.csrf.CsrfViewMiddleware or a subclass) in MIDDLEWARE.",
            id="guanjia.W003",
        )
    ]
