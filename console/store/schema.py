"""The database schema as ordered forward migrations; PRAGMA user_version is the version.

Append new steps at the end; never edit a released one. Each step runs in one
transaction. docs/data-model.md documents every table and column.
"""

from __future__ import annotations

from console.store.audit import AUDIT_SCHEMA_SQL
from console.store.record_schema import PATIENT_RECORD_SQL
from console.store.scale_schema import SCALE_SQL
from console.store.users import ACCOUNTS_SCHEMA_SQL, USERS_V5_SQL

MIGRATIONS: list[str] = [
    # 1: sessions, patients, practitioners, telemetry chunks, events, zone passes
    """
    CREATE TABLE practitioners (
        id INTEGER PRIMARY KEY,
        display_name TEXT NOT NULL UNIQUE,
        user_id INTEGER
    );
    CREATE TABLE patients (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        name TEXT,
        birth_year INTEGER,
        fitzpatrick TEXT CHECK (fitzpatrick IN ('I', 'II', 'III', 'IV', 'V', 'VI')),
        notes TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE sessions (
        uuid TEXT PRIMARY KEY,
        patient_id INTEGER REFERENCES patients(id),
        practitioner_id INTEGER REFERENCES practitioners(id),
        pen_serial TEXT,
        pen_model TEXT,
        pen_firmware TEXT,
        cartridge_needles INTEGER,
        cartridge_gauge INTEGER,
        started_utc TEXT NOT NULL,
        ended_utc TEXT,
        tz TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'interrupted', 'signed')),
        plan_name TEXT,
        notes TEXT NOT NULL DEFAULT '',
        zone_ids TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX sessions_started ON sessions(started_utc);
    CREATE TABLE telemetry_chunks (
        id INTEGER PRIMARY KEY,
        session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
        chunk_no INTEGER NOT NULL,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        t_first_us INTEGER NOT NULL,
        t_last_us INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        depth_meas_min_um INTEGER,
        depth_meas_max_um INTEGER,
        depth_meas_mean_um REAL,
        strokes_delta INTEGER NOT NULL,
        contact_ms INTEGER NOT NULL,
        data BLOB NOT NULL,
        UNIQUE (session_uuid, chunk_no)
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
        at_utc TEXT NOT NULL,
        t_us INTEGER,
        source TEXT NOT NULL CHECK (source IN ('pen', 'console')),
        kind TEXT NOT NULL,
        code INTEGER,
        arg INTEGER,
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_session ON events(session_uuid, t_us);
    CREATE TABLE zone_passes (
        id INTEGER PRIMARY KEY,
        session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
        zone TEXT NOT NULL,
        pass_no INTEGER NOT NULL,
        started_t_us INTEGER NOT NULL,
        ended_t_us INTEGER NOT NULL,
        strokes INTEGER NOT NULL,
        contact_ms INTEGER NOT NULL,
        depth_mean_um REAL,
        depth_max_um INTEGER,
        undone INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 2: accounts with roles, and the append-only, hash-chained audit trail
    ACCOUNTS_SCHEMA_SQL + AUDIT_SCHEMA_SQL,
    # 3: signatures bound to content hashes; amendments link to the session they correct
    """
    CREATE TABLE signatures (
        id INTEGER PRIMARY KEY,
        session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
        signer TEXT NOT NULL,
        signed_utc TEXT NOT NULL,
        meaning TEXT NOT NULL CHECK (meaning IN ('reviewed', 'approved')),
        content_sha256 TEXT NOT NULL
    );
    CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
    BEGIN SELECT RAISE(ABORT, 'signatures cannot be changed'); END;
    CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
    BEGIN SELECT RAISE(ABORT, 'signatures cannot be deleted'); END;
    CREATE TRIGGER sessions_signed_locked BEFORE UPDATE ON sessions
    WHEN OLD.status = 'signed'
    BEGIN SELECT RAISE(ABORT, 'the session is signed and locked: add an amendment instead'); END;
    CREATE TRIGGER chunks_signed_locked BEFORE INSERT ON telemetry_chunks
    WHEN (SELECT status FROM sessions WHERE uuid = NEW.session_uuid) = 'signed'
    BEGIN SELECT RAISE(ABORT, 'the session is signed and locked'); END;
    CREATE TRIGGER chunks_signed_no_update BEFORE UPDATE ON telemetry_chunks
    WHEN (SELECT status FROM sessions WHERE uuid = OLD.session_uuid) = 'signed'
    BEGIN SELECT RAISE(ABORT, 'the session is signed and locked'); END;
    CREATE TRIGGER events_signed_locked BEFORE INSERT ON events
    WHEN (SELECT status FROM sessions WHERE uuid = NEW.session_uuid) = 'signed'
    BEGIN SELECT RAISE(ABORT, 'the session is signed and locked'); END;
    CREATE TRIGGER passes_signed_locked BEFORE INSERT ON zone_passes
    WHEN (SELECT status FROM sessions WHERE uuid = NEW.session_uuid) = 'signed'
    BEGIN SELECT RAISE(ABORT, 'the session is signed and locked'); END;
    CREATE TRIGGER passes_signed_no_update BEFORE UPDATE ON zone_passes
    WHEN (SELECT status FROM sessions WHERE uuid = OLD.session_uuid) = 'signed'
    BEGIN SELECT RAISE(ABORT, 'the session is signed and locked'); END;
    CREATE TABLE amendments (
        id INTEGER PRIMARY KEY,
        session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
        author TEXT NOT NULL,
        created_utc TEXT NOT NULL,
        field TEXT NOT NULL,
        text TEXT NOT NULL
    );
    """,
]

MIGRATIONS.append(
    # 4: the clinic's own depth ceilings per map zone (edits are also in audit_log)
    """
    CREATE TABLE zone_ceilings (
        map_id TEXT NOT NULL,
        zone TEXT NOT NULL,
        depth_max_um INTEGER NOT NULL CHECK (depth_max_um > 0),
        edited_by TEXT NOT NULL,
        edited_utc TEXT NOT NULL,
        PRIMARY KEY (map_id, zone)
    );
    """
)

MIGRATIONS.append(
    # 5 (store branch, issue 10): login names with a separate display name, and the
    # sign-in lockout state. The audit chain becomes keyed (HMAC) without a schema change.
    USERS_V5_SQL
)

MIGRATIONS.append(
    # 6 (reliability branch, issue 15): per-session totals, note search, chunk min/max
    # summaries and filter indexes, for 10,000 sessions and multi-hour reviews
    SCALE_SQL
)

MIGRATIONS.append(
    # 7 (patients branch, issue 12): products and lots, consent, photos, series exceptions
    PATIENT_RECORD_SQL
)

MIGRATIONS.append(
    # 8 (safety2 branch, H-35): a session recorded from the virtual pen is marked simulated,
    # so it never passes for a real treatment. Earlier ones are found by the virtual pen's
    # own identity, which no real pen reports.
    """
    ALTER TABLE sessions ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0
        CHECK (simulated IN (0, 1));
    UPDATE sessions SET simulated = 1
        WHERE pen_serial LIKE 'VP-%' AND pen_model = 'MicroPen Virtual';
    """
)

# Opening a database older than this step appends the audit.keyed marker and seals its
# ended sessions once (console/store/store.py).
SEALS_SINCE = MIGRATIONS.index(USERS_V5_SQL) + 1
SCHEMA_VERSION = len(MIGRATIONS)
