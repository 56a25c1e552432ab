from django.urls import path

from guanjia.notices import views

# The resident portal's pages (named in this app's namespace, under /portal/ like the rest of the portal).
app_name = "notices"
urlpatterns = [
    path("notices/", views.notice_list, name="list"),
    path("notices/new/", views.notice_create, name="create"),
    path("notices/buildings/", views.notice_buildings, name="buildings"),
    path("notices/calendar/", views.notice_calendar, name="calendar"),
    path("notices/cards/", views.card_list, name="cards"),
    path("notices/cards/<int:staff_pk>/", views.card_edit, name="card_edit"),
    path("notices/<int:pk>/", views.notice_detail, name="detail"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="edit"),
    path("notices/<int:pk>/unread/", views.notice_unread, name="unread"),
    path("notices/<int:pk>/<str:action>/", views.notice_act, name="act"),
    path("portal/notices/", views.portal_list, name="portal_list"),
    path("portal/notices/<int:pk>/", views.portal_detail, name="portal_detail"),
    path("portal/team/", views.portal_team, name="portal_team"),
]
