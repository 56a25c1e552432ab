from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "guanjia.feedback"
    label = "feedback"
    verbose_name = _("满意度与红黄蓝牌")

    def ready(self) -> None:
        from guanjia.feedback import kinds

        kinds.register()  # the kinds of notification it sends (SMS/WeChat templates)
