from django.urls import path

from guanjia.handover import views
from guanjia.handover.choices import HandoverInspectionKind

# The resident portal's pages (named like the rest of the portal).
portal_urls = [
    path("portal/handover/", views.portal_handover, name="portal_handover"),
    path("portal/handover/<int:pk>/record.pdf", views.portal_handover_pdf, name="portal_handover_pdf"),
]

app_name = "handover"
urlpatterns = [
    path("handover/", views.appointment_list, name="list"),
    path("handover/ready/", views.ready_list, name="ready"),
    path("handover/ready/mark/", views.ready_mark, name="ready_mark"),
    path("handover/ready/import/", views.ready_import, name="ready_import"),
    path("handover/new/", views.book, name="book"),
    path("handover/<int:pk>/", views.detail, name="detail"),
    path("handover/<int:pk>/record/", views.record, name="record"),
    path("handover/<int:pk>/bill/", views.bill, name="bill"),
    path("handover/<int:pk>/pay/", views.pay, name="pay"),
    path("handover/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("handover/<int:pk>/complete/", views.complete, name="complete"),
    path("handover/<int:pk>/inspect/", views.inspect, name="inspect"),
    path("handover/<int:pk>/sign/", views.sign, name="sign"),
    path("handover/<int:pk>/record.pdf", views.appointment_record_pdf, name="pdf"),
    path("handover/items/<int:item_pk>/", views.item, name="item"),
    path("handover/defects/<int:defect_pk>/reinspect/", views.reinspect, name="reinspect"),
    path("handover/defects/<int:defect_pk>/developer-done/", views.developer_done, name="developer_done"),
    path("handover/takeovers/", views.takeover_list, name="takeovers"),
    path("handover/takeovers/new/", views.takeover_new, name="takeover_new"),
    path("handover/takeovers/<int:pk>/", views.takeover, name="takeover"),
    path(
        "handover/takeovers/<int:pk>/inspect/",
        views.inspect,
        {"kind": HandoverInspectionKind.TAKEOVER},
        name="takeover_inspect",
    ),
    path("handover/takeovers/<int:pk>/record.pdf", views.takeover_pdf, name="takeover_pdf"),
]
