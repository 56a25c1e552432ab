from django.urls import path

from guanjia.emergencies import views

app_name = "emergencies"
urlpatterns = [
    path("", views.board, name="board"),
    path("open/", views.incident_open, name="incident_open"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/calls/", views.incident_calls, name="incident_calls"),
    path("incidents/<int:pk>/<str:action>/", views.incident_act, name="incident_act"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("posts/", views.post_list, name="post_list"),
    path("posts/<int:project_pk>/", views.post_detail, name="post_detail"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("drills/", views.drill_list, name="drill_list"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("statements/", views.statements, name="statements"),
]
