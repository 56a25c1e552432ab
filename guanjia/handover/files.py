"""Photos of inspection items and signatures drawn on a phone screen, stored like every photo
(``core.images``: type checked by content, metadata stripped) under ``handover/`` and served only
through ``core.media`` to those who may see the record that holds them."""

from __future__ import annotations

import base64
import binascii
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.core.images import clean_photo, save_photo

PREFIX = "handover"
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024
DATA_URL = "data:image/png;base64,"


def store_photo(upload, *, field: str = "photos") -> tuple[str, str]:
    return save_photo(clean_photo(upload, field=field), prefix=f"{PREFIX}/photos", field=field)


def signature_bytes(value, *, field: str = "signature") -> bytes:
    """The PNG of a signature: an uploaded file or the canvas's ``data:image/png;base64,…`` text."""
    if value is None or value == "":
        raise ValidationError({field: _("请签名")})
    if isinstance(value, str):
        if not value.startswith(DATA_URL):
            raise ValidationError({field: _("签名须为 PNG 图片")})
        try:
            data = base64.b64decode(value[len(DATA_URL) :], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError({field: _("签名数据无法识别，请重新签名")}) from None
    else:
        if hasattr(value, "seek"):
            value.seek(0)
        data = value.read(SIGNATURE_MAX_BYTES + 1)
    if len(data) > SIGNATURE_MAX_BYTES:
        raise ValidationError({field: _("签名图片过大")})
    if not data.startswith(b"\x89PNG"):
        raise ValidationError({field: _("签名须为 PNG 图片")})
    return data


def store_signature(value, *, field: str = "signature") -> str:
    """Store a signature as a cleaned PNG; its storage name."""
    photo = clean_photo(io.BytesIO(signature_bytes(value, field=field)), field=field)
    if photo.extension != "png":
        raise ValidationError({field: _("签名须为 PNG 图片")})
    image, _thumb = save_photo(photo, prefix=f"{PREFIX}/signatures", field=field)
    return image
