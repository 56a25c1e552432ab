from django.urls import path

from guanjia.boards import home, views

urlpatterns = [
    path("", home.home, name="home"),
    path("boards/", views.board_home, name="board_home"),
    path("boards/hq/", views.hq_board, name="board_hq"),
    path("boards/project/<int:pk>/", views.project_board, name="board_project"),
    path("boards/figures/", views.figures, name="figures"),
    path("boards/figures/export.xlsx", views.figures_export, name="figures_export"),
]
