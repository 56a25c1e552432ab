from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "guanjia.feedback"
    label = "feedback"
    verbose_name = _("满意度与红黄蓝牌")

    def ready(self) -> None:
        from guanjia.feedback import kinds

        kinds.register()  # the kinds of notification it sends (SMS/WeChat templates)

        from guanjia.core.fee_results import register_fee_result_source
        from guanjia.feedback.selectors import governing_fee_result

        register_fee_result_source(governing_fee_result)  # 买单式: billing applies it to the bills
