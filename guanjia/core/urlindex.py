"""URL resolution through an index of the path's first segment.

Django resolves a path by trying the URLconf's patterns one after another. The site has about
1,500: most apps are included at the root (``path("", include(...))``) with their own prefixes
inside, and the API's ~560 operations are one flat list. So ``/portal/`` was tried against some
300 patterns before it matched (~150 µs per request) and ``/api/v1/tickets/5`` against ~70 of the
API's (~40 µs).

``by_first_segment(patterns)`` (the root URLconf's) keeps the patterns as they are, in their order, and resolves a path
only against those that can match its first segment (``tickets`` of ``tickets/5/``): a pattern whose
route begins with a literal segment, an include at ``""`` through the segments of what it includes;
anything else (a converter first, a regular expression) can match any path and stays a candidate
for every segment. The candidates of a segment are the full list with the others left out, so the
first match is the same pattern, with the same view, arguments, route and namespaces. ``reverse()``
and the system checks read the full list as before.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RoutePattern
from django.utils.functional import cached_property

# The candidates of every segment no pattern names: what can match any path.
_UNNAMED = object()


def first_segments(entry) -> frozenset[str] | None:
    """The first path segments ``entry`` (a pattern or an include) can match; None when any."""
    pattern = entry.pattern
    if not isinstance(pattern, RoutePattern):
        return None  # a regular expression (re_path), the language prefix: anything
    head, slash, _rest = str(pattern).partition("/")
    if "<" in head:
        return None
    if slash or isinstance(entry, URLPattern):
        # "tickets/…" matches only paths whose first segment is "tickets"; an endpoint without a
        # slash ("healthz", "") only the path that is exactly its route.
        return frozenset({head})
    if head:
        return None  # an include at "api" (no slash) would take "apis/…" too
    segments: set[str] = set()
    for child in entry.url_patterns:  # an include at "": what it includes decides
        named = first_segments(child)
        if named is None:
            return None
        segments |= named
    return frozenset(segments)


class FirstSegmentResolver(URLResolver):
    """``patterns`` at ``""``, resolved against the candidates of the path's first segment."""

    def __init__(self, patterns: list):
        super().__init__(RoutePattern(""), patterns)
        self._candidates: dict[object, URLResolver] = {}

    @cached_property
    def _index(self) -> tuple[list[tuple[object, frozenset[str] | None]], frozenset[str]]:
        """Each pattern with the segments it can match, and every segment some pattern names."""
        segments = [(entry, first_segments(entry)) for entry in self.url_patterns]
        return segments, frozenset(s for _entry, named in segments if named for s in named)

    def _resolver_for(self, segment: str) -> URLResolver:
        index, named_anywhere = self._index
        key = segment if segment in named_anywhere else _UNNAMED
        resolver = self._candidates.get(key)
        if resolver is None:
            wanted = [entry for entry, named in index if named is None or segment in named]
            # A plain resolver at "" over the candidates: Django's own matching, in the same order.
            resolver = self._candidates[key] = URLResolver(RoutePattern(""), wanted)
        return resolver

    def resolve(self, path):
        path = str(path)
        segment = path.partition("/")[0]
        resolver = self._candidates.get(segment) or self._resolver_for(segment)
        return resolver.resolve(path)


# A list this short is tried faster than the index is consulted (one more resolver level).
_FEW = 16


def by_first_segment(patterns: list) -> list:
    """``patterns`` resolved through the index of their first segment (module docstring), and
    so, in turn, what each include among them includes when it is more than a few patterns: the
    same include (prefix, namespace, default arguments) over its patterns indexed."""
    entries = [_indexed_inside(entry) for entry in patterns]
    if len(entries) < _FEW:
        return entries
    return [FirstSegmentResolver(entries)]


def _indexed_inside(entry):
    if type(entry) is not URLResolver or not isinstance(entry.pattern, RoutePattern):
        return entry  # a pattern, or someone's own resolver: as it is
    inside = list(entry.url_patterns)
    if len(inside) < _FEW:
        return entry
    return URLResolver(
        entry.pattern, by_first_segment(inside), entry.default_kwargs, entry.app_name, entry.namespace
    )
