"""Photos: import, SHA-256, EXIF date, zone, and a changed byte found."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from patient_support import SessionAt
from PIL import Image

from console.core.access import Access
from console.core.photos import PhotoError, PhotoWhen, changed_photos, import_photo
from console.store import Store

AT = datetime(2026, 3, 2, 12, tzinfo=UTC)


def jpeg_with_date(path: Path, when: str) -> Path:
    image = Image.new("RGB", (64, 48), (200, 150, 130))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = when  # DateTimeOriginal
    image.save(path, "JPEG", exif=exif)
    return path


def test_import_keeps_bytes_hash_exif_date_and_zone(
    tmp_path: Path, store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    session = session_at("P-1", AT)
    path = jpeg_with_date(tmp_path / "before.jpg", "2026:03:02 09:41:07")
    row = import_photo(clinic["nurse"], session, path, PhotoWhen.BEFORE, "forehead")
    assert row.exif_date == "2026-03-02T09:41:07"
    assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert store.media.photo_data(row.id) == path.read_bytes()
    png = tmp_path / "after.png"
    Image.new("RGB", (8, 8)).save(png, "PNG")
    after = import_photo(clinic["nurse"], session, png, PhotoWhen.AFTER)
    assert (after.media_type, after.exif_date, after.zone) == ("image/png", None, None)
    assert [p.taken for p in store.media.photos(session)] == ["before", "after"]
    assert changed_photos(store, session) == []
    with store.transaction():  # a byte changed behind the console's back
        changed = b"\x00" + path.read_bytes()[1:]
        store.conn.execute("UPDATE photos SET data = ? WHERE id = ?", (changed, row.id))
    assert changed_photos(store, session) == [
        f"photo {row.id} (before.jpg, before, zone {row.zone}) no longer matches the SHA-256"
        " it was imported with: its bytes changed"
    ]


def test_bad_files_and_zones_are_one_sentence(
    tmp_path: Path, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    session = session_at("P-1", AT)
    text = tmp_path / "notes.txt"
    text.write_text("not a photo")
    with pytest.raises(PhotoError, match="not a JPEG or PNG"):
        import_photo(clinic["nurse"], session, text, PhotoWhen.BEFORE)
    with pytest.raises(PhotoError, match="cannot read"):
        import_photo(clinic["nurse"], session, tmp_path / "missing.jpg", PhotoWhen.BEFORE)
    photo = jpeg_with_date(tmp_path / "a.jpg", "2026:03:02 09:41:07")
    with pytest.raises(PhotoError, match="not a zone"):
        import_photo(clinic["nurse"], session, photo, PhotoWhen.BEFORE, "elbow")
