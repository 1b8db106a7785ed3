"""Migration 7 (issue 12): the patient's record around a session.

- `session_products`: each product used in a session (cartridge, PRP kit or tube,
  hyaluronic acid, anaesthetic) with its name, GTIN, lot, serial and expiry; a cartridge
  reused under a supervisor's override keeps the reason.
- `consents`: the answers to the consent and contraindication questionnaire, who
  confirmed each flagged answer, and the patient's signature as a PNG.
- `photos`: before and after photos, their bytes, SHA-256, EXIF date and zone.
- `series_exceptions`: a session started sooner than the plan's series allows, and why.

All four are locked with their session once it is signed (corrections are amendments).
"""

from __future__ import annotations

PRODUCT_KINDS = ("cartridge", "prp_kit", "prp_tube", "hyaluronic_acid", "anaesthetic")


def _locked(table: str) -> str:
    return f"""
    CREATE TRIGGER {table}_signed_locked BEFORE INSERT ON {table}
    WHEN (SELECT status FROM sessions WHERE uuid = NEW.session_uuid) = 'signed'
    BEGIN SELECT RAISE(ABORT, 'the session is signed and locked: add an amendment instead'); END;
    CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
    WHEN (SELECT status FROM sessions WHERE uuid = OLD.session_uuid) = 'signed'
    BEGIN SELECT RAISE(ABORT, 'the session is signed and locked'); END;
    """


_KINDS = ", ".join(f"'{k}'" for k in PRODUCT_KINDS)

PATIENT_RECORD_SQL = (
    f"""
    CREATE TABLE session_products (
        id INTEGER PRIMARY KEY,
        session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
        kind TEXT NOT NULL CHECK (kind IN ({_KINDS})),
        name TEXT NOT NULL DEFAULT '',
        gtin TEXT,
        lot TEXT NOT NULL,
        serial TEXT,
        expiry TEXT,
        recorded_utc TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        override_reason TEXT
    );
    CREATE INDEX session_products_lot ON session_products(lot);
    CREATE TABLE consents (
        id INTEGER PRIMARY KEY,
        session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
        questionnaire TEXT NOT NULL,
        answers TEXT NOT NULL,
        confirmed_by TEXT,
        signed_utc TEXT NOT NULL,
        signature_png BLOB
    );
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
        taken TEXT NOT NULL CHECK (taken IN ('before', 'after')),
        zone TEXT,
        file_name TEXT NOT NULL,
        media_type TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        exif_date TEXT,
        imported_utc TEXT NOT NULL,
        imported_by TEXT NOT NULL,
        data BLOB NOT NULL
    );
    CREATE TABLE series_exceptions (
        id INTEGER PRIMARY KEY,
        session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
        days_since_previous REAL NOT NULL,
        min_days INTEGER NOT NULL,
        reason TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        recorded_utc TEXT NOT NULL
    );
    """
    + _locked("session_products")
    + _locked("consents")
    + _locked("photos")
    + _locked("series_exceptions")
)
