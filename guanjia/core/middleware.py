"""The site's own middleware, and lighter versions of Django's for the requests that do not use them.

A call to the API with ``Authorization: Bearer …`` (``bearer_api``) is not a browser's: the token is
its whole authentication (``core.api.TokenAuth``), so the session, the CSRF cookie and the flash
messages of a browser are of no use to it. Those middlewares pass such a call straight through
(``BrowserOnly``); the user starts anonymous until the token names it. A request without a bearer
header — every page, and the API called from a signed-in browser (htmx, the docs page) — gets them
all exactly as before, and django-ninja's session authentication keeps checking its CSRF token.
A cross-site page cannot send an ``Authorization`` header with a visitor's browser (no CORS is
served), so skipping the CSRF cookie there takes nothing from a browser's protection.

``LocaleMiddleware`` and ``CSPMiddleware`` do the same as Django's and django-csp's for every
request, minus work that cannot change the answer here: the language prefix of URLs (the site has
no ``i18n_patterns``) and building the same policy header from the settings on every response.
Measured in docs/performance.md ("The request path").
"""

from __future__ import annotations

import functools

from csp.constants import HEADER as _CSP_HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy as _build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.auth.middleware import AuthenticationMiddleware as _AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.csrf import CsrfViewMiddleware as _CsrfViewMiddleware
from django.middleware.locale import LocaleMiddleware as _LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty

from guanjia.core import context


def bearer_api(request) -> bool:
    """An API call authenticated by a bearer token (or trying to be): it uses no browser state."""
    return (
        request.path_info.startswith("/api/")
        and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    )


class BrowserOnly:
    """Mixed into a middleware only browsers need: a bearer API call goes straight through."""

    def __call__(self, request):
        if bearer_api(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_SessionMiddleware):
    """Django's; a bearer API call gets an empty session that is never loaded nor stored, so a
    flow that keeps browser state (the SMS-verified phone of 业主认证) answers it as a stranger."""

    def __call__(self, request):
        if bearer_api(request):
            request.session = self.SessionStore()
            return self.get_response(request)
        return super().__call__(request)


class CsrfViewMiddleware(BrowserOnly, _CsrfViewMiddleware):
    pass


class MessageMiddleware(BrowserOnly, _MessageMiddleware):
    """Django's, with the message storage made when something first reads or adds a message
    (most requests do neither: Django builds a cookie and a session storage for every one)."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # never read nor added to: nothing to store
        return super().process_response(request, response)


async def _anonymous():
    return AnonymousUser()


class AuthenticationMiddleware(_AuthenticationMiddleware):
    """Django's; a bearer API call has no session, so its user is anonymous until the token is read."""

    def process_request(self, request):
        if bearer_api(request):
            request.user = AnonymousUser()
            request.auser = _anonymous
            return None
        return super().process_request(request)


class _Asked:
    """What ``get_language_from_request`` reads of a request: its language cookie and header."""

    __slots__ = ("COOKIES", "META")

    def __init__(self, cookie, header):
        self.COOKIES = {} if cookie is None else {settings.LANGUAGE_COOKIE_NAME: cookie}
        self.META = {"HTTP_ACCEPT_LANGUAGE": header}


@functools.lru_cache(maxsize=256)
def _language_asked(cookie: str | None, header: str) -> str:
    """Django's choice of language for this cookie and ``Accept-Language``: a function of the two
    (and the settings), so each pair is worked out once, not on every request."""
    return translation.get_language_from_request(_Asked(cookie, header))


@receiver(setting_changed)
def _forget_languages(*, setting, **kwargs):
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LANGUAGE_COOKIE_NAME", "LOCALE_PATHS"}:
        _language_asked.cache_clear()


class LocaleMiddleware(_LocaleMiddleware):
    """Django's: the language from the cookie, then ``Accept-Language``; without the URL-prefix
    checks when the URLconf has no ``i18n_patterns`` (they only matter with them), and with the
    choice for each cookie and header remembered."""

    def process_request(self, request):
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_request(request)
        language = _language_asked(
            request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME), request.META.get("HTTP_ACCEPT_LANGUAGE", "")
        )
        translation.activate(language)
        # What get_language() answers now, without reading the thread's translation back.
        request.LANGUAGE_CODE = translation.to_language(language)
        return None

    def process_response(self, request, response):
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_response(request, response)
        if "Vary" in response:
            patch_vary_headers(response, ("Accept-Language",))
        else:  # what patch_vary_headers sets when there is none, without parsing one
            response.headers["Vary"] = "Accept-Language"
        if "Content-Language" not in response:
            response.headers["Content-Language"] = translation.get_language()
        return response


@functools.lru_cache(maxsize=1)
def _settings_policy() -> tuple[str, tuple[str, ...], bool]:
    """What the settings make of every response's policy, built once: the header, the path
    prefixes that get none, and whether a report-only policy is configured."""
    prefixes = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES")
    return (
        _build_policy(),
        tuple(prefixes or ()),
        bool(getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)),
    )


@receiver(setting_changed)
def _forget_policy(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _settings_policy.cache_clear()


# What django-csp's decorators leave on a response whose view has its own policy.
_VIEW_POLICY = frozenset(
    f"_csp_{kind}{ro}" for kind in ("config", "update", "replace", "exempt") for ro in ("", "_ro")
)

# What django-csp leaves in ``request.csp_nonce`` once the header is written: reading it raises.
# It is never evaluated to a value, so one object serves every request.
_NONCE_AFTER_RESPONSE = CheckableLazyObject(_CSPMiddleware._csp_nonce_post_response)


class CSPMiddleware(_CSPMiddleware):
    """django-csp's, with the settings' policy built once: a response that carries no view's
    own policy (``@csp_update`` and the like), under no report-only policy and whose page used
    no nonce gets the same header every time. Anything else goes through django-csp."""

    def process_response(self, request, response):
        header, prefixes, report_only = _settings_policy()
        if (
            report_only
            or getattr(request, "_csp_nonce", None) is not None
            or not _VIEW_POLICY.isdisjoint(response.__dict__)
            or (response.status_code in (404, 500) and settings.DEBUG)
            or _CSP_HEADER in response
        ):
            return super().process_response(request, response)
        if header and not (prefixes and request.path_info.startswith(prefixes)):
            response[_CSP_HEADER] = header
        request.csp_nonce = _NONCE_AFTER_RESPONSE
        return response


class ChangeContextMiddleware:
    """Marks every change made while serving a request with its user and channel."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/"):
            source = context.Source.API
        elif path.startswith("/admin/"):
            source = context.Source.ADMIN
        else:
            source = context.Source.WEB
        token = context.enter(context.ChangeContext(source=source, request=request))
        try:
            return self.get_response(request)
        finally:
            context.leave(token)
