"""The consents and photos tables: the signed questionnaire and the session's photos.

Only SQL; the questionnaire, the flagged answers and the photo import rules live in
console/core/consent.py and console/core/photos.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.store.db import Db


@dataclass(frozen=True, slots=True)
class ConsentRow:
    session: str
    questionnaire: str  # its id and version
    answers: str  # JSON: question id -> {"answer": bool, "confirmed": bool}
    confirmed_by: str | None
    signed_utc: str
    signature_png: bytes | None


@dataclass(frozen=True, slots=True)
class PhotoRow:
    session: str
    taken: str  # before | after
    zone: str | None
    file_name: str
    media_type: str
    sha256: str
    exif_date: str | None
    imported_utc: str
    imported_by: str
    id: int = 0


_PHOTO = (
    "session_uuid, taken, zone, file_name, media_type, sha256, exif_date, imported_utc, imported_by"
)


class MediaTables:
    def __init__(self, db: Db) -> None:
        self._db = db

    def add_consent(self, row: ConsentRow) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO consents (session_uuid, questionnaire, answers, confirmed_by,"
                " signed_utc, signature_png) VALUES (?,?,?,?,?,?)",
                (
                    row.session,
                    row.questionnaire,
                    row.answers,
                    row.confirmed_by,
                    row.signed_utc,
                    row.signature_png,
                ),
            )

    def consents(self, session: str) -> list[ConsentRow]:
        rows = self._db.query(
            "SELECT session_uuid, questionnaire, answers, confirmed_by, signed_utc,"
            " signature_png FROM consents WHERE session_uuid = ? ORDER BY id",
            (session,),
        )
        return [ConsentRow(*r) for r in rows]

    def add_photo(self, row: PhotoRow, data: bytes) -> int:
        with self._db.transaction() as conn:
            cur = conn.execute(
                f"INSERT INTO photos ({_PHOTO}, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    row.session,
                    row.taken,
                    row.zone,
                    row.file_name,
                    row.media_type,
                    row.sha256,
                    row.exif_date,
                    row.imported_utc,
                    row.imported_by,
                    data,
                ),
            )
            return int(cur.lastrowid or 0)

    def photos(self, session: str) -> list[PhotoRow]:
        rows = self._db.query(
            f"SELECT {_PHOTO}, id FROM photos WHERE session_uuid = ? ORDER BY id", (session,)
        )
        return [PhotoRow(*r) for r in rows]

    def photo_data(self, photo_id: int) -> bytes:
        row = self._db.one("SELECT data FROM photos WHERE id = ?", (photo_id,))
        return b"" if row is None else bytes(row[0])
