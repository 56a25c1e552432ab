"""The fixed vocabularies of online payment: gateways, ways of paying, states of an order."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    WECHAT = "wechat", _("微信支付")
    ALIPAY = "alipay", _("支付宝")


class PayChannel(models.TextChoices):
    """How the resident pays: with WeChat Pay inside WeChat (JSAPI), in another phone browser (H5),
    or by scanning a QR code shown at the desk (Native, 扫码付); with Alipay on the phone's browser
    (手机网站支付, alipay.trade.wap.pay) or by scanning a QR code (当面付, alipay.trade.precreate)."""

    JSAPI = "jsapi", _("微信内支付")
    H5 = "h5", _("手机浏览器支付")
    NATIVE = "native", _("扫码支付")
    ALIPAY_WAP = "alipay_wap", _("支付宝手机支付")
    ALIPAY_QR = "alipay_qr", _("支付宝扫码支付")


# Which gateway takes each way of paying; the order's ``provider`` follows from its channel.
CHANNEL_PROVIDER = {
    PayChannel.JSAPI: Provider.WECHAT,
    PayChannel.H5: Provider.WECHAT,
    PayChannel.NATIVE: Provider.WECHAT,
    PayChannel.ALIPAY_WAP: Provider.ALIPAY,
    PayChannel.ALIPAY_QR: Provider.ALIPAY,
}
# The QR code the desk shows, per gateway.
DESK_CHANNEL = {Provider.WECHAT: PayChannel.NATIVE, Provider.ALIPAY: PayChannel.ALIPAY_QR}


class OrderStatus(models.TextChoices):
    OPEN = "open", _("待支付")
    PAID = "paid", _("已支付")
    CLOSED = "closed", _("已关闭")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    PROCESSING = "processing", _("退款中")
    SUCCESS = "success", _("已退款")
    FAILED = "failed", _("退款异常")


class NoticeOutcome(models.TextChoices):
    """What a callback (or a query's answer) did."""

    POSTED = "posted", _("已入账")
    DUPLICATE = "duplicate", _("重复通知，未变更")
    NOT_PAID = "not_paid", _("未支付，未变更")
    LATE = "late", _("订单已关闭后到账，待退款")
    MISMATCH = "mismatch", _("金额或商户不符，未入账")
    UNKNOWN_ORDER = "unknown_order", _("订单不存在")
    REJECTED = "rejected", _("验签失败，未变更")
    REFUND = "refund", _("退款结果已记录")


class DiffKind(models.TextChoices):
    """A line of the daily reconciliation (对账): how the gateway's trade bill and the ledger differ."""

    GATEWAY_ONLY = "gateway_only", _("渠道有、账上无")
    LEDGER_ONLY = "ledger_only", _("账上有、渠道无")
    AMOUNT = "amount", _("金额不符")
    REFUND_GATEWAY_ONLY = "refund_gw_only", _("退款：渠道有、账上无")
    REFUND_LEDGER_ONLY = "refund_ledger", _("退款：账上有、渠道无")
    REFUND_AMOUNT = "refund_amount", _("退款金额不符")


class DiffResolution(models.TextChoices):
    POSTED = "posted", _("已补入账")
    REFUND = "refund", _("退款处理")
    EXPLAINED = "explained", _("已说明")
