"""Private files of the committee: minutes (PDF or photo) and paper-ballot scans, checked by their
content (a PDF by its header; a photo cleaned by ``core.images``), served only through ``core.media``."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from guanjia.core.images import clean_photo, save_photo

MAX_BYTES = 20 * 1024 * 1024
PREFIX = "committee"


def store_file(upload, *, kind: str, field: str) -> tuple[str, str, int, str]:
    """(original name, storage name, size, content type) of a PDF or photo; 422 on ``field`` else."""
    name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][-120:]
    if hasattr(upload, "seek"):
        upload.seek(0)
    head = upload.read(5)
    if head == b"%PDF-":
        data = head + upload.read(MAX_BYTES)
        if len(data) > MAX_BYTES:
            raise ValidationError({field: _("文件不能超过 20 MB")})
        try:
            stored = default_storage.save(f"{PREFIX}/{kind}/{uuid.uuid4().hex}.pdf", ContentFile(data))
        except Exception as exc:
            raise ValidationError({field: _("文件存储暂时不可用，请稍后重试")}) from exc
        return name, stored, len(data), "application/pdf"
    if hasattr(upload, "seek"):
        upload.seek(0)
    try:
        photo = clean_photo(upload, field=field)
    except ValidationError:
        raise ValidationError({field: _("只支持 PDF 或 JPEG、PNG、WebP 图片")}) from None
    image, thumb = save_photo(photo, prefix=f"{PREFIX}/{kind}", field=field)
    default_storage.delete(thumb)
    return name, image, len(photo.content), photo.content_type


def store_photo(upload, *, field: str = "photo") -> tuple[str, str]:
    return save_photo(clean_photo(upload, field=field), prefix=f"{PREFIX}/suggestions", field=field)
