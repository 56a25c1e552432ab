from django.urls import path

from guanjia.dataio import views

app_name = "dataio"

urlpatterns = [
    path("import/", views.import_start, name="import_start"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("import/template.<str:fmt>", views.import_template, name="import_template"),
    path("export/<str:resource>.<str:fmt>", views.export, name="export"),
]
