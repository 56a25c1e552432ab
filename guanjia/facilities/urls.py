from django.urls import path

from guanjia.facilities.views import costs, ledger, maintenance, patrols

app_name = "facilities"
urlpatterns = [
    path("", maintenance.home, name="home"),
    path("equipment/", ledger.equipment_list, name="equipment_list"),
    path("equipment/new/", ledger.equipment_edit, name="equipment_create"),
    path("equipment/export.xlsx", ledger.equipment_export, name="equipment_export"),
    path("equipment/labels.pdf", ledger.equipment_labels, name="equipment_labels"),
    path("equipment/import/", ledger.equipment_import, name="equipment_import"),
    path("equipment/<int:pk>/", ledger.equipment_detail, name="equipment"),
    path("equipment/<int:pk>/edit/", ledger.equipment_edit, name="equipment_edit"),
    path("equipment/<int:pk>/files/", ledger.equipment_file, name="equipment_file"),
    path("equipment/<int:pk>/costs/", costs.equipment_cost, name="equipment_cost"),
    path("q/<str:token>/", ledger.qr, name="qr"),
    path("tasks/<int:pk>/", maintenance.task_detail, name="task"),
    path("tasks/<int:pk>/start/", maintenance.task_start, name="task_start"),
    path("plans/", maintenance.plan_list, name="plan_list"),
    path("plans/new/", maintenance.plan_edit, name="plan_create"),
    path("plans/fire-defaults/", maintenance.fire_defaults, name="fire_defaults"),
    path("plans/<int:pk>/", maintenance.plan_edit, name="plan_edit"),
    path("costs/", costs.costs, name="costs"),
    path("patrol/", patrols.route_list, name="route_list"),
    path("patrol/new/", patrols.route_create, name="route_create"),
    path("patrol/<int:pk>/", patrols.route_detail, name="route"),
    path("patrol/<int:pk>/labels.pdf", patrols.route_labels, name="route_labels"),
    path("patrol/<int:pk>/order/", patrols.checkpoint_order, name="checkpoint_order"),
    path("patrol/today/", patrols.patrol_today, name="patrol_today"),
    path("checkpoints/<int:pk>/", patrols.checkpoint_edit, name="checkpoint_edit"),
    path("checkpoints/<int:pk>/move/", patrols.checkpoint_move, name="checkpoint_move"),
    path("checkpoints/<int:pk>/remove/", patrols.checkpoint_remove, name="checkpoint_remove"),
    path("rounds/<int:pk>/", patrols.round_detail, name="round"),
    path("rounds/<int:pk>/findings/", patrols.round_finding, name="round_finding"),
    path("p/<str:token>/", patrols.checkpoint_qr, name="checkpoint_qr"),
]
