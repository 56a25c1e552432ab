from django.urls import path

from guanjia.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("badge/", views.badge, name="badge"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("settings/", views.channel_settings, name="settings"),
    path("wechat-templates/", views.wechat_template_page, name="wechat_templates"),
    path("wechat-templates/<int:pk>/delete/", views.wechat_template_remove, name="wechat_template_delete"),
]
