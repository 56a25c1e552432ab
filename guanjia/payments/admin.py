"""Online payment in the admin: shown, never changed there (orders, notices, refunds and the
reconciliation move only through the services; merchants through the settings page, which seals
the secrets). A merchant's secrets are never shown, not even sealed."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin, ScopedInline
from guanjia.payments.models import (
    GatewayNotice,
    GatewayRefund,
    MerchantAccount,
    PayOrder,
    PayOrderBill,
    ReconDifference,
)


@admin.register(MerchantAccount)
class MerchantAccountAdmin(ReadOnlyAdmin):
    list_display = ("provider", "mchid", "appid", "project", "enabled")
    list_filter = ("provider", "enabled")
    exclude = ("private_key", "apiv3_key")


class PayOrderBillInline(ScopedInline):
    model = PayOrderBill
    fields = ("bill", "amount", "held")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PayOrder)
class PayOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "out_trade_no",
        "provider",
        "channel",
        "unit",
        "amount",
        "status",
        "refund_due",
        "created_at",
    )
    list_filter = ("provider", "status", "refund_due")
    search_fields = ("out_trade_no", "transaction_id")
    inlines = [PayOrderBillInline]


@admin.register(GatewayNotice)
class GatewayNoticeAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "provider", "kind", "outcome", "verified", "out_trade_no", "detail")
    list_filter = ("provider", "outcome", "verified")
    search_fields = ("out_trade_no", "transaction_id")


@admin.register(GatewayRefund)
class GatewayRefundAdmin(ReadOnlyAdmin):
    list_display = ("out_refund_no", "order", "amount", "status", "sent_at", "finished_at")
    list_filter = ("status",)


@admin.register(ReconDifference)
class ReconDifferenceAdmin(ReadOnlyAdmin):
    list_display = (
        "day",
        "provider",
        "kind",
        "out_trade_no",
        "gateway_amount",
        "ledger_amount",
        "resolution",
    )
    list_filter = ("provider", "kind", "resolution")
