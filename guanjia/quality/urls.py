from django.urls import path

from guanjia.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.audit_list, name="audit_list"),
    path("audits/new/", views.audit_new, name="audit_new"),
    path("audits/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:pk>/results/<int:result_pk>/", views.result_save, name="result_save"),
    path("audits/<int:pk>/results/<int:result_pk>/photos/", views.result_photo, name="result_photo"),
    path("audits/<int:pk>/submit/", views.audit_submit, name="audit_submit"),
    path("audits/<int:pk>/report.pdf", views.audit_pdf, name="audit_pdf"),
    path("nonconformances/", views.nc_list, name="nc_list"),
    path("nonconformances/<int:pk>/", views.nc_detail, name="nc_detail"),
    path("nonconformances/<int:pk>/<str:action>/", views.nc_act, name="nc_act"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/import/", views.template_import, name="template_import"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/export.xlsx", views.template_export, name="template_export"),
    path("templates/<int:pk>/copy/", views.template_copy, name="template_copy"),
    path("templates/<int:pk>/revise/", views.template_revise, name="template_revise"),
    path("templates/<int:pk>/sections/new/", views.section_edit, name="section_new"),
    path("templates/<int:pk>/sections/<int:section_pk>/", views.section_edit, name="section_edit"),
    path("templates/<int:pk>/items/new/", views.item_edit, name="item_new"),
    path("templates/<int:pk>/items/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_edit, name="plan_edit"),
    path("settings/", views.settings_page, name="settings"),
    path("figures/", views.figures, name="figures"),
    path("figures/export.xlsx", views.figures_export, name="figures_export"),
    path("projects/<int:pk>/", views.project_page, name="project_page"),
]
