"""Avatar images: checked by content, re-encoded without metadata, resized."""

from __future__ import annotations

import io
import math
import threading
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from lair.errors import PayloadTooLarge, UnsupportedMediaType, ValidationError

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
UNSUPPORTED_MESSAGE = "Avatars must be PNG, JPEG, WebP or GIF images."
# Modes that Pillow resizes with nearest-neighbour only: widened first.
PALETTE_MODES = {"1", "P", "PA"}
# JPEG decodes at down to 1/8 of each side (``draft``): its header may claim
# up to 64 times the pixel cap, which applies to the pixels decoded.
JPEG_DRAFT_FACTOR = 64

_decoding: threading.BoundedSemaphore | None = None
_decoding_lock = threading.Lock()


def _decode_slots() -> threading.BoundedSemaphore:
    """Decodes that may run at once in this process (AVATAR_CONCURRENT_DECODES).

    The pixel cap bounds one decode; this bounds how many share the process:
    six uploads at once of the largest allowed image took a process from 191
    to 739 MB when each HTTP thread decoded its own.
    """
    global _decoding
    with _decoding_lock:
        if _decoding is None:
            _decoding = threading.BoundedSemaphore(max(1, settings.AVATAR_CONCURRENT_DECODES))
        return _decoding


def _too_many_pixels() -> ValidationError:
    limit = settings.AVATAR_MAX_PIXELS
    return ValidationError(
        f"This image has too many pixels (at most {limit}).",
        details={"avatar": [f"At most {limit} pixels."]},
    )


def _shrink_box(width: int, height: int, size: int) -> tuple[int, int]:
    """The smallest box that keeps the shorter side at least ``size`` (for the square crop)."""
    scale = min(1.0, size / min(width, height))
    return max(size, math.ceil(width * scale)), max(size, math.ceil(height * scale))


def normalized_avatar(upload) -> ContentFile:
    """A square WebP of AVATAR_SIZE pixels made from ``upload``, or an error.

    The format comes from the bytes, not the file name or the declared type.
    Re-encoding drops EXIF and every other metadata; the first frame of an
    animation is kept.

    Memory is bounded before anything is decoded: the dimensions come from
    the header and more than AVATAR_MAX_PIXELS decoded pixels is refused (a
    6000x6000 PNG of a few kB took a process from 140 to 549 MB). JPEGs are
    decoded at a reduced scale (``draft``), so a phone photo passes; the
    image is shrunk (``thumbnail``) before it is widened to RGBA, rotated
    and cropped; and at most AVATAR_CONCURRENT_DECODES decodes run at once.
    """
    if upload.size > settings.AVATAR_MAX_BYTES:
        raise PayloadTooLarge(
            f"Avatars are at most {settings.AVATAR_MAX_BYTES} bytes.",
            details={"limit": settings.AVATAR_MAX_BYTES},
        )
    data = upload.read()
    try:
        # Image.open reads the header only; verify() checks the stream
        # without keeping pixels.
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            claimed_cap = settings.AVATAR_MAX_PIXELS
            if kind == "JPEG":
                claimed_cap *= JPEG_DRAFT_FACTOR
            if width * height > claimed_cap:
                raise _too_many_pixels()
            probe.verify()
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedMediaType(UNSUPPORTED_MESSAGE) from exc
    if kind not in ACCEPTED_FORMATS:
        raise UnsupportedMediaType(UNSUPPORTED_MESSAGE)
    if width < 1 or height < 1:
        raise ValidationError("This image is empty.", details={"avatar": ["No pixels."]})
    size = settings.AVATAR_SIZE
    box = _shrink_box(width, height, size)
    with _decode_slots():
        return _decoded(data, box, size)


def _decoded(data: bytes, box: tuple[int, int], size: int) -> ContentFile:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)
            if image.format == "JPEG":
                # Decodes at 1/2, 1/4 or 1/8 scale straight from the DCT data.
                image.draft("RGB", box)
            # What will be decoded (after draft for a JPEG) is what the cap bounds.
            if image.size[0] * image.size[1] > settings.AVATAR_MAX_PIXELS:
                raise _too_many_pixels()
            if image.mode in PALETTE_MODES:
                image = image.convert("RGBA")
            image.thumbnail(box, Image.Resampling.LANCZOS)
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGBA")
            image = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="WEBP", quality=85, method=4)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            "This image could not be read.", details={"avatar": ["Unreadable image."]}
        ) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.webp")
