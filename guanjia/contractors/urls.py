from django.urls import path

from guanjia.contractors import views

app_name = "contractors"
urlpatterns = [
    path("contractors/", views.contractor_list, name="contractors"),
    path("contractors/new/", views.contractor_edit, name="contractor_create"),
    path("contractors/<int:pk>/", views.contractor_detail, name="contractor"),
    path("contractors/<int:pk>/edit/", views.contractor_edit, name="contractor_edit"),
    path("contractors/<int:pk>/deactivate/", views.contractor_deactivate, name="contractor_deactivate"),
    path("contractors/<int:pk>/workers/", views.worker_link, name="worker_link"),
    path("contractors/workers/<int:pk>/remove/", views.worker_unlink, name="worker_unlink"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/new/", views.contract_edit, name="contract_create"),
    path("contracts/reminder-days/", views.reminder_days_set, name="reminder_days"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/<slug:action>/", views.contract_action, name="contract_action"),
]
