"""POST and DELETE /api/v1/users/avatar: an uploaded picture, checked by its bytes, stored as
a 256x256 WebP without metadata, and served at its avatar_url."""

from __future__ import annotations

import contextlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import User
from tests.factories import UserFactory
from tests.helpers import API, as_user, assert_error

pytestmark = pytest.mark.django_db

AVATAR = f"{API}/users/avatar"
PROFILE = f"{API}/users/profile"
RED, BLUE = (220, 20, 20), (20, 20, 220)


@pytest.fixture(autouse=True)
def _remove_stored_avatars():
    """Avatars go to the real MEDIA_ROOT (its URL is served from there): remove ours after."""
    avatars = Path(settings.MEDIA_ROOT) / "avatars"
    media_existed = Path(settings.MEDIA_ROOT).exists()
    before = set(avatars.iterdir()) if avatars.exists() else set()
    yield
    if avatars.exists():
        for path in set(avatars.iterdir()) - before:
            path.unlink(missing_ok=True)
    if not media_existed:  # rmdir only removes empty folders: other files stay
        with contextlib.suppress(OSError):
            avatars.rmdir()
            Path(settings.MEDIA_ROOT).rmdir()


@pytest.fixture
def me(db):
    return UserFactory(username="alice")


def image_bytes(fmt: str, size=(64, 48), color=RED, **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save)
    return out.getvalue()


def two_halves(size=(80, 40)) -> Image.Image:
    """Left half red, right half blue."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return image


def jpeg_with_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0112] = orientation
    out = io.BytesIO()
    two_halves().save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (32, 32), RED), Image.new("RGB", (32, 32), BLUE)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


def upload(user, data: bytes, name: str = "me.png", content_type: str = "image/png"):
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return as_user(user).post(AVATAR, {"avatar": file}, format="multipart")


def stored_avatar(user) -> Image.Image:
    path = User.objects.get(pk=user.pk).avatar.path
    with Image.open(path) as image:
        image.load()
        return image


def close_to(pixel, color, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], color, strict=True))


def fetch(url: str):
    """GET a served file and return (status, content type, body).

    Reading a streamed body to its end makes the test client close the file.
    """
    response = as_user(UserFactory()).get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response.get("Content-Type"), body


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [
        ("PNG", "me.png", "image/png"),
        ("JPEG", "me.jpg", "image/jpeg"),
        ("WEBP", "me.webp", "image/webp"),
        ("GIF", "me.gif", "image/gif"),
    ],
)
def test_an_image_is_stored_as_a_256_pixel_square_webp(me, fmt, name, content_type):
    response = upload(me, image_bytes(fmt), name, content_type)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == me.pk
    assert body["avatar_url"].endswith(".webp")
    image = stored_avatar(me)
    assert image.format == "WEBP"
    assert image.size == (256, 256)
    assert close_to(image.convert("RGB").getpixel((128, 128)), RED)
    assert as_user(me).get(PROFILE).json()["avatar_url"] == body["avatar_url"]


def test_the_avatar_is_served_at_its_url(me):
    avatar_url = upload(me, image_bytes("PNG")).json()["avatar_url"]

    status, content_type, body = fetch(avatar_url)

    assert status == 200
    assert content_type == "image/webp"
    assert body == Path(User.objects.get(pk=me.pk).avatar.path).read_bytes()


def test_exif_metadata_is_dropped(me):
    assert b"SpyCam Inc." in jpeg_with_exif()

    response = upload(me, jpeg_with_exif(), "photo.jpg", "image/jpeg")

    assert response.status_code == 200, response.content
    image = stored_avatar(me)
    assert "exif" not in image.info
    assert len(image.getexif()) == 0
    stored = Path(User.objects.get(pk=me.pk).avatar.path).read_bytes()
    assert b"SpyCam Inc." not in stored
    assert b"Model X" not in stored


def test_a_photo_taken_upside_down_is_shown_upright(me):
    # Orientation 3: the camera says "rotate 180 degrees to view".
    response = upload(me, jpeg_with_exif(orientation=3), "photo.jpg", "image/jpeg")

    assert response.status_code == 200, response.content
    image = stored_avatar(me).convert("RGB")
    assert close_to(image.getpixel((40, 128)), BLUE)
    assert close_to(image.getpixel((216, 128)), RED)


def test_an_animated_gif_keeps_its_first_frame_only(me):
    response = upload(me, animated_gif(), "party.gif", "image/gif")

    assert response.status_code == 200, response.content
    image = stored_avatar(me)
    assert getattr(image, "n_frames", 1) == 1
    assert close_to(image.convert("RGB").getpixel((128, 128)), RED)


def test_a_text_file_named_png_is_unsupported(me):
    response = upload(me, b"just some text, not a picture\n" * 10, "evil.png", "image/png")

    assert_error(response, 415, "unsupported_media_type")
    assert User.objects.get(pk=me.pk).avatar.name in ("", None)


def test_an_image_format_outside_the_list_is_unsupported(me):
    response = upload(me, image_bytes("BMP"), "old.png", "image/png")

    assert_error(response, 415, "unsupported_media_type")
    assert as_user(me).get(PROFILE).json()["avatar_url"] is None


def test_an_image_over_the_limit_is_too_large(me, settings):
    settings.AVATAR_MAX_BYTES = 1000
    data = image_bytes("PNG", size=(200, 200), color=RED) + b"\0" * 1000

    error = assert_error(upload(me, data), 413, "payload_too_large")

    assert error["details"] == {"limit": 1000}
    assert as_user(me).get(PROFILE).json()["avatar_url"] is None


def test_the_default_limit_is_two_megabytes(me):
    png = image_bytes("PNG")
    limit = 2 * 1024 * 1024
    at_limit = png + b"\0" * (limit - len(png))
    over_limit = at_limit + b"\0"

    assert_error(upload(me, over_limit), 413, "payload_too_large")
    assert upload(me, at_limit).status_code == 200


def test_an_upload_without_the_avatar_field_is_a_validation_error(me):
    file = SimpleUploadedFile("me.png", image_bytes("PNG"), content_type="image/png")

    response = as_user(me).post(AVATAR, {"picture": file}, format="multipart")

    assert "avatar" in assert_error(response, 400, "validation_error")["details"]


def test_the_avatar_must_be_sent_as_multipart(me):
    response = as_user(me).post(AVATAR, {"avatar": "aGVsbG8="}, format="json")

    assert_error(response, 415, "unsupported_media_type")


def test_a_new_avatar_replaces_the_old_file(me):
    first = upload(me, image_bytes("PNG", color=RED)).json()["avatar_url"]
    first_path = User.objects.get(pk=me.pk).avatar.path

    second = upload(me, image_bytes("PNG", color=BLUE)).json()["avatar_url"]

    assert second != first
    assert not Path(first_path).exists()
    assert fetch(first)[0] == 404
    assert close_to(stored_avatar(me).convert("RGB").getpixel((128, 128)), BLUE)


def test_deleting_the_avatar_removes_the_picture(me):
    avatar_url = upload(me, image_bytes("PNG")).json()["avatar_url"]
    path = User.objects.get(pk=me.pk).avatar.path

    response = as_user(me).delete(AVATAR)

    assert response.status_code == 204, response.content
    assert as_user(me).get(PROFILE).json()["avatar_url"] is None
    assert not Path(path).exists()
    assert fetch(avatar_url)[0] == 404


def test_deleting_when_there_is_no_avatar_is_fine(me):
    assert as_user(me).delete(AVATAR).status_code == 204
    assert as_user(me).get(PROFILE).json()["avatar_url"] is None


def test_my_avatar_shows_on_my_public_profile(me):
    avatar_url = upload(me, image_bytes("PNG")).json()["avatar_url"]

    public = as_user(UserFactory()).get(f"{API}/users/{me.pk}").json()

    assert public["avatar_url"] == avatar_url


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (CRC kept valid)."""
    data = bytearray(image_bytes("PNG", size=(1, 1), color=RED))
    # Signature (8) + IHDR length (4) + b"IHDR" (4): width and height follow.
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29])) & 0xFFFFFFFF
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


def test_an_image_with_too_many_pixels_is_refused(me):
    response = upload(me, png_claiming_size(7000, 6000))

    assert "avatar" in assert_error(response, 400, "validation_error")["details"]
    assert as_user(me).get(PROFILE).json()["avatar_url"] is None


def test_a_decompression_bomb_is_refused_not_a_server_error(me):
    # Past twice Pillow's MAX_IMAGE_PIXELS, Image.open itself raises DecompressionBombError.
    width, height = 20_000, 10_000
    assert width * height > 2 * (Image.MAX_IMAGE_PIXELS or 0)

    response = upload(me, png_claiming_size(width, height))

    assert "avatar" in assert_error(response, 400, "validation_error")["details"]
    assert as_user(me).get(PROFILE).json()["avatar_url"] is None


def bilevel_png(width: int, height: int) -> bytes:
    """A real PNG of ``width`` x ``height`` in mode "1": a few kB however many pixels."""
    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, format="PNG", optimize=True)
    return out.getvalue()


def test_a_6000_pixel_square_png_is_refused_before_it_is_decoded(me):
    data = bilevel_png(6000, 6000)
    assert len(data) < settings.AVATAR_MAX_BYTES

    error = assert_error(upload(me, data), 400, "validation_error")

    assert "avatar" in error["details"]
    assert as_user(me).get(PROFILE).json()["avatar_url"] is None
    assert not User.objects.get(pk=me.pk).avatar


def test_a_4096_pixel_square_png_is_refused_by_default(me):
    # Six such uploads at once took a server from 191 to 739 MB.
    assert_error(upload(me, bilevel_png(4096, 4096)), 400, "validation_error")
    assert not User.objects.get(pk=me.pk).avatar


def test_a_phone_photo_over_the_cap_passes_as_it_decodes_at_a_reduced_scale(me):
    width, height = 4032, 3024  # 12 megapixels, three times the cap
    assert width * height > settings.AVATAR_MAX_PIXELS

    response = upload(me, image_bytes("JPEG", size=(width, height), color=BLUE), "photo.jpg")

    assert response.status_code == 200, response.content
    assert close_to(stored_avatar(me).convert("RGB").getpixel((128, 128)), BLUE)


def test_the_pixel_cap_is_a_setting(me, settings):
    settings.AVATAR_MAX_PIXELS = 100 * 100

    assert upload(me, image_bytes("PNG", size=(100, 100))).status_code == 200
    assert_error(upload(me, image_bytes("PNG", size=(101, 100))), 400, "validation_error")


def test_the_largest_allowed_image_is_stored_as_a_small_square(me):
    side = int(settings.AVATAR_MAX_PIXELS**0.5)

    response = upload(me, image_bytes("JPEG", size=(side, side), color=BLUE), "big.jpg")

    assert response.status_code == 200, response.content
    image = stored_avatar(me)
    assert image.size == (256, 256)
    assert close_to(image.convert("RGB").getpixel((128, 128)), BLUE)


def test_a_wide_image_keeps_its_centre_when_shrunk_first(me):
    image = Image.new("RGB", (3000, 600), RED)
    image.paste(BLUE, (1200, 0, 1800, 600))
    out = io.BytesIO()
    image.save(out, format="PNG")

    assert upload(me, out.getvalue()).status_code == 200

    stored = stored_avatar(me).convert("RGB")
    assert close_to(stored.getpixel((128, 128)), BLUE)
    assert close_to(stored.getpixel((5, 128)), BLUE)


def test_uploading_avatars_past_the_rate_answers_429_and_keeps_the_old_one(me, runtime_config):
    runtime_config(avatar_rate_limit="2/3600")
    assert upload(me, image_bytes("PNG")).status_code == 200
    second = upload(me, image_bytes("PNG", color=BLUE))
    assert second.status_code == 200
    kept = second.json()["avatar_url"]

    response = upload(me, image_bytes("PNG"))

    assert_error(response, 429, "rate_limited")
    assert response["Retry-After"]
    assert as_user(me).get(PROFILE).json()["avatar_url"] == kept
