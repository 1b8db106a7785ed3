"""Photos: import, SHA-256, EXIF date, zone, and a changed byte found."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from patient_support import SessionAt
from PIL import Image

from console.core.access import Access
from console.core.photos import (
    PhotoError,
    PhotoWhen,
    changed_photos,
    display_bytes,
    import_photo,
)
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
    with pytest.raises(PhotoError, match="not a JPEG, PNG or HEIC"):
        import_photo(clinic["nurse"], session, text, PhotoWhen.BEFORE)
    with pytest.raises(PhotoError, match="cannot read"):
        import_photo(clinic["nurse"], session, tmp_path / "missing.jpg", PhotoWhen.BEFORE)
    photo = jpeg_with_date(tmp_path / "a.jpg", "2026:03:02 09:41:07")
    with pytest.raises(PhotoError, match="not a zone"):
        import_photo(clinic["nurse"], session, photo, PhotoWhen.BEFORE, "elbow")


def test_a_heic_photo_is_imported_as_written_with_its_exif_date(
    tmp_path: Path, store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    from pillow_heif import from_pillow

    session = session_at("P-1", AT)
    image = Image.new("RGB", (32, 24), (180, 120, 100))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2026:03:02 10:15:00"
    heif = from_pillow(image)
    path = tmp_path / "phone.heic"
    heif.save(str(path), exif=exif.tobytes(), quality=60)
    row = import_photo(clinic["nurse"], session, path, PhotoWhen.BEFORE, "cheek_left")
    assert (row.media_type, row.exif_date) == ("image/heic", "2026-03-02T10:15:00")
    assert store.media.photo_data(row.id) == path.read_bytes()  # kept as the camera wrote it
    assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    shown = display_bytes(store.media.photo_data(row.id), row.media_type)
    assert shown[:2] == b"\xff\xd8"  # a JPEG the screens and the report can draw
    with Image.open(io.BytesIO(shown)) as drawn:
        assert drawn.size == (32, 24)


def png_declaring(path: Path, width: int, height: int) -> Path:
    """A small PNG whose header declares `width` x `height` pixels (a decompression bomb
    needs no more: Pillow checks the size when it opens the file)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )  # fmt: skip
    return path


def test_a_decompression_bomb_is_one_sentence(
    tmp_path: Path, clinic: dict[str, Access], session_at: SessionAt,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    session = session_at("P-1", AT)
    bomb = png_declaring(tmp_path / "bomb.png", 60_000, 60_000)
    with pytest.raises(PhotoError, match="decompression bomb"):
        import_photo(clinic["nurse"], session, bomb, PhotoWhen.BEFORE)
    # Between Pillow's limit and twice it, Pillow only warns: refused all the same
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    warned = png_declaring(tmp_path / "warned.png", 40, 40)
    with pytest.raises(PhotoError, match="decompression bomb"):
        import_photo(clinic["nurse"], session, warned, PhotoWhen.BEFORE)


def test_a_pipe_a_device_and_an_oversized_file_are_refused_unread(
    tmp_path: Path, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    import os

    session = session_at("P-1", AT)
    fifo = tmp_path / "photo.jpg"
    os.mkfifo(fifo)  # reading it would wait for a writer for ever
    with pytest.raises(PhotoError, match="not a regular file"):
        import_photo(clinic["nurse"], session, fifo, PhotoWhen.BEFORE)
    with pytest.raises(PhotoError, match="not a regular file"):
        import_photo(clinic["nurse"], session, Path("/dev/zero"), PhotoWhen.BEFORE)
    big = tmp_path / "big.jpg"
    with big.open("wb") as f:  # sparse: 41 MB declared, nothing written
        f.truncate(41 * 1024 * 1024)
    with pytest.raises(PhotoError, match="larger than 40 MB"):
        import_photo(clinic["nurse"], session, big, PhotoWhen.BEFORE)
