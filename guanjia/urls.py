from django.contrib import admin
from django.urls import include, path, re_path

from guanjia.api import api
from guanjia.core.health import healthz, readyz
from guanjia.core.media import serve_file
from guanjia.core.metrics import metrics_view
from guanjia.core.urlindex import by_first_segment
from guanjia.handover.urls import portal_urls as handover_portal_urls
from guanjia.households.urls import portal_urls as household_portal_urls
from guanjia.lending.urls import portal_urls as lending_portal_urls
from guanjia.renovation.urls import portal_urls as renovation_portal_urls
from guanjia.staff import views as staff_views
from guanjia.web.errors import api_not_found

# The staff list and records (not namespaced, as the console has always named them).
staff_people_urls = [
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", staff_views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", staff_views.staff_edit, name="staff_edit"),
]

# Refusals and failures: JSON under /api/, a page in the console layout elsewhere (web.errors).
handler400 = "guanjia.web.errors.bad_request"
handler403 = "guanjia.web.errors.permission_denied"
handler404 = "guanjia.web.errors.page_not_found"
handler500 = "guanjia.web.errors.server_error"

site_patterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # Uploaded files, each to those who may see its record (core.media); never a public directory.
    path("media/<path:name>", serve_file, name="private_file"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Whatever under /api/ no operation answers is the API's JSON 404, with DEBUG on too.
    re_path(r"^api/", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("data/", include("guanjia.dataio.urls")),
    path("notifications/", include("guanjia.notifications.urls")),
    path("", include("guanjia.boards.urls")),
    path("dispatch/", include("guanjia.dispatch.urls")),
    path("quality/", include("guanjia.quality.urls")),
    path("facilities/", include("guanjia.facilities.urls")),
    path("emergencies/", include("guanjia.emergencies.urls")),
    path("households/", include("guanjia.households.urls")),
    path("", include("guanjia.notices.urls")),
    path("", include("guanjia.events.urls")),
    path("", include("guanjia.committee.urls")),
    path("", include("guanjia.gate.urls")),
    path("", include(household_portal_urls)),
    path("", include(renovation_portal_urls)),
    path("", include("guanjia.renovation.urls")),
    path("", include(handover_portal_urls)),
    path("", include("guanjia.handover.urls")),
    path("", include(lending_portal_urls)),
    path("", include("guanjia.lending.urls")),
    path("", include("guanjia.contractors.urls")),
    path("", include("guanjia.rotas.urls")),
    path("", include("guanjia.stores.urls")),
    path("", include("guanjia.billing.urls")),
    path("", include("guanjia.payments.urls")),
    path("", include("guanjia.feedback.urls")),
    path("", include("guanjia.sla.urls")),
    path("", include("guanjia.tickets.urls")),
    path("", include("guanjia.evaluation.urls")),
    path("", include("guanjia.residents.urls")),
    path("", include("guanjia.estates.urls")),
    path("", include(staff_people_urls)),
    path("", include("guanjia.web.urls")),
]

# Resolved by the path's first segment, not pattern after pattern, and so are the includes
# (core.urlindex).
urlpatterns = by_first_segment(site_patterns)
