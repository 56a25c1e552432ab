from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "guanjia.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self):
        from guanjia.accounts.services import connect_token_signals, token_authenticate
        from guanjia.core.api import set_token_authenticator

        connect_token_signals()
        set_token_authenticator(token_authenticate)
