from django.urls import path

from guanjia.rotas import views

app_name = "rotas"
urlpatterns = [
    path("rotas/", views.grid, name="grid"),
    path("rotas/assign/", views.assign, name="assign"),
    path("rotas/copy-week/", views.copy_week, name="copy_week"),
    path("rotas/shifts/<int:pk>/remove/", views.shift_remove, name="shift_remove"),
    path("rotas/shifts/<int:pk>/correct/", views.shift_correct, name="shift_correct"),
    path("rotas/posts/", views.post_list, name="posts"),
    path("rotas/posts/<int:pk>/qr/", views.post_qr, name="post_qr"),
    path("rotas/patterns/", views.pattern_list, name="patterns"),
    path("rotas/swaps/", views.swap_list, name="swaps"),
    path("rotas/swaps/<int:pk>/<str:verdict>/", views.swap_decide, name="swap_decide"),
    path("rotas/attendance/", views.attendance, name="attendance"),
    path("rotas/attendance/<int:staff_id>/", views.attendance_person, name="attendance_person"),
    path("rotas/me/", views.my_shifts, name="my_shifts"),
    path("rotas/me/<int:pk>/swap/", views.swap_request, name="swap_request"),
    path("rotas/clock/<str:token>/", views.clock, name="clock"),
]
