"""The stores in the admin: shown, never changed there (stock, the ledger and purchase requests go
through services)."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin
from guanjia.stores.models import Movement, PurchaseRequest, Stock, StockItem, Store


@admin.register(StockItem)
class StockItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "unit", "is_active")
    search_fields = ("code", "name")


@admin.register(Store)
class StoreAdmin(ReadOnlyAdmin):
    list_display = ("name", "project", "keeper", "is_active")


@admin.register(Stock)
class StockAdmin(ReadOnlyAdmin):
    list_display = ("store", "item", "on_hand", "avg_cost", "min_level")


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ("moved_at", "store", "item", "kind", "quantity", "value")


@admin.register(PurchaseRequest)
class PurchaseRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "store", "item", "quantity", "amount", "status")
