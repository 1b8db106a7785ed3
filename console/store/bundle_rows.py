"""The SQL of session bundles: one session's rows out, and in again, unchanged.

Rows travel by content, never by local id: the session by its UUID, the patient by its
code, the practitioner by name, events and passes in id order (they get new ids here),
telemetry chunks by number with their blobs byte for byte, and the patient's record
around the session (consent, photos with their bytes, products and lots, series
exceptions, the chunks' summaries) in id order. `insert` runs inside the
caller's transaction so a session lands whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from console.store.signatures import Amendment, Signature
from console.store.store import Store

SESSION_COLUMNS = (
    "uuid",
    "pen_serial",
    "pen_model",
    "pen_firmware",
    "cartridge_needles",
    "cartridge_gauge",
    "started_utc",
    "ended_utc",
    "tz",
    "status",
    "plan_name",
    "notes",
    "zone_ids",
    "simulated",  # absent from bundles made before it: 0
)
PATIENT_COLUMNS = ("code", "name", "birth_year", "fitzpatrick", "notes")
CHUNK_COLUMNS = (
    "chunk_no",
    "first_seq",
    "last_seq",
    "t_first_us",
    "t_last_us",
    "samples",
    "depth_meas_min_um",
    "depth_meas_max_um",
    "depth_meas_mean_um",
    "strokes_delta",
    "contact_ms",
)
EVENT_COLUMNS = ("at_utc", "t_us", "source", "kind", "code", "arg", "data")  # data: JSON text
PASS_COLUMNS = (
    "zone",
    "pass_no",
    "started_t_us",
    "ended_t_us",
    "strokes",
    "contact_ms",
    "depth_mean_um",
    "depth_max_um",
    "undone",
)

CONSENT_COLUMNS = (
    "questionnaire",
    "answers",
    "confirmed_by",
    "signed_utc",
    "signature_png",
)
PHOTO_COLUMNS = (
    "taken",
    "zone",
    "file_name",
    "media_type",
    "sha256",
    "exif_date",
    "imported_utc",
    "imported_by",
)
PRODUCT_COLUMNS = (
    "kind",
    "name",
    "gtin",
    "lot",
    "serial",
    "expiry",
    "recorded_utc",
    "recorded_by",
    "override_reason",
)
EXCEPTION_COLUMNS = (
    "days_since_previous",
    "min_days",
    "reason",
    "recorded_by",
    "recorded_utc",
)
SUMMARY_COLUMNS = ("chunk_no", "t_first_us", "t_last_us", "samples", "coarse", "fine")
# table, its columns, and the order rows are read in (id order, as the hash reads them)
_RECORD_TABLES = (
    ("consents", CONSENT_COLUMNS, "id"),
    ("session_products", PRODUCT_COLUMNS, "id"),
    ("series_exceptions", EXCEPTION_COLUMNS, "id"),
    ("chunk_summaries", SUMMARY_COLUMNS, "chunk_no"),
)


@dataclass
class SessionRows:
    session: dict[str, Any]
    practitioner: str | None
    patient: dict[str, Any] | None
    chunks: list[dict[str, Any]]  # CHUNK_COLUMNS
    blobs: list[bytes]  # one per chunk, same order
    events: list[dict[str, Any]]
    passes: list[dict[str, Any]]
    signatures: list[Signature] = field(default_factory=list)
    amendments: list[Amendment] = field(default_factory=list)
    # The patient's record around the session (content hash version 3). Binary columns
    # (signature_png, coarse, fine) stay bytes here; bundles.py encodes them.
    consents: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)  # PHOTO_COLUMNS
    photo_blobs: list[bytes] = field(default_factory=list)  # one per photo, same order
    products: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)


def _dicts(
    store: Store, sql: str, args: tuple[object, ...], names: tuple[str, ...]
) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in store._db.query(sql, args)]


def read(store: Store, uuid: str) -> SessionRows | None:
    """Everything recorded for one session, as it is stored; None when there is none."""
    rows = _dicts(
        store,
        f"SELECT {', '.join('s.' + c for c in SESSION_COLUMNS)}, pr.display_name, pa.code"
        " FROM sessions s LEFT JOIN practitioners pr ON pr.id = s.practitioner_id"
        " LEFT JOIN patients pa ON pa.id = s.patient_id WHERE s.uuid = ?",
        (uuid,),
        (*SESSION_COLUMNS, "practitioner", "patient_code"),
    )
    if not rows:
        return None
    session = rows[0]
    practitioner = session.pop("practitioner")
    code = session.pop("patient_code")
    chunk_rows = store._db.query(
        f"SELECT {', '.join(CHUNK_COLUMNS)}, data FROM telemetry_chunks"
        " WHERE session_uuid = ? ORDER BY chunk_no",
        (uuid,),
    )
    out = SessionRows(
        session=session,
        practitioner=practitioner,
        patient=None if code is None else patient(store, code),
        chunks=[dict(zip(CHUNK_COLUMNS, r[:-1], strict=True)) for r in chunk_rows],
        blobs=[bytes(r[-1]) for r in chunk_rows],
        events=_dicts(
            store,
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE session_uuid = ? ORDER BY id",
            (uuid,),
            EVENT_COLUMNS,
        ),
        passes=_dicts(
            store,
            f"SELECT {', '.join(PASS_COLUMNS)} FROM zone_passes WHERE session_uuid = ? ORDER BY id",
            (uuid,),
            PASS_COLUMNS,
        ),
        signatures=store.signatures.for_session(uuid),
        amendments=store.signatures.amendments(uuid),
    )
    consents, products, exceptions, summaries = (
        _dicts(
            store,
            f"SELECT {', '.join(cols)} FROM {table} WHERE session_uuid = ? ORDER BY {order}",
            (uuid,),
            cols,
        )
        for table, cols, order in _RECORD_TABLES
    )
    photo_rows = store._db.query(
        f"SELECT {', '.join(PHOTO_COLUMNS)}, data FROM photos WHERE session_uuid = ? ORDER BY id",
        (uuid,),
    )
    out.consents, out.products, out.exceptions, out.summaries = (
        consents,
        products,
        exceptions,
        summaries,
    )
    out.photos = [dict(zip(PHOTO_COLUMNS, r[:-1], strict=True)) for r in photo_rows]
    out.photo_blobs = [bytes(r[-1]) for r in photo_rows]
    return out


def patient(store: Store, code: str) -> dict[str, Any] | None:
    rows = _dicts(
        store,
        f"SELECT {', '.join(PATIENT_COLUMNS)} FROM patients WHERE code = ?",
        (code,),
        PATIENT_COLUMNS,
    )
    return rows[0] if rows else None


def insert(store: Store, rows: SessionRows, status: str) -> None:
    """The session with `status`, its patient (when new), chunks, events and passes.
    Signatures and amendments are the caller's (each with its audit row)."""
    conn = store.conn
    patient_id = None
    if rows.patient is not None:
        p = rows.patient
        conn.execute(
            f"INSERT OR IGNORE INTO patients ({', '.join(PATIENT_COLUMNS)}) VALUES (?,?,?,?,?)",
            tuple(p[c] for c in PATIENT_COLUMNS),
        )
        patient_id = conn.execute(
            "SELECT id FROM patients WHERE code = ?", (p["code"],)
        ).fetchone()[0]
    practitioner_id = None
    if rows.practitioner is not None:
        practitioner_id = store.practitioner_id(rows.practitioner)
    values = {"simulated": 0, **rows.session, "status": status}
    conn.execute(
        f"INSERT INTO sessions ({', '.join(SESSION_COLUMNS)}, patient_id, practitioner_id)"
        f" VALUES ({', '.join('?' * (len(SESSION_COLUMNS) + 2))})",
        (*(values[c] for c in SESSION_COLUMNS), patient_id, practitioner_id),
    )
    uuid = rows.session["uuid"]
    conn.executemany(
        f"INSERT INTO telemetry_chunks (session_uuid, {', '.join(CHUNK_COLUMNS)}, data)"
        f" VALUES ({', '.join('?' * (len(CHUNK_COLUMNS) + 2))})",
        [
            (uuid, *(c[k] for k in CHUNK_COLUMNS), blob)
            for c, blob in zip(rows.chunks, rows.blobs, strict=True)
        ],
    )
    conn.executemany(
        f"INSERT INTO events (session_uuid, {', '.join(EVENT_COLUMNS)})"
        f" VALUES ({', '.join('?' * (len(EVENT_COLUMNS) + 1))})",
        [(uuid, *(e[k] for k in EVENT_COLUMNS)) for e in rows.events],
    )
    conn.executemany(
        f"INSERT INTO zone_passes (session_uuid, {', '.join(PASS_COLUMNS)})"
        f" VALUES ({', '.join('?' * (len(PASS_COLUMNS) + 1))})",
        [(uuid, *(p[k] for k in PASS_COLUMNS)) for p in rows.passes],
    )
    tables = (rows.consents, rows.products, rows.exceptions, rows.summaries)
    for records, (table, cols, _order) in zip(tables, _RECORD_TABLES, strict=True):
        _insert(store, table, cols, uuid, records)
    photos = [{**p, "data": blob} for p, blob in zip(rows.photos, rows.photo_blobs, strict=True)]
    _insert(store, "photos", (*PHOTO_COLUMNS, "data"), uuid, photos)


def _insert(
    store: Store, table: str, cols: tuple[str, ...], uuid: str, records: list[dict[str, Any]]
) -> None:
    store.conn.executemany(
        f"INSERT INTO {table} (session_uuid, {', '.join(cols)})"
        f" VALUES ({', '.join('?' * (len(cols) + 1))})",
        [(uuid, *(r[k] for k in cols)) for r in records],
    )
