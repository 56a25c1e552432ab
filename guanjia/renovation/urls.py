from django.urls import path

from guanjia.renovation import views

# The resident portal's pages (named like the rest of the portal).
portal_urls = [
    path("portal/renovation/", views.portal_renovations, name="portal_renovations"),
    path("portal/renovation/apply/", views.portal_apply, name="portal_renovation_apply"),
]

app_name = "renovation"
urlpatterns = [
    path("renovation/", views.renovation_list, name="list"),
    path("renovation/new/", views.renovation_create, name="create"),
    path("renovation/patrol/", views.patrol_today, name="patrol"),
    path("renovation/patrol/<int:pk>/", views.patrol_stop, name="stop"),
    path("renovation/<int:pk>/", views.renovation_detail, name="detail"),
    path("renovation/<int:pk>/approve/", views.renovation_approve, name="approve"),
    path("renovation/<int:pk>/reject/", views.renovation_reject, name="reject"),
    path("renovation/<int:pk>/bill/", views.renovation_bill, name="bill"),
    path("renovation/<int:pk>/permit/", views.renovation_permit, name="permit"),
    path("renovation/<int:pk>/workers/", views.worker_add, name="worker_add"),
    path("renovation/<int:pk>/workers/<int:worker_pk>/revoke/", views.worker_revoke, name="worker_revoke"),
    path("renovation/<int:pk>/complete/", views.renovation_complete, name="complete"),
    path("renovation/<int:pk>/resume/", views.renovation_resume, name="resume"),
    path("renovation/<int:pk>/deductions/", views.deduction_add, name="deduction_add"),
    path("renovation/<int:pk>/refund/", views.refund_request, name="refund_request"),
    path("renovation/<int:pk>/refund/decide/", views.refund_decide, name="refund_decide"),
    path(
        "renovation/<int:pk>/violations/<int:violation_pk>/rectify/",
        views.violation_rectify,
        name="violation_rectify",
    ),
]
