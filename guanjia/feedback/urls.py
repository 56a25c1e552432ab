from django.urls import path

from guanjia.feedback import views

app_name = "feedback"
urlpatterns = [
    path("feedback/surveys/", views.survey_list, name="survey_list"),
    path("feedback/surveys/new/", views.survey_new, name="survey_new"),
    path("feedback/surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("feedback/surveys/<int:pk>/<str:action>/", views.survey_act, name="survey_act"),
    path("feedback/cards/", views.cards, name="cards"),
    path("feedback/cards/<int:pk>/close/", views.card_close, name="card_close"),
    path("portal/surveys/", views.portal_surveys, name="portal_surveys"),
    path("portal/surveys/<int:pk>/", views.portal_survey, name="portal_survey"),
    path("portal/cards/", views.portal_cards, name="portal_cards"),
]
