"""Photos that residents and technicians upload (repair requests, audits, equipment).

Every photo goes through ``clean_photo`` before it is stored: the content decides the format (never the
file name or the declared content type), the pixels are re-encoded from scratch so no metadata survives
(EXIF with the phone's GPS position, XMP, ICC profiles, comments), EXIF orientation is applied first so
the picture still stands the right way up, and a small JPEG thumbnail is made for lists and timelines.
``save_photo`` stores both through Django's default storage, so S3-compatible storage works unchanged.
"""

from __future__ import annotations

import contextlib
import io
import logging
import struct
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A phone camera makes 12–50 megapixels; a small file claiming far more is a decompression bomb.
MAX_PIXELS = 50_000_000
ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZE = (320, 320)
JPEG_QUALITY = 85
WEBP_QUALITY = 85
THUMBNAIL_QUALITY = 80

# Modes the PNG encoder writes as they are; anything else is converted to RGB(A).
_PNG_MODES = {"1", "L", "LA", "I", "I;16", "RGB", "RGBA"}


@dataclass
class CleanPhoto:
    """A photo ready to store: re-encoded pixels without metadata, plus its thumbnail (JPEG)."""

    content: bytes
    thumbnail: bytes
    content_type: str
    extension: str
    width: int
    height: int


def max_upload_bytes() -> int:
    return int(getattr(settings, "PHOTO_MAX_BYTES", None) or MAX_UPLOAD_BYTES)


def max_pixels() -> int:
    return int(getattr(settings, "PHOTO_MAX_PIXELS", None) or MAX_PIXELS)


def clean_photo(upload, *, field: str = "photo") -> CleanPhoto:
    """Check an uploaded photo and re-encode it without metadata.

    ``upload`` is a Django ``UploadedFile`` or any file-like object with ``read()`` (``size`` and
    ``name`` are used when present). Raises ``ValidationError({field: [message]})`` for a file that is
    too big, not a JPEG/PNG/WebP image, truncated or corrupt, or has too many pixels.
    """
    limit = max_upload_bytes()
    too_big = ValidationError({field: [_("照片不能超过 %(size)s MB") % {"size": _megabytes(limit)}]})
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise too_big
    if hasattr(upload, "seek"):
        with contextlib.suppress(OSError, ValueError):  # a pipe cannot rewind; read what is left
            upload.seek(0)
    data = upload.read(limit + 1)
    if isinstance(data, str):  # a text-mode file is certainly not a photo
        data = data.encode()
    if len(data) > limit:
        raise too_big
    if not data:
        raise ValidationError({field: [_("请选择一张照片")]})

    too_many_pixels = ValidationError(
        {field: [_("照片像素过多（上限 %(mp)s 百万像素）") % {"mp": f"{max_pixels() / 1_000_000:g}"}]}
    )
    try:
        image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
    except UnidentifiedImageError:
        raise ValidationError({field: [_("只支持 JPEG、PNG 或 WebP 格式的照片")]}) from None
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise ValidationError({field: [_("照片已损坏或不完整，请重新选择")]}) from None

    with image:
        fmt = image.format
        if fmt not in ALLOWED_FORMATS:
            raise ValidationError({field: [_("只支持 JPEG、PNG 或 WebP 格式的照片")]})
        # The header gives the size before any pixel is decoded: refuse bombs before load().
        width, height = image.size
        if width <= 0 or height <= 0 or width * height > max_pixels():
            raise too_many_pixels
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
        except Image.DecompressionBombError:
            raise too_many_pixels from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise ValidationError({field: [_("照片已损坏或不完整，请重新选择")]}) from None

    pixels = _bare(_for_format(_to_srgb(upright), fmt))
    content = _encode(pixels, fmt)
    return CleanPhoto(
        content=content,
        thumbnail=_thumbnail(pixels),
        content_type=ALLOWED_FORMATS[fmt],
        extension=EXTENSIONS[fmt],
        width=pixels.width,
        height=pixels.height,
    )


def save_photo(clean: CleanPhoto, *, prefix: str, field: str = "file") -> tuple[str, str]:
    """Store a cleaned photo and its thumbnail; return the two storage names (photo, thumbnail).

    The storage unavailable (the object store down, the disk full): a ``ValidationError`` on
    ``field`` saying so — a form error on the web, 422 naming the field in the API — and whatever
    was stored is removed, so the caller's transaction rolls back and nothing is half-saved."""
    stem = f"{prefix.strip('/')}/{uuid.uuid4().hex}"
    stored: list[str] = []
    try:
        stored.append(default_storage.save(f"{stem}.{clean.extension}", ContentFile(clean.content)))
        stored.append(default_storage.save(f"{stem}_thumb.jpg", ContentFile(clean.thumbnail)))
    except Exception as exc:
        logger.error("storing a photo failed: %s: %s", type(exc).__name__, exc)
        for name in stored:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise ValidationError({field: [_("文件存储暂时不可用，照片没有保存，请稍后重试")]}) from exc
    return stored[0], stored[1]


# --- internals ---------------------------------------------------------------------------------


def _megabytes(size: int) -> str:
    mb = size / (1024 * 1024)
    return f"{mb:g}" if mb >= 1 else f"{mb:.2f}"


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert pixels described by an embedded ICC profile to sRGB, so dropping the profile keeps colours."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        return ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(icc)),
            ImageCms.createProfile("sRGB"),
            outputMode=out_mode,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unreadable profile: keep the pixels as they are


def _for_format(image: Image.Image, fmt: str) -> Image.Image:
    """Bring the pixels into a mode the target encoder writes (CMYK/palette → RGB, transparency → RGBA)."""
    if fmt == "JPEG":
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if _has_alpha(image):
        if image.mode == "LA" and fmt == "PNG":
            return image
        return image if image.mode == "RGBA" else image.convert("RGBA")
    if fmt == "PNG":
        return image if image.mode in _PNG_MODES else image.convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def _bare(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: no info dict, no EXIF, no XMP, no ICC profile, no comments."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    """A JPEG no larger than THUMBNAIL_SIZE; transparent areas become white."""
    thumb = image.copy()
    thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    if thumb.mode in ("I", "I;16"):
        thumb = thumb.point(lambda v: v / 256).convert("L")
    if _has_alpha(thumb):
        rgba = thumb.convert("RGBA")
        thumb = Image.new("RGB", rgba.size, (255, 255, 255))
        thumb.paste(rgba, mask=rgba.getchannel("A"))
    elif thumb.mode not in ("L", "RGB"):
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    _bare(thumb).save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()
