from django.urls import path

from guanjia.estates import views

urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("buildings/", views.building_list, name="building_list"),
    path("buildings/new/", views.building_create, name="building_create"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building_edit"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("occupancies/<int:pk>/end/", views.occupancy_end, name="occupancy_end"),
    path("residents/<int:pk>/reveal-phone/", views.resident_reveal_phone, name="resident_reveal_phone"),
]
