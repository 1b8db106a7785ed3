"""The schema step that keeps a clinic's years of sessions fast (issue 15, "Scale").

- `session_totals`: samples, events, alarms and link gaps per session, kept by triggers
  as chunks and events are inserted, so the session list and its "has alarms" / "has
  link gaps" filters read one row per session instead of every chunk and event.
- `session_notes`: an FTS5 trigram index of the notes, so a note search (substring, as
  LIKE '%text%' always was) does not scan every session. It keeps its own copy of the
  text keyed by uuid: an external-content index keyed by the implicit rowid would go
  wrong after a VACUUM renumbers rowids.
- `chunk_summaries`: per telemetry chunk, the min/max of the plotted columns for the
  whole chunk (coarse) and for FINE_BINS slices of it (fine), written with the chunk
  (console/store/summaries.py), so a review opens on the summaries, not on every sample.
- Indexes for the practitioner, patient and event-kind filters.
"""

from __future__ import annotations

SCALE_SQL = """
CREATE INDEX sessions_patient ON sessions(patient_id, started_utc);
CREATE INDEX sessions_practitioner ON sessions(practitioner_id, started_utc);
CREATE INDEX events_session_kind ON events(session_uuid, kind);

CREATE TABLE session_totals (
    session_uuid TEXT PRIMARY KEY REFERENCES sessions(uuid),
    samples INTEGER NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0,
    alarms INTEGER NOT NULL DEFAULT 0,
    link_gaps INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO session_totals (session_uuid, samples, events, alarms, link_gaps)
SELECT s.uuid,
    (SELECT coalesce(sum(c.samples), 0) FROM telemetry_chunks c WHERE c.session_uuid = s.uuid),
    (SELECT count(*) FROM events e WHERE e.session_uuid = s.uuid),
    (SELECT count(*) FROM events e WHERE e.session_uuid = s.uuid AND e.kind = 'alarm'),
    (SELECT count(*) FROM events e WHERE e.session_uuid = s.uuid
        AND e.kind IN ('link_gap', 'seq_gap'))
FROM sessions s;
CREATE TRIGGER session_totals_new AFTER INSERT ON sessions
BEGIN INSERT INTO session_totals (session_uuid) VALUES (NEW.uuid); END;
CREATE TRIGGER session_totals_chunk AFTER INSERT ON telemetry_chunks
BEGIN
    UPDATE session_totals SET samples = samples + NEW.samples
    WHERE session_uuid = NEW.session_uuid;
END;
CREATE TRIGGER session_totals_event AFTER INSERT ON events
BEGIN
    UPDATE session_totals SET events = events + 1,
        alarms = alarms + (NEW.kind = 'alarm'),
        link_gaps = link_gaps + (NEW.kind IN ('link_gap', 'seq_gap'))
    WHERE session_uuid = NEW.session_uuid;
END;

CREATE VIRTUAL TABLE session_notes USING fts5(uuid UNINDEXED, notes, tokenize = 'trigram');
INSERT INTO session_notes (uuid, notes) SELECT uuid, notes FROM sessions;
CREATE TRIGGER session_notes_new AFTER INSERT ON sessions
BEGIN INSERT INTO session_notes (uuid, notes) VALUES (NEW.uuid, NEW.notes); END;
CREATE TRIGGER session_notes_edit AFTER UPDATE OF notes ON sessions
BEGIN UPDATE session_notes SET notes = NEW.notes WHERE uuid = NEW.uuid; END;

CREATE TABLE chunk_summaries (
    session_uuid TEXT NOT NULL REFERENCES sessions(uuid),
    chunk_no INTEGER NOT NULL,
    t_first_us INTEGER NOT NULL,
    t_last_us INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    coarse BLOB NOT NULL,
    fine BLOB NOT NULL,
    PRIMARY KEY (session_uuid, chunk_no)
) WITHOUT ROWID;
"""
