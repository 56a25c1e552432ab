from django.urls import path

from guanjia.dispatch import views

urlpatterns = [
    path("queue/", views.queue, name="dispatch_queue"),
    path("queue/<int:pk>/", views.queue_dispatch, name="dispatch_queue_dispatch"),
    path("rules/", views.rule_list, name="dispatch_rule_list"),
    path("rules/new/", views.rule_create, name="dispatch_rule_create"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="dispatch_rule_edit"),
    path("rules/<int:pk>/deactivate/", views.rule_deactivate, name="dispatch_rule_deactivate"),
]
