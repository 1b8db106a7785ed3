"""Before and after photos of a session: import, SHA-256, EXIF date, zone.

The bytes are stored in the database (so backups and bundles carry them) with their
SHA-256; the EXIF capture date (DateTimeOriginal, else DateTime) is kept as the camera
wrote it (local time, no zone). JPEG and PNG are read with Pillow; HEIC (a phone's
camera) with pillow-heif's opener registered on Pillow, and kept as the camera wrote it.
Qt cannot draw HEIC, so `display_bytes` gives the screens and the report a JPEG of it.
Importing needs RECORD_SESSION and is audited.
`changed_photos` finds a photo whose bytes no longer match their hash. Qt-free.
"""

from __future__ import annotations

import enum
import hashlib
import io
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from console.core.access import Access
from console.core.roles import Action
from console.core.zones import available_maps
from console.store import Store, StoreError
from console.store.media import PhotoRow
from console.store.rows import utc_now

MAX_PHOTO_BYTES = 40 * 1024 * 1024  # a RAW-sized JPEG is far below; a video is not a photo
_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/heic"}
register_heif_opener()  # Image.open reads HEIC/HEIF from here on, EXIF included
_EXIF_IFD = 0x8769
_DATE_TIME_ORIGINAL = 36867
_DATE_TIME = 306


class PhotoWhen(enum.StrEnum):
    BEFORE = "before"
    AFTER = "after"


class PhotoError(ValueError):
    """A file that is not a usable photo, or a session that cannot take one."""


@dataclass(frozen=True, slots=True)
class ReadPhoto:
    data: bytes
    media_type: str
    sha256: str
    exif_date: str | None


def read_photo(path: Path) -> ReadPhoto:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PhotoError(f"cannot read {path}: {exc.strerror or exc}; check the path") from exc
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(f"{path} is larger than {MAX_PHOTO_BYTES >> 20} MB; is it a photo?")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            exif = image.getexif()
    except (UnidentifiedImageError, OSError) as exc:
        raise PhotoError(
            f"{path} is not a JPEG, PNG or HEIC photo this console can read; export it as JPEG"
        ) from exc
    if kind not in _TYPES:
        raise PhotoError(f"{path} is a {kind} image; import JPEG, PNG or HEIC photos")
    raw = exif.get_ifd(_EXIF_IFD).get(_DATE_TIME_ORIGINAL) or exif.get(_DATE_TIME)
    return ReadPhoto(data, _TYPES[kind], hashlib.sha256(data).hexdigest(), _exif_date(raw))


def display_bytes(data: bytes, media_type: str) -> bytes:
    """What Qt can draw: the stored bytes, or a JPEG of a HEIC photo (the stored bytes,
    and their hash, stay the camera's)."""
    if media_type != _TYPES["HEIF"]:
        return data
    with Image.open(io.BytesIO(data)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=90)
        return out.getvalue()


def _exif_date(raw: object) -> str | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" as ISO "YYYY-MM-DDTHH:MM:SS" (None when absent or odd)."""
    if not isinstance(raw, str) or len(raw) < 19 or raw[4] != ":" or raw[7] != ":":
        return None
    return f"{raw[:4]}-{raw[5:7]}-{raw[8:10]}T{raw[11:19]}"


def known_zones() -> set[str]:
    return {z for m in available_maps().values() for z in m.zone_ids}


def import_photo(
    access: Access, session: str, path: Path, when: PhotoWhen, zone: str | None = None
) -> PhotoRow:
    obj = f"session:{session}"
    actor = access.require(Action.RECORD_SESSION, obj)
    if zone is not None and zone not in known_zones():
        raise PhotoError(f"{zone!r} is not a zone of any map; use an id from `zones list`")
    photo = read_photo(path)
    row = PhotoRow(
        session,
        when.value,
        zone,
        path.name,
        photo.media_type,
        photo.sha256,
        photo.exif_date,
        utc_now(),
        actor.name,
    )
    try:
        with access.store.transaction():
            access.store.check_unchanged(session)
            photo_id = access.store.media.add_photo(row, photo.data)
            access.store.audit.append(
                actor.name,
                "photo.import",
                obj,
                None,
                {"id": photo_id, "when": when.value, "zone": zone, "sha256": photo.sha256},
            )
            access.store.reseal_if_ended(session, "photo imported", actor.name)
    except sqlite3.IntegrityError as exc:  # the session is signed and locked
        raise PhotoError(
            f"session {session[:8]} is signed and locked ({exc}); add the photo to a new "
            "session or as an amendment"
        ) from exc
    return replace(row, id=photo_id)


def changed_photos(store: Store, session: str) -> list[str]:
    """A sentence per photo whose stored bytes no longer match their SHA-256."""
    out = []
    for p in store.media.photos(session):
        if hashlib.sha256(store.media.photo_data(p.id)).hexdigest() != p.sha256:
            where = f"{p.taken}" + (f", zone {p.zone}" if p.zone else "")
            out.append(
                f"photo {p.id} ({p.file_name}, {where}) no longer matches the SHA-256 it was "
                "imported with: its bytes changed"
            )
    return out


def session_exists(store: Store, session: str) -> str:
    try:
        return store.resolve_session(session)
    except StoreError as exc:
        raise PhotoError(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class TimelinePhoto:
    id: int
    session: str
    session_started_utc: str
    taken: str
    zone: str | None
    exif_date: str | None
    media_type: str = "image/jpeg"

    @property
    def label(self) -> str:
        day = (self.exif_date or self.session_started_utc)[:10]
        return f"{day} · {self.taken}" + (f" · {self.zone}" if self.zone else "")


def photo_timeline(store: Store, patient_code: str) -> list[TimelinePhoto]:
    """The patient's photos in order: session by session, before then after."""
    from console.store import SessionFilter

    out = []
    for s in store.sessions(SessionFilter(patient_code=patient_code)):
        photos = sorted(store.media.photos(s["uuid"]), key=lambda p: (p.taken != "before", p.id))
        out += [
            TimelinePhoto(
                p.id, s["uuid"], s["started_utc"], p.taken, p.zone, p.exif_date, p.media_type
            )
            for p in photos
        ]
    return out
