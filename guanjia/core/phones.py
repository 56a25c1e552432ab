"""Residents' phone numbers: one normaliser and one mask, used everywhere."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalise_phone(raw: str) -> str:
    """Strip spaces, dashes in mobiles and a +86 prefix; reject what is not a Chinese number."""
    value = re.sub(r"[\s()]", "", str(raw or ""))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    compact = value.replace("-", "")
    if _MOBILE.match(compact):
        return compact
    if _LANDLINE.match(value):
        return value
    raise ValidationError(_("“%(value)s” 不是有效的电话号码") % {"value": raw})


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise a caller, not enough to harvest a list."""
    if not phone:
        return ""
    digits = phone.replace("-", "")
    if len(digits) >= 7:
        return (
            digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
            if len(digits) > 11
            else digits[:3] + "****" + digits[-4:]
        )
    return "****"
