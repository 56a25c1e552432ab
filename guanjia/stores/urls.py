from django.urls import path

from guanjia.stores import views

app_name = "stores"
urlpatterns = [
    path("stores/", views.stock_list, name="stock"),
    path("stores/items/", views.item_list, name="items"),
    path("stores/items/new/", views.item_edit, name="item_create"),
    path("stores/items/<int:pk>/", views.item_edit, name="item_edit"),
    path("stores/stores/", views.store_list, name="stores"),
    path("stores/stores/<int:pk>/", views.store_detail, name="store"),
    path("stores/movements/", views.movement_list, name="movements"),
    path("stores/movements/new/<str:kind>/", views.movement_create, name="movement_create"),
    path("stores/movements/<int:pk>/return/", views.movement_return, name="movement_return"),
    path("stores/stocktakes/<int:pk>/", views.stocktake_detail, name="stocktake"),
    path("stores/stores/<int:pk>/stocktake/", views.stocktake_start, name="stocktake_start"),
    path("stores/purchases/", views.purchase_list, name="purchases"),
    path("stores/purchases/new/", views.purchase_create, name="purchase_create"),
    path("stores/purchases/policy/", views.policy_set, name="policy"),
    path("stores/purchases/<int:pk>/", views.purchase_detail, name="purchase"),
    path("stores/purchases/<int:pk>/<str:action>/", views.purchase_act, name="purchase_act"),
    path("stores/figures/", views.figures, name="figures"),
    path("stores/take/", views.take_parts, name="take"),
]
