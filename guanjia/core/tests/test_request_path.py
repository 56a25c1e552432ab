"""The lighter request path (core.middleware): a bearer API call skips the browser's session, CSRF
cookie and messages; a browser keeps all of them, and the API called from a signed-in browser keeps
its CSRF check. The headers every response carries are the same as before."""

import pytest
from csp.utils import build_policy
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory, override_settings

from guanjia.core.middleware import CSPMiddleware, MessageMiddleware, bearer_api
from guanjia.estates.models import Building
from guanjia.testing.api import Api

pytestmark = pytest.mark.django_db


def test_a_bearer_call_answers_without_session_or_cookies(world):
    api = Api(world.desk)
    response = api.get("me")
    assert response.status_code == 200
    assert response.json()["username"] == world.desk.username
    assert not response.cookies  # no session, CSRF or messages cookie
    assert response.wsgi_request.session.session_key is None  # an empty one, never stored
    # The same headers as any response: the policy, framing, language, request id.
    assert response["Content-Security-Policy"] == build_policy()
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Language"] == "zh-hans"
    assert len(response["X-Request-ID"]) == 32


def test_a_bearer_call_on_a_browser_flow_is_a_stranger_there(world):
    # Claiming a unit needs the phone this browser session proved by SMS: a token call has none.
    api = Api(world.desk)
    response = api.client.post(
        "/api/v1/households/join/claims",
        {
            "project_id": world.project.pk,
            "building_id": world.unit.building_id,
            "unit_id": world.unit.pk,
            "name": "x",
            "relation": "owner",
            "photos": SimpleUploadedFile("deed.png", b"\x89PNG\r\n\x1a\n", content_type="image/png"),
        },
        headers=api.headers,
    )
    assert response.status_code == 403, response.content
    assert not response.cookies


def test_a_bearer_call_is_answered_in_the_language_it_asks_for(world):
    api = Api(world.desk)
    refused = api.client.post(
        "/api/v1/tickets",
        data="{}",
        content_type="application/json",
        headers={**api.headers, "Accept-Language": "en"},
    )
    assert refused.status_code == 422
    assert refused["Content-Language"] == "en"
    assert "Accept-Language" in refused["Vary"]


def test_the_token_decides_even_with_a_session_cookie(world):
    client = Client()
    client.force_login(world.manager)
    token = Api(world.desk).headers
    assert client.get("/api/v1/me", headers=token).json()["username"] == world.desk.username
    # A wrong token is refused even though the browser's session is signed in: the bearer call
    # never falls back to the cookie.
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer wrong"}).status_code == 401
    # Without a bearer header the session is the caller, as before.
    assert client.get("/api/v1/me").json()["username"] == world.manager.username


def test_a_signed_in_browser_keeps_the_csrf_check_on_api_writes(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager)
    body = {"project_id": world.project.pk, "name": "X"}
    refused = client.post("/api/v1/buildings", body, content_type="application/json")
    assert refused.status_code == 403
    # A bearer header that does not authenticate does not open a way around it: the session's
    # authentication still asks for the CSRF token (django-ninja's own check).
    sneaky = client.post(
        "/api/v1/buildings", body, content_type="application/json", headers={"Authorization": "Bearer x"}
    )
    assert sneaky.status_code in (401, 403)
    assert not Building.objects.filter(name="X").exists()


def test_pages_keep_their_session_and_csrf_cookie(world):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert "csrftoken" in page.cookies
    assert page["Content-Security-Policy"] == build_policy()


def test_bearer_is_only_an_api_matter():
    factory = RequestFactory()
    assert bearer_api(factory.get("/api/v1/me", headers={"Authorization": "Bearer abc"}))
    assert bearer_api(factory.get("/api/v1/me", headers={"Authorization": "bearer abc"}))
    assert not bearer_api(factory.get("/api/v1/me"))
    assert not bearer_api(factory.get("/api/v1/me", headers={"Authorization": "Basic abc"}))
    assert not bearer_api(factory.get("/tickets/", headers={"Authorization": "Bearer abc"}))


def test_messages_are_stored_only_when_used():
    factory = RequestFactory()
    middleware = MessageMiddleware(lambda request: _response(request))

    quiet = factory.get("/")
    quiet.session = {}
    assert "messages" not in middleware(quiet).cookies

    def add(request):
        messages.success(request, "已保存")
        return _response(request)

    loud = factory.get("/")
    loud.session = {}
    response = MessageMiddleware(add)(loud)
    assert "messages" in response.cookies  # the cookie storage kept it for the next page


def _response(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def test_the_policy_follows_its_settings_and_a_views_own_policy():
    factory = RequestFactory()

    def plain(request):
        return _response(request)

    def own(request):
        response = _response(request)
        response._csp_update = {"img-src": ["https://example.com"]}
        return response

    middleware = CSPMiddleware(plain)
    assert middleware(factory.get("/"))["Content-Security-Policy"] == build_policy()
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}}):
        assert middleware(factory.get("/"))["Content-Security-Policy"] == "default-src 'none'"
    assert middleware(factory.get("/"))["Content-Security-Policy"] == build_policy()
    updated = CSPMiddleware(own)(factory.get("/"))["Content-Security-Policy"]
    assert "https://example.com" in updated and updated != build_policy()


def test_a_views_own_report_only_policy_and_the_excluded_paths_are_django_csp_s():
    """What django-csp answers, case by case: a view's report-only update (no report-only
    settings), and the settings' excluded prefixes, which are read again when they change."""
    from csp.middleware import CSPMiddleware as DjangoCSPMiddleware

    factory = RequestFactory()

    def report_only(request):
        response = _response(request)
        response._csp_update_ro = {"img-src": ["https://example.com"]}
        return response

    for view, path in ((report_only, "/"), (_response, "/static/app.css")):
        ours, theirs = CSPMiddleware(view)(factory.get(path)), DjangoCSPMiddleware(view)(factory.get(path))
        assert dict(ours.headers) == dict(theirs.headers)
    excluded = {"EXCLUDE_URL_PREFIXES": ["/static/"], "DIRECTIVES": {"default-src": ["'self'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=excluded):
        assert "Content-Security-Policy" not in CSPMiddleware(_response)(factory.get("/static/app.css"))
        assert CSPMiddleware(_response)(factory.get("/"))["Content-Security-Policy"] == "default-src 'self'"
    assert "Content-Security-Policy" in CSPMiddleware(_response)(factory.get("/static/app.css"))


# The language chosen once per cookie and header (core.middleware._language_asked) --------------

_ASKED = [
    (None, ""),
    (None, "en"),
    (None, "en-US,en;q=0.9"),
    (None, "zh-CN,zh;q=0.9,en;q=0.8"),
    (None, "fr-FR,fr;q=0.9"),
    (None, "fr,en;q=0.5"),
    (None, "*"),
    (None, "zh-TW"),
    ("en", "zh-CN"),
    ("zh-hans", "en"),
    ("xx", "en"),
    ("", "en"),
]


@pytest.mark.parametrize(("cookie", "header"), _ASKED)
def test_the_language_is_djangos_choice_for_each_cookie_and_header(cookie, header):
    from django.conf import settings
    from django.utils import translation

    from guanjia.core.middleware import _language_asked

    cookies = {} if cookie is None else {settings.LANGUAGE_COOKIE_NAME: cookie}
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE=header)
    request.COOKIES.update(cookies)
    expected = translation.get_language_from_request(request)
    assert _language_asked(cookie, header) == expected
    client = Client(headers={"Accept-Language": header})
    if cookie is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/accounts/login/")
    assert response["Content-Language"] == expected
    chosen = response.wsgi_request.LANGUAGE_CODE
    assert chosen == expected


def test_the_remembered_language_follows_the_settings():
    from guanjia.core.middleware import _language_asked

    assert _language_asked(None, "en") == "en"
    with override_settings(LANGUAGES=[("zh-hans", "简体中文")]):
        assert _language_asked(None, "en") == "zh-hans"  # English is no longer offered
    assert _language_asked(None, "en") == "en"


def test_the_language_joins_a_vary_header_a_view_set_and_keeps_its_content_language():
    from django.http import HttpResponse

    from guanjia.core.middleware import LocaleMiddleware

    def view(request):
        response = HttpResponse("ok")
        response["Vary"] = "Cookie"
        response["Content-Language"] = "en"
        return response

    response = LocaleMiddleware(view)(RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="zh-CN"))
    assert response["Vary"] == "Cookie, Accept-Language"
    assert response["Content-Language"] == "en"
    bare = LocaleMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
    assert bare["Vary"] == "Accept-Language"
    assert bare["Content-Language"] == "zh-hans"


def test_the_nonce_cannot_be_read_after_the_header_is_written():
    from csp.exceptions import CSPNonceError
    from django.http import HttpResponse

    request = RequestFactory().get("/")
    CSPMiddleware(lambda request: HttpResponse("ok"))(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
    with pytest.raises(CSPNonceError):  # and again: the shared object never holds a value
        str(request.csp_nonce)
    assert not request.csp_nonce


def test_a_failing_view_leaves_no_request_id_or_change_context_behind():
    from guanjia.core import context, requestid

    def failing(request):
        assert requestid.current_id() == request.request_id
        assert context.current().source == context.Source.WEB
        raise RuntimeError("boom")

    from guanjia.core.middleware import ChangeContextMiddleware
    from guanjia.core.requestid import RequestIdMiddleware

    with pytest.raises(RuntimeError):
        RequestIdMiddleware(ChangeContextMiddleware(failing))(RequestFactory().get("/"))
    assert requestid.current() is None
    assert context.current().source == context.Source.COMMAND
