"""URL resolution by the path's first segment (core.urlindex) matches what Django's pattern after
pattern matches: for every route of the site and the API, and for paths no route has."""

from __future__ import annotations

import re
import uuid

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, include, path, re_path, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern

from guanjia import urls as site_urls
from guanjia.core.urlindex import FirstSegmentResolver, by_first_segment

_SAMPLES = ["7", "x", "x-1", str(uuid.UUID(int=5)), "a/b"]


def _sample(converter) -> str:
    """A value the converter accepts (its own regex decides)."""
    return next(value for value in _SAMPLES if re.fullmatch(converter.regex, value))


def _paths(patterns, prefix: str = ""):
    """A path for every route under ``patterns``, its converters filled with sample values."""
    for entry in patterns:
        if isinstance(entry.pattern, RegexPattern):
            continue  # a regular expression: no route to fill in
        route = re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m, e=entry: _sample(e.pattern.converters[m[1]]), str(entry.pattern)
        )
        if isinstance(entry, URLResolver):
            yield from _paths(entry.url_patterns, prefix + route)
        else:
            yield "/" + prefix + route


def _plain_root():
    return URLResolver(RegexPattern(r"^/"), site_urls.site_patterns)


def _same(path_: str, plain: URLResolver) -> None:
    try:
        expected = plain.resolve(path_)
    except Resolver404:
        with pytest.raises(Resolver404):
            resolve(path_)
        return
    got = resolve(path_)
    assert (got.func, got.args, got.kwargs, got.url_name, got.route) == (
        expected.func,
        expected.args,
        expected.kwargs,
        expected.url_name,
        expected.route,
    ), path_
    assert (got.app_names, got.namespaces, got.view_name) == (
        expected.app_names,
        expected.namespaces,
        expected.view_name,
    ), path_


@pytest.mark.urls("guanjia.urls")
def test_every_route_of_the_site_resolves_as_django_resolves_it_pattern_after_pattern():
    plain = _plain_root()
    paths = sorted(set(_paths(site_urls.site_patterns)))
    assert len(paths) > 1000  # the console's pages and the API's operations
    for path_ in paths:
        _same(path_, plain)


@pytest.mark.urls("guanjia.urls")
@pytest.mark.parametrize(
    "path_",
    [
        "/",
        "/nope/",
        "/tickets/abc/",
        "/portal/nope/",
        "/api/v1/nope",
        "/api/v1/tickets/abc",
        "/api/unknown",
        "/apis/v1/tickets",
        "/admin/",
        "/admin/tickets/ticket/",
        "/media/a/b.jpg",
        "/i18n/setlang/",
        "",
        "/tickets",
    ],
)
def test_paths_without_a_route_and_regular_expressions_too(path_):
    _same(path_, _plain_root())


def _view(name):
    def view(request, **kwargs):
        return HttpResponse(name)

    view.__name__ = name
    return view


def test_a_pattern_that_can_match_any_path_keeps_its_place():
    """A converter or a regular expression first can take any segment: it stays a candidate for
    every segment, in its place, so an earlier pattern still wins and a later one still loses."""
    patterns = [
        path("a/<int:n>/", _view("a_number"), name="a_number"),
        re_path(r"^a/(?P<word>\w+)/$", _view("a_word"), name="a_word"),
        path("<slug:anything>/", _view("any_slug"), name="any_slug"),
        path("a/b/", _view("a_b"), name="a_b"),  # shadowed by a_word: never reached, as before
        path("c/", _view("c"), name="c"),
        path("", include([path("d/", _view("d"), name="d"), path("e/<int:n>/", _view("e"), name="e")])),
        path("api", include([path("x/", _view("api_x"), name="api_x")])),  # no slash: "apis/…" too
        *[path(f"filler{i}/", _view(f"filler{i}"), name=f"filler{i}") for i in range(16)],
    ]
    indexed = URLResolver(RegexPattern(r"^/"), by_first_segment(patterns))
    plain = URLResolver(RegexPattern(r"^/"), patterns)
    assert isinstance(indexed.url_patterns[0], FirstSegmentResolver)
    for path_ in ["/a/5/", "/a/b/", "/a/zz/", "/c/", "/zz/", "/d/", "/e/5/", "/apix/", "/api/x/", "/f/", "/"]:
        try:
            expected = plain.resolve(path_)
        except Resolver404:
            with pytest.raises(Resolver404):
                indexed.resolve(path_)
            continue
        got = indexed.resolve(path_)
        assert (got.url_name, got.kwargs, got.route) == (expected.url_name, expected.kwargs, expected.route)
    assert indexed.resolve("/a/b/").url_name == "a_word"
    assert indexed.resolve("/zz/").url_name == "any_slug"
    assert indexed.reverse("e", n=3) == plain.reverse("e", n=3) == "e/3/"


def test_the_index_keeps_the_site_s_urlconf_whole_for_reverse_and_checks():
    from django.core.checks.urls import check_url_config
    from django.urls import reverse

    assert isinstance(site_urls.urlpatterns[0], FirstSegmentResolver)
    assert reverse("api:get_ticket", kwargs={"pk": 5}) == "/api/v1/tickets/5"
    assert reverse("ticket_list") == "/tickets/"
    assert check_url_config(None) == []
    names = [entry for entry in site_urls.urlpatterns[0].url_patterns if isinstance(entry, URLPattern)]
    assert {entry.name for entry in names} >= {"healthz", "readyz", "metrics"}
