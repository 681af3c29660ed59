"""Question pictures: checked by content (not by name), stored under their hash, served forever-cacheable."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from contest.errors import Refused
from contest.i18n import gettext as _

MAX_IMAGE_BYTES = 1024 * 1024
# What the first bytes of each accepted file type are.
SIGNATURES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg", b"GIF87a": ".gif", b"GIF89a": ".gif"}
NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|gif|webp)$")
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}


def _extension(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return next((ext for signature, ext in SIGNATURES.items() if data.startswith(signature)), None)


def store_image(upload_dir: Path, data: bytes) -> str:
    """Save an uploaded picture and return its name; refuse anything that is not a small image."""
    if len(data) > MAX_IMAGE_BYTES:
        raise Refused(detail=_("The picture is larger than %(size)d KB.", size=MAX_IMAGE_BYTES // 1024))
    extension = _extension(data)
    if extension is None:
        raise Refused(detail=_("Only PNG, JPEG, GIF or WebP pictures can be used."))
    name = hashlib.sha256(data).hexdigest()[:32] + extension
    upload_dir.mkdir(parents=True, exist_ok=True)
    path = upload_dir / name
    if not path.exists():
        path.write_bytes(data)
    return name


def image_path(upload_dir: Path, name: str) -> Path | None:
    if not NAME.match(name):
        return None
    path = upload_dir / name
    return path if path.exists() else None
