"""Which WeChat template message carries each kind of notification (per company), set by a company
administrator in the console (微信模板消息) or through the API. Checked when it is set, not when a
message is sent at 3 a.m.: the kind must be registered and every template variable must be filled
from a parameter the kind offers (``kinds.Kind.offered``)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.errors import NotFound
from guanjia.core.roles import Perm
from guanjia.core.scoping import require, scope_for
from guanjia.core.services import save_validated, service
from guanjia.notifications.kinds import kind_of
from guanjia.notifications.models import WechatTemplate

TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
VARIABLE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")


def _checked(kind: str, template_id: str, variables) -> tuple[str, str, dict]:
    errors: dict[str, list[str]] = {}
    kind = (kind or "").strip()
    try:
        offered = kind_of(kind).offered
    except LookupError:
        errors["kind"] = [_("未知的通知类型：%(k)s") % {"k": kind}]
        offered = ()
    template_id = (template_id or "").strip()
    if not TEMPLATE_ID.match(template_id):
        errors["template_id"] = [_("模板 ID 只能由字母、数字、_ 和 - 组成")]
    if not isinstance(variables, dict) or not variables:
        errors["variables"] = [_("请至少填写一个模板变量")]
    elif "kind" not in errors:
        for variable, param in sorted(variables.items()):
            if not isinstance(variable, str) or not VARIABLE.match(variable):
                errors.setdefault("variables", []).append(_("模板变量名不正确：%(v)s") % {"v": variable})
            elif param not in offered:
                errors.setdefault("variables", []).append(
                    _("模板变量 %(v)s 的取值 %(p)s 不是此通知类型提供的参数（可用：%(offered)s）")
                    % {"v": variable, "p": param, "offered": ", ".join(offered)}
                )
    if errors:
        raise ValidationError(errors)
    return kind, template_id, {str(k): str(v) for k, v in variables.items()}


@service
def wechat_template_set(*, actor, kind: str, template_id: str, variables: dict) -> WechatTemplate:
    """Create or replace the company's template of ``kind``."""
    require(actor, Perm.ADMIN)
    kind, template_id, variables = _checked(kind, template_id, variables)
    company_id = scope_for(actor).company_id
    template = WechatTemplate.objects.select_for_update().filter(company_id=company_id, kind=kind).first()
    if template is None:
        template = WechatTemplate(company_id=company_id, kind=kind)
    template.template_id = template_id
    template.variables = variables
    return save_validated(template)


@service
def wechat_template_delete(*, actor, template: WechatTemplate) -> None:
    require(actor, Perm.ADMIN)
    locked = WechatTemplate.objects.select_for_update().filter(pk=template.pk).first()
    if locked is None:
        raise NotFound(_("模板不存在"))
    locked.delete()
