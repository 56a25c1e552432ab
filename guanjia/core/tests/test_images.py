"""Uploaded photos: only real JPEG/PNG/WebP get through, re-encoded without the phone's location."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import ExifTags, Image, ImageCms

from guanjia.core import images
from guanjia.core.images import THUMBNAIL_SIZE, CleanPhoto, clean_photo, save_photo


def _image_bytes(fmt, size=(64, 48), mode="RGB", color=(200, 30, 30), **save):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def _upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _phone_jpeg(size=(80, 40)):
    """A JPEG as a phone writes it: GPS position, camera model, orientation 6 (rotate 90° clockwise)."""
    image = Image.new("RGB", size, (10, 120, 200))
    # A marker in the top-left corner of the stored pixels, to check which way the photo was turned.
    for x in range(10):
        for y in range(10):
            image.putpixel((x, y), (255, 255, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 13.0, 27.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 10.2)
    out = io.BytesIO()
    image.save(
        out,
        "JPEG",
        exif=exif,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        comment=b"taken at Building 3",
        xmp=b"<x:xmpmeta>GPSAltitude 12.5 secret-place</x:xmpmeta>",
        quality=95,
    )
    return out.getvalue()


def _field_error(excinfo, field="photo"):
    assert excinfo.value.message_dict.keys() == {field}
    return excinfo.value.message_dict[field][0]


def test_phone_photo_loses_location_and_stands_upright():
    original = _phone_jpeg()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really carries GPS
        assert b"secret-place" in original
        assert before.size == (80, 40)

    clean = clean_photo(_upload(original))

    assert isinstance(clean, CleanPhoto)
    assert (clean.content_type, clean.extension) == ("image/jpeg", "jpg")
    assert (clean.width, clean.height) == (40, 80)  # orientation 6 applied: width and height swapped
    for data in (clean.content, clean.thumbnail):
        assert b"Exif" not in data
        assert b"PhoneMaker" not in data
        assert b"Building 3" not in data
        assert b"secret-place" not in data
        assert b"ICC_PROFILE" not in data
        with Image.open(io.BytesIO(data)) as after:
            assert after.format == "JPEG"
            assert not after.getexif()
            assert not after.getexif().get_ifd(ExifTags.IFD.GPSInfo)
            assert "icc_profile" not in after.info
            assert "comment" not in after.info
    with Image.open(io.BytesIO(clean.content)) as after:
        assert after.size == (40, 80)
        # Rotated 90° clockwise: the stored top-left marker is now at the top-right.
        r, g, b = after.getpixel((35, 4))
        assert r > 200 and g > 200 and b < 80
        r, g, b = after.getpixel((4, 4))
        assert b > 150


@pytest.mark.parametrize(
    ("fmt", "mode", "color", "content_type", "extension"),
    [
        ("PNG", "RGBA", (0, 200, 0, 128), "image/png", "png"),
        ("PNG", "P", 3, "image/png", "png"),
        ("WEBP", "RGB", (0, 0, 200), "image/webp", "webp"),
        ("WEBP", "RGBA", (0, 0, 200, 100), "image/webp", "webp"),
    ],
)
def test_png_and_webp_keep_their_format(fmt, mode, color, content_type, extension):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    extra = {"xmp": b"<x:xmpmeta>secret-place</x:xmpmeta>"} if fmt == "WEBP" else {}
    data = _image_bytes(fmt, mode=mode, color=color, exif=exif, **extra)
    assert b"PhoneMaker" in data
    # The declared name and type are wrong on purpose: the content decides.
    clean = clean_photo(_upload(data, name="photo.jpg", content_type="image/jpeg"))

    assert (clean.content_type, clean.extension) == (content_type, extension)
    assert (clean.width, clean.height) == (64, 48)
    assert b"PhoneMaker" not in clean.content
    assert b"secret-place" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as after:
        assert after.format == fmt
        assert not after.getexif()
    with Image.open(io.BytesIO(clean.thumbnail)) as thumb:
        assert thumb.format == "JPEG"


def test_cmyk_jpeg_becomes_rgb():
    clean = clean_photo(_upload(_image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0))))
    with Image.open(io.BytesIO(clean.content)) as after:
        assert after.mode == "RGB"
        r, g, b = after.getpixel((10, 10))
        assert r > 150 and g < 100 and b < 100


def test_thumbnail_fits_the_box_and_keeps_proportions():
    clean = clean_photo(_upload(_image_bytes("JPEG", size=(1600, 900))))
    assert (clean.width, clean.height) == (1600, 900)
    with Image.open(io.BytesIO(clean.thumbnail)) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.width <= THUMBNAIL_SIZE[0] and thumb.height <= THUMBNAIL_SIZE[1]
        assert thumb.size == (320, 180)


def test_gif_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        clean_photo(_upload(_image_bytes("GIF", mode="P", color=1), name="photo.gif"), field="photos")
    assert "JPEG" in _field_error(excinfo, "photos")


def test_text_renamed_to_jpg_is_refused():
    upload = _upload("这不是照片\n".encode() * 50, name="photo.jpg", content_type="image/jpeg")
    with pytest.raises(ValidationError) as excinfo:
        clean_photo(upload)
    assert "JPEG" in _field_error(excinfo)


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        clean_photo(_upload(b""))
    assert _field_error(excinfo)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_image_is_refused(fmt):
    noisy = Image.effect_noise((400, 300), 64).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, fmt)
    whole = out.getvalue()
    with pytest.raises(ValidationError) as excinfo:
        clean_photo(_upload(whole[: len(whole) // 2]))
    assert "损坏" in _field_error(excinfo)


def test_oversized_file_is_refused():
    data = _image_bytes("PNG", size=(200, 200))
    with override_settings(PHOTO_MAX_BYTES=100), pytest.raises(ValidationError) as excinfo:
        clean_photo(_upload(data))
    assert "MB" in _field_error(excinfo)


def test_oversized_file_without_a_declared_size_is_refused():
    data = _image_bytes("PNG", size=(200, 200))
    with override_settings(PHOTO_MAX_BYTES=100), pytest.raises(ValidationError) as excinfo:
        clean_photo(io.BytesIO(data))  # no .size: the read itself is bounded
    assert "MB" in _field_error(excinfo)


def _png_claiming(width, height):
    """A few hundred bytes of PNG whose header claims width × height pixels."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [60_000, 8_000])  # 3.6 gigapixels; 64 megapixels (below Pillow's own limit)
def test_decompression_bomb_is_refused_before_decoding(side):
    bomb = _png_claiming(side, side)
    assert len(bomb) < 1000
    with pytest.raises(ValidationError) as excinfo:
        clean_photo(_upload(bomb, name="bomb.png"))
    assert "像素" in _field_error(excinfo)


def test_pixel_limit_applies_below_pillows_own(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 100 * 100)
    clean_photo(_upload(_image_bytes("PNG", size=(100, 100))))
    with pytest.raises(ValidationError) as excinfo:
        clean_photo(_upload(_image_bytes("PNG", size=(101, 100))))
    assert "像素" in _field_error(excinfo)


def test_save_photo_writes_through_default_storage(tmp_path):
    clean = clean_photo(_upload(_phone_jpeg()))
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        name, thumb = save_photo(clean, prefix="tickets/2024")
        assert name.startswith("tickets/2024/") and name.endswith(".jpg")
        assert thumb.startswith("tickets/2024/") and thumb.endswith("_thumb.jpg")
        assert name.removesuffix(".jpg") == thumb.removesuffix("_thumb.jpg")
        assert default_storage.exists(name) and default_storage.exists(thumb)
        with default_storage.open(name) as stored:
            assert stored.read() == clean.content
        with default_storage.open(thumb) as stored:
            assert stored.read() == clean.thumbnail
        # A second save never overwrites the first.
        assert save_photo(clean, prefix="tickets/2024")[0] != name
