"""Where a resident stands with the portal: invited or not, active or not."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountState(models.TextChoices):
    """Shown in the resident list and its export (``selectors.account_state``)."""

    NOT_INVITED = "not_invited", _("未邀请")
    INVITED = "invited", _("已邀请")
    ACTIVE = "active", _("已激活")
    EXPIRED = "expired", _("邀请已过期")
