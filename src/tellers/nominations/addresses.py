"""Election addresses: the candidate's own words, and a photograph where the rules allow
(nominations.md §5, TULRCA s.48).

The text is taken as the candidate gave it; only its length is checked, in
words (runs of characters between white space), against the rules' limit.
A photograph must be a JPEG or PNG image that decodes, within the rules'
size; the log keeps its SHA-256 and the photograph is published beside it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any, Final

from tellers.errors import NominationError
from tellers.nominations.rules import Rules

__all__ = ["MAX_PIXELS", "Photo", "check_address_text", "check_photo", "word_count"]

MAX_PIXELS: Final = 4000
"""The most pixels a photograph may be on either side: a portrait needs far fewer, and a
huge image is refused before it is decoded."""
_MEDIA_TYPES: Final = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_CHARACTERS_PER_WORD: Final = 30
"""A "word" longer than this would not fit beside the photograph on the printed page."""


def word_count(text: str) -> int:
    """The words of an address: runs of characters separated by white space."""
    return len(text.split())


def check_address_text(text: str, rules: Rules, candidate: str) -> int:
    """The number of words of ``text``; ``NominationError`` if the rules refuse it."""
    if not isinstance(text, str) or not text.strip():
        raise NominationError(f"election address of {candidate}: the text is empty")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise NominationError(
            f"election address of {candidate}: control characters are not allowed"
        )
    words = word_count(text)
    if words > rules.word_limit:
        raise NominationError(
            f"election address of {candidate}: {words} words, the rules allow at most "
            f"{rules.word_limit}"
        )
    long = [w for w in text.split() if len(w) > MAX_CHARACTERS_PER_WORD]
    if long:
        raise NominationError(
            f"election address of {candidate}: a word of {len(long[0])} characters, at most "
            f"{MAX_CHARACTERS_PER_WORD} are allowed"
        )
    return words


@dataclass(frozen=True, slots=True)
class Photo:
    """What the log records of a photograph; the bytes themselves are published beside it."""

    sha256: str
    media_type: str
    width: int
    height: int
    size: int

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "media_type": self.media_type,
            "width": self.width,
            "height": self.height,
            "bytes": self.size,
        }

    @property
    def extension(self) -> str:
        return "png" if self.media_type == "image/png" else "jpg"


def check_photo(data: bytes, rules: Rules, candidate: str) -> Photo:
    """``data`` as a photograph the rules allow, or ``NominationError`` saying why not."""
    # Pillow is ReportLab's own image library (already a dependency through it); it is only
    # needed here, so it is imported here.
    from PIL import Image, UnidentifiedImageError

    where = f"photograph of {candidate}"
    if not rules.photo_allowed:
        raise NominationError(f"{where}: the rules allow no photograph")
    if len(data) > rules.photo_max_bytes:
        raise NominationError(
            f"{where}: {len(data)} bytes, the rules allow at most {rules.photo_max_bytes}"
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            if kind not in _MEDIA_TYPES:
                raise NominationError(f"{where}: expected a JPEG or PNG image, found {kind}")
            if width > MAX_PIXELS or height > MAX_PIXELS:
                raise NominationError(
                    f"{where}: {width}x{height} pixels, at most {MAX_PIXELS} a side"
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() checks the structure; load() decodes every pixel
    except NominationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise NominationError(f"{where}: not an image that can be read ({exc})") from None
    return Photo(hashlib.sha256(data).hexdigest(), _MEDIA_TYPES[kind], width, height, len(data))
