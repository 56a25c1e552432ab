from django.urls import path

from guanjia.committee import portal, views

app_name = "committee"
urlpatterns = [
    path("committee/", views.committee_home, name="home"),
    path("committee/projects/<int:project_pk>/members/new/", views.member_add, name="member_add"),
    path("committee/projects/<int:project_pk>/meetings/new/", views.meeting_create, name="meeting_create"),
    path(
        "committee/projects/<int:project_pk>/resolutions/new/",
        views.resolution_create,
        name="resolution_create",
    ),
    path("committee/meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("committee/resolutions/<int:pk>/", views.resolution_detail, name="resolution_detail"),
    path("committee/votes/", views.vote_list, name="votes"),
    path("committee/votes/new/", views.vote_create, name="vote_create"),
    path("committee/votes/<int:pk>/", views.vote_detail, name="vote_detail"),
    path("committee/votes/<int:pk>/<str:action>/", views.vote_act, name="vote_act"),
    path("committee/suggestions/", views.suggestion_list, name="suggestions"),
    path("committee/suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("portal/votes/", portal.my_votes, name="portal_votes"),
    path("portal/votes/<int:pk>/", portal.vote_page, name="portal_vote"),
    path("portal/suggestions/", portal.suggestions, name="portal_suggestions"),
    path("portal/suggestions/<int:pk>/", portal.suggestion_page, name="portal_suggestion"),
]
