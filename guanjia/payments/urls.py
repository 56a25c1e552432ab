from django.urls import path

from guanjia.payments import notify, views

app_name = "payments"
urlpatterns = [
    path(
        "payments/notify/wechat/<int:company_id>/<int:project_id>/",
        notify.wechat_notify,
        name="wechat_notify",
    ),
    path(
        "payments/notify/alipay/<int:company_id>/<int:project_id>/",
        notify.alipay_notify,
        name="alipay_notify",
    ),
    path("payments/", views.order_list, name="orders"),
    path("payments/desk/", views.desk_native, name="desk"),
    path("payments/orders/<int:pk>/", views.order_detail, name="order"),
    path("payments/settings/", views.merchant_settings, name="settings"),
    path("payments/reconciliation/", views.reconciliation, name="reconciliation"),
    path("payments/reconciliation/<int:pk>/", views.reconciliation_resolve, name="reconciliation_resolve"),
    path("portal/pay/", views.portal_pay, name="portal_pay"),
    path("portal/pay/<str:no>/", views.portal_order, name="portal_order"),
    path("portal/pay/<str:no>/status/", views.portal_order_status, name="portal_order_status"),
]
