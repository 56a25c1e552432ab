"""Plans (装修图纸) as private files: a PDF checked by its content, or a photo cleaned like every
photo (``core.images``). Stored under ``renovation/`` and served only through ``core.media``."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from guanjia.core.images import clean_photo, save_photo

PLAN_MAX_BYTES = 20 * 1024 * 1024
PREFIX = "renovation"


def store_plan(upload, *, field: str = "plans") -> tuple[str, str]:
    """(original name, storage name) of an uploaded plan; a ValidationError on ``field`` otherwise."""
    name = (getattr(upload, "name", "") or "plan")[-120:]
    if hasattr(upload, "seek"):
        upload.seek(0)
    head = upload.read(5)
    if head == b"%PDF-":
        data = head + upload.read(PLAN_MAX_BYTES)
        if len(data) > PLAN_MAX_BYTES:
            raise ValidationError({field: _("图纸文件不能超过 20 MB")})
        try:
            stored = default_storage.save(f"{PREFIX}/plans/{uuid.uuid4().hex}.pdf", ContentFile(data))
        except Exception as exc:
            raise ValidationError({field: _("文件存储暂时不可用，请稍后重试")}) from exc
        return name, stored
    if hasattr(upload, "seek"):
        upload.seek(0)
    try:
        photo = clean_photo(upload, field=field)
    except ValidationError:
        raise ValidationError({field: _("图纸只支持 PDF 或 JPEG、PNG、WebP 图片")}) from None
    image, _thumb = save_photo(photo, prefix=f"{PREFIX}/plans", field=field)
    return name, image


def store_photo(upload, *, field: str = "photos") -> tuple[str, str]:
    return save_photo(clean_photo(upload, field=field), prefix=f"{PREFIX}/violations", field=field)
