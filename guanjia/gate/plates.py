"""Chinese licence plates (GA 36-2018): normalised (upper case, no spaces or dots) and checked.

- ordinary (7 characters): province, issuing-office letter, five letters or digits (I and O are never
  used), the last may be 挂 / 学 / 警 / 港 / 澳 — 粤B12345, 京A1234学;
- new-energy (8 characters): small cars have D (electric) or F (hybrid) third, then a letter or digit
  and four digits — 粤BD12345, 沪ADA1234; large ones five digits then D or F — 粤B12345D.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"  # letters without I and O
_ORDINARY = rf"[{PROVINCES}][{_L}][{_L}0-9]{{4}}[{_L}0-9挂学警港澳]"
_NEV_SMALL = rf"[{PROVINCES}][{_L}][DF][{_L}0-9][0-9]{{4}}"
_NEV_LARGE = rf"[{PROVINCES}][{_L}][0-9]{{5}}[DF]"
PLATE_RE = re.compile(rf"^(?:{_ORDINARY}|{_NEV_SMALL}|{_NEV_LARGE})$")


def normalize_plate(value: str) -> str:
    """粤b·12345 → 粤B12345 (what a guard types or a camera reports)."""
    return re.sub(r"[\s·.\-]", "", value or "").upper()


def is_plate(value: str) -> bool:
    return bool(PLATE_RE.match(value or ""))


def validate_plate(value: str) -> None:
    if value and not is_plate(value):
        raise ValidationError(_("车牌号格式不正确（如 粤B12345，新能源 粤BD12345）"), code="invalid_plate")
