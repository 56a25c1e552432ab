"""What residents' accounts add to lower apps, registered from ``ResidentsConfig.ready()``:

- notification kinds ``residents.invitation`` and ``residents.sms_code`` (the SMS templates' parameters);
- the "业主端" column and filter of the console's resident list, and the invitation panel of a
  resident's page (``estates.extensions``);
- the same column in the residents' export (``dataio.exporting``), filterable by ``account_state``.
"""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.roles import Perm
from guanjia.dataio import exporting
from guanjia.dataio.options import ImportOption, register_import_option
from guanjia.estates.api import ResidentFilter
from guanjia.estates.extensions import (
    ResidentColumn,
    ResidentPanel,
    register_resident_column,
    register_resident_panel,
)
from guanjia.estates.models import Resident
from guanjia.notifications.kinds import register_kind
from guanjia.residents.choices import AccountState
from guanjia.residents.models import Invitation
from guanjia.residents.selectors import state_label, with_account_state
from guanjia.residents.services import INVITATION_KIND, daily_max, resend_minutes
from guanjia.residents.signin import CODE_KIND


class ResidentAccountFilter(ResidentFilter):
    account_state: AccountState | None = None

    def filter_account_state(self, value):
        return Q(account_state=value) if value else Q()


def _export_rows(actor, filters):
    return filters.filter(with_account_state(Resident.objects.visible_to(actor)))


def _panel_context(resident, user):
    invitation = Invitation.objects.filter(resident=resident).select_related("sent_by").first()
    state = with_account_state(Resident.objects.filter(pk=resident.pk)).values_list(
        "account_state", flat=True
    )
    value = state.first() or AccountState.NOT_INVITED
    return {
        "resident": resident,
        "invitation": invitation,
        "state": value,
        "state_label": state_label(value),
        "can_invite": value != AccountState.ACTIVE,
        "resend_minutes": resend_minutes(),
        "daily_max": daily_max(),
    }


def _invite_after_import(*, job, actor, phones) -> None:
    """The file's residents who are not invited yet get the invitation, after the import commits."""
    ids = list(
        Resident.objects.filter(
            company_id=job.company_id, phone__in=phones, deleted_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if ids and actor is not None:
        from guanjia.residents import tasks  # the job module imports the services

        transaction.on_commit(lambda: tasks.invite_imported(actor.pk, ids))


def register() -> None:
    register_kind(INVITATION_KIND, _("业主服务邀请"), params=("company", "name", "hours", "link"))
    register_kind(CODE_KIND, _("登录验证码"), params=("code", "minutes"), urgent=True)
    register_resident_column(
        ResidentColumn(
            name="account_state",
            label=_("业主端"),
            annotate=with_account_state,
            choices=lambda: list(AccountState.choices),
            cell_template="residents/_state_cell.html",
            tools_template="residents/_list_tools.html",
        )
    )
    register_resident_panel(
        ResidentPanel(
            name="invitation",
            template="residents/_invitation_panel.html",
            context=_panel_context,
            perm=Perm.VIEW_RESIDENTS,
        )
    )
    register_import_option(
        ImportOption(
            name="invite_residents",
            label=_("导入后向文件中的住户发送业主端邀请短信"),
            help_text=_("已激活或已邀请的住户不会重复收到"),
            after=_invite_after_import,
        )
    )
    spec = exporting.EXPORTS.get("residents")
    if spec is not None and spec.filters is not ResidentAccountFilter:
        exporting.register_export(
            dataclasses.replace(
                spec,
                filters=ResidentAccountFilter,
                queryset=_export_rows,
                columns=[*spec.columns, (_("业主端"), lambda o: state_label(o.account_state))],
            )
        )
