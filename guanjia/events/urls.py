from django.urls import path

from guanjia.events import views

app_name = "events"
urlpatterns = [
    path("events/", views.event_list, name="list"),
    path("events/new/", views.event_create, name="create"),
    path("events/check-in/", views.check_in, name="check_in"),
    path("events/check-in/<str:token>/", views.check_in, name="check_in_token"),
    path("events/signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("events/<int:pk>/", views.event_detail, name="detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="edit"),
    path("events/<int:pk>/<str:action>/", views.event_act, name="act"),
    path("portal/events/", views.portal_list, name="portal_list"),
    path("portal/events/<int:pk>/", views.portal_detail, name="portal_detail"),
    path("portal/events/<int:pk>/rate/", views.portal_rate, name="portal_rate"),
    path("portal/events/signups/<int:pk>/cancel/", views.portal_cancel, name="portal_cancel"),
]
