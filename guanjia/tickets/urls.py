from django.urls import path

from guanjia.tickets import followups, views

urlpatterns = [
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/new/", views.ticket_create, name="ticket_create"),
    path("tickets/bulk/", views.ticket_bulk, name="ticket_bulk"),
    path("tickets/mine/", views.my_work, name="my_work"),
    path("tickets/followups/", followups.my_followups, name="ticket_followups"),
    path(
        "tickets/followups/<int:pk>/unreachable/", followups.my_followups, name="ticket_followup_unreachable"
    ),
    path("tickets/callers/", views.caller_search, name="ticket_caller_search"),
    path("tickets/callers/pick/", views.caller_pick, name="ticket_caller_pick"),
    path("tickets/assignee-options/", views.assignee_options, name="ticket_assignee_options"),
    path("tickets/building-options/", views.building_options, name="ticket_building_options"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/photos/", views.ticket_photos, name="ticket_photos"),
    path("tickets/<int:pk>/print/", views.ticket_print, name="ticket_print"),
    path("tickets/<int:pk>/reveal-phone/", views.ticket_reveal_phone, name="ticket_reveal_phone"),
    path("tickets/<int:pk>/<str:action>/", views.ticket_act, name="ticket_act"),
    path("portal/", views.portal_home, name="portal_home"),
    path("portal/report/", views.portal_report, name="portal_report"),
    path("portal/services/", views.portal_services, name="portal_services"),
    path("portal/tickets/<int:pk>/", views.portal_ticket_detail, name="portal_ticket_detail"),
    path("portal/tickets/<int:pk>/photos/", views.portal_photos, name="portal_photos"),
    path("portal/tickets/<int:pk>/<str:action>/", views.portal_act, name="portal_act"),
]
