"""Spill files merged back at start-up, told to the user and audited (issue 15).

The console merges a full disk's spill files (console/store/spill.py) before anything
else at start-up. That changes records, so it is not silent: each merge gets one
sentence for the status line ("Recovered 12 s of telemetry from a spill file written on
… to session P-1 (ab12cd34)") and an audit row. Qt-free; the window only shows the words.
"""

from __future__ import annotations

from console.store import Store, StoreError, spill

ACTOR = "console"  # merged before anyone signs in


def recover_and_tell(store: Store) -> list[str]:
    """Merges every spill file of this database; one sentence per session merged, and
    one per file refused by a check (it is left where it is, for `db check` to name)."""
    said: list[str] = []
    refused: list[str] = []
    for r in spill.recover_all(store, refused):
        if not r.events:  # a copy merged before: nothing was written
            continue
        try:
            patient = str(store.session(r.session).get("patient_code") or "?")
        except StoreError:
            patient = "?"
        when = r.written_utc.strftime("%Y-%m-%d %H:%M UTC") if r.written_utc else "an unknown date"
        said.append(
            f"Recovered {r.seconds:.0f} s of telemetry ({r.samples} samples) from a spill file "
            f"written on {when} to session {patient} ({r.session[:8]}), saved there while "
            "the disk was full."
        )
        store.audit.append(
            ACTOR,
            "session.spill_recovered",
            f"session:{r.session}",
            None,
            {"file": str(r.path), "samples": r.samples, "chunks": r.chunks},
        )
    return said + [f"A spill file was not merged: {why}." for why in refused]
