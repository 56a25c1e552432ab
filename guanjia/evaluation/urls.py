from django.urls import path

from guanjia.evaluation import rewards_views, views

app_name = "evaluation"
urlpatterns = [
    path("staff/figures/", views.figures_page, name="figures"),
    path("staff/figures/export.xlsx", views.figures_export, name="figures_export"),
    path("staff/rankings/", views.ranking_list, name="ranking_list"),
    path("staff/rankings/<int:pk>/", views.ranking_detail, name="ranking_detail"),
    path("staff/rankings/<int:pk>/publish/", views.ranking_publish, name="ranking_publish"),
    path("staff/rankings/<int:pk>/rows/<int:row_pk>/remark/", views.ranking_remark, name="ranking_remark"),
    path("staff/awards/", views.award_list, name="award_list"),
    path("staff/awards/<int:pk>/delete/", views.award_delete, name="award_delete"),
    path("staff/<int:pk>/training/", views.training_history, name="training_history"),
    path("staff/rewards/", rewards_views.reward_list, name="reward_list"),
    path("staff/rewards/new/", rewards_views.reward_new, name="reward_new"),
    path("staff/rewards/mine/", rewards_views.reward_mine, name="reward_mine"),
    path("staff/rewards/summary/", rewards_views.reward_summary, name="reward_summary"),
    path("staff/rewards/<int:pk>/", rewards_views.reward_detail, name="reward_detail"),
    path("staff/rewards/<int:pk>/<str:action>/", rewards_views.reward_decide, name="reward_decide"),
    path("portal/stars/", views.portal_stars, name="portal_stars"),
]
