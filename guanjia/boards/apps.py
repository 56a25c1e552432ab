from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardsConfig(AppConfig):
    name = "guanjia.boards"
    label = "boards"
    verbose_name = _("看板与统计")
