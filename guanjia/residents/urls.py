from django.urls import path

from guanjia.residents import views

app_name = "residents"

urlpatterns = [
    path("portal/login/", views.sms_login, name="login"),
    path("portal/login/choose/", views.choose_company, name="choose"),
    path("portal/activate/<str:token>/", views.activate, name="activate"),
    path("portal/wechat/", views.wechat_start, name="wechat"),
    path("portal/wechat/callback/", views.wechat_callback, name="wechat_callback"),
    path("residents/invite/", views.invite_bulk, name="invite_bulk"),
    path("residents/<int:pk>/invite/", views.invite, name="invite"),
    path("residents/<int:pk>/revoke-invitation/", views.revoke, name="revoke"),
]
