from django.urls import path

from guanjia.facilities import views

app_name = "facilities"
urlpatterns = [
    path("", views.home, name="home"),
    path("equipment/", views.equipment_list, name="equipment_list"),
    path("equipment/new/", views.equipment_edit, name="equipment_create"),
    path("equipment/export.xlsx", views.equipment_export, name="equipment_export"),
    path("equipment/labels.pdf", views.equipment_labels, name="equipment_labels"),
    path("equipment/import/", views.equipment_import, name="equipment_import"),
    path("equipment/<int:pk>/", views.equipment_detail, name="equipment"),
    path("equipment/<int:pk>/edit/", views.equipment_edit, name="equipment_edit"),
    path("equipment/<int:pk>/files/", views.equipment_file, name="equipment_file"),
    path("equipment/<int:pk>/costs/", views.equipment_cost, name="equipment_cost"),
    path("q/<str:token>/", views.qr, name="qr"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/start/", views.task_start, name="task_start"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_edit, name="plan_create"),
    path("plans/fire-defaults/", views.fire_defaults, name="fire_defaults"),
    path("plans/<int:pk>/", views.plan_edit, name="plan_edit"),
    path("costs/", views.costs, name="costs"),
    path("patrol/", views.route_list, name="route_list"),
    path("patrol/new/", views.route_create, name="route_create"),
    path("patrol/<int:pk>/", views.route_detail, name="route"),
    path("patrol/<int:pk>/labels.pdf", views.route_labels, name="route_labels"),
    path("patrol/<int:pk>/order/", views.checkpoint_order, name="checkpoint_order"),
    path("patrol/today/", views.patrol_today, name="patrol_today"),
    path("checkpoints/<int:pk>/", views.checkpoint_edit, name="checkpoint_edit"),
    path("checkpoints/<int:pk>/move/", views.checkpoint_move, name="checkpoint_move"),
    path("checkpoints/<int:pk>/remove/", views.checkpoint_remove, name="checkpoint_remove"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/findings/", views.round_finding, name="round_finding"),
    path("p/<str:token>/", views.checkpoint_qr, name="checkpoint_qr"),
]
