"""Avatar images: checked by content, re-encoded without metadata, resized."""

from __future__ import annotations

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from lair.errors import PayloadTooLarge, UnsupportedMediaType, ValidationError

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
# Decompression bombs: refuse images whose pixel count is absurd for an avatar.
MAX_PIXELS = 40_000_000
UNSUPPORTED_MESSAGE = "Avatars must be PNG, JPEG, WebP or GIF images."


def normalized_avatar(upload) -> ContentFile:
    """A square WebP of AVATAR_SIZE pixels made from ``upload``, or an error.

    The format comes from the bytes, not the file name or the declared type.
    Re-encoding drops EXIF and every other metadata; the first frame of an
    animation is kept.
    """
    if upload.size > settings.AVATAR_MAX_BYTES:
        raise PayloadTooLarge(
            f"Avatars are at most {settings.AVATAR_MAX_BYTES} bytes.",
            details={"limit": settings.AVATAR_MAX_BYTES},
        )
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            "This image has too many pixels.", details={"avatar": ["Too big."]}
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedMediaType(UNSUPPORTED_MESSAGE) from exc
    if kind not in ACCEPTED_FORMATS:
        raise UnsupportedMediaType(UNSUPPORTED_MESSAGE)
    if width * height > MAX_PIXELS:
        raise ValidationError("This image has too many pixels.", details={"avatar": ["Too big."]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGBA")
            size = settings.AVATAR_SIZE
            image = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="WEBP", quality=85, method=4)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            "This image could not be read.", details={"avatar": ["Unreadable image."]}
        ) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.webp")
