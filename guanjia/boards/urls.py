from django.urls import path

from guanjia.boards import views

urlpatterns = [
    path("boards/", views.board_home, name="board_home"),
    path("boards/hq/", views.hq_board, name="board_hq"),
    path("boards/project/<int:pk>/", views.project_board, name="board_project"),
    path("boards/figures/", views.figures, name="figures"),
    path("boards/figures/export.xlsx", views.figures_export, name="figures_export"),
]
