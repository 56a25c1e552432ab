from django.contrib.auth import views as auth_views
from django.urls import path

from guanjia.estates import views as estates
from guanjia.staff import views as staff
from guanjia.web import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("projects/", estates.project_list, name="project_list"),
    path("projects/new/", estates.project_create, name="project_create"),
    path("projects/<int:pk>/", estates.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", estates.project_edit, name="project_edit"),
    path("buildings/", estates.building_list, name="building_list"),
    path("buildings/new/", estates.building_create, name="building_create"),
    path("buildings/<int:pk>/", estates.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", estates.building_edit, name="building_edit"),
    path("units/", estates.unit_list, name="unit_list"),
    path("units/new/", estates.unit_create, name="unit_create"),
    path("units/<int:pk>/", estates.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", estates.unit_edit, name="unit_edit"),
    path("residents/", estates.resident_list, name="resident_list"),
    path("residents/new/", estates.resident_create, name="resident_create"),
    path("residents/<int:pk>/", estates.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", estates.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/reveal-phone/", estates.resident_reveal_phone, name="resident_reveal_phone"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_create, name="staff_create"),
    path("staff/<int:pk>/", staff.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", staff.staff_edit, name="staff_edit"),
]
