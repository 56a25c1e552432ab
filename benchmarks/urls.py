"""The site's URLs plus the HTTP benchmark's ceilings (``views``), for ``benchmarks.settings`` only."""

from django.urls import include, path

from benchmarks import views

urlpatterns = [
    path("bench/ping", views.ping),
    # The same view under /api/: what the middleware costs an API call (benchmarks.requestpath).
    path("api/bench/ping", views.ping),
    path("bench/one-query", views.one_query),
    path("bench/list-rows", views.list_rows),
    path("", include("guanjia.urls")),
]
