from django.contrib import admin
from django.urls import include, path

from guanjia.api import api
from guanjia.core.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("data/", include("guanjia.dataio.urls")),
    path("", include("guanjia.web.urls")),
]
