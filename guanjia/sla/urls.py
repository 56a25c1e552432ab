from django.urls import path

from guanjia.sla import views

urlpatterns = [
    path("sla/", views.settings_page, name="sla_settings"),
    path("sla/policies/new/", views.policy_edit, name="sla_policy_create"),
    path("sla/policies/<int:pk>/", views.policy_edit, name="sla_policy_edit"),
    path("sla/calendars/new/", views.calendar_edit, name="sla_calendar_create"),
    path("sla/calendars/<int:pk>/", views.calendar_edit, name="sla_calendar_edit"),
    path("sla/calendars/<int:pk>/days/", views.calendar_day_add, name="sla_calendar_day_add"),
    path("sla/calendars/<int:pk>/year/", views.calendar_year_enter, name="sla_calendar_year"),
    path(
        "sla/calendars/<int:pk>/days/<int:day_pk>/delete/",
        views.calendar_day_delete,
        name="sla_calendar_day_delete",
    ),
]
