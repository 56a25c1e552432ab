from django.urls import path

from guanjia.gate import views, views_portal

app_name = "gate"
urlpatterns = [
    path("gate/", views.guard, name="guard"),
    path("gate/passes/<int:pk>/<str:action>/", views.pass_act, name="pass_act"),
    path("gate/walk-in/", views.walk_in, name="walk_in"),
    path("gate/log/", views.log, name="log"),
    path("gate/temporary/", views.temporary, name="temporary"),
    path("gate/temporary/enter/", views.temporary_enter, name="temporary_enter"),
    path("gate/temporary/<int:pk>/exit/", views.temporary_exit, name="temporary_exit"),
    path("gate/vehicles/", views.vehicles, name="vehicles"),
    path("gate/vehicles/new/", views.vehicle_new, name="vehicle_new"),
    path("gate/vehicles/<int:pk>/delete/", views.vehicle_delete, name="vehicle_delete"),
    path("gate/spaces/", views.spaces, name="spaces"),
    path("gate/spaces/new/", views.space_new, name="space_new"),
    path("gate/spaces/<int:pk>/rent/", views.space_rent, name="space_rent"),
    path("gate/spaces/<int:pk>/release/", views.space_release, name="space_release"),
    path("gate/blacklist/", views.blacklist, name="blacklist"),
    path("gate/blacklist/new/", views.blacklist_new, name="blacklist_new"),
    path("gate/blacklist/<int:pk>/remove/", views.blacklist_remove, name="blacklist_remove"),
    path("gate/cards/", views.cards, name="cards"),
    path("gate/cards/new/", views.card_new, name="card_new"),
    path("gate/cards/<int:pk>/revoke/", views.card_act, {"action": "revoke"}, name="card_revoke"),
    path("gate/cards/<int:pk>/done/", views.card_act, {"action": "done"}, name="card_done"),
    path("gate/gates/", views.gates, name="gates"),
    path("gate/gates/<int:pk>/token/", views.gate_token, name="gate_token"),
    path("portal/visitors/", views_portal.portal_passes, name="portal_passes"),
    path("portal/visitors/new/", views_portal.portal_pass_new, name="portal_pass_new"),
    path("portal/visitors/<int:pk>/", views_portal.portal_pass, name="portal_pass"),
    path("portal/visitors/<int:pk>/revoke/", views_portal.portal_pass_revoke, name="portal_pass_revoke"),
    path("portal/vehicles/", views_portal.portal_vehicles, name="portal_vehicles"),
    path("v/<str:token>/", views_portal.shared_pass, name="shared_pass"),
]
