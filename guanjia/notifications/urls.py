from django.urls import path

from guanjia.notifications import pages, reports, views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("badge/", views.badge, name="badge"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("settings/", views.channel_settings, name="settings"),
    path("wechat-templates/", views.wechat_template_page, name="wechat_templates"),
    path("wechat-templates/<int:pk>/delete/", views.wechat_template_remove, name="wechat_template_delete"),
    path("sms/", pages.sms_settings, name="sms_settings"),
    path("sms/templates/new/", pages.sms_template_edit, name="sms_template_create"),
    path("sms/templates/<int:pk>/", pages.sms_template_edit, name="sms_template_edit"),
    path("sms/templates/<int:pk>/delete/", pages.sms_template_delete, name="sms_template_delete"),
    path("delivery/", pages.delivery, name="delivery"),
    path("outbox/", pages.outbox, name="outbox"),
    # The providers' delivery reports: the secret token (GUANJIA_SMS_REPORT_TOKEN) is in the path.
    path("sms/report/<str:provider>/<str:token>/", reports.sms_report, name="sms_report"),
]
