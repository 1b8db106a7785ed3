"""The parts of a session's record that content hash version 3 covers, one digest each.

Version 3 hashes the digests of named parts, so a seal can keep them and `db check` can
say which part changed ("the consent", "the photos"), not only that something did:
- `record`: what versions 1 and 2 hashed (metadata, events, passes, each chunk's numbers,
  summary columns and blob), plus each chunk's multi-resolution summary
  (`chunk_summaries`: the review draws its overview from them, so a changed summary
  could hide a depth excursion the blob holds);
- `consent`: the questionnaire, every answer with its flag and confirmation, who
  confirmed, when, and the SHA-256 of the signature image;
- `photos`: per photo when (before/after), zone, file name, type, EXIF date, who imported
  it and when, the SHA-256 it was imported with, and the SHA-256 of the bytes stored now;
- `products`: every product and lot, with a supervisor's override reason (a reused
  cartridge);
- `series`: the series exceptions (a session started too soon, and why).
Row ids are left out (as in version 2): they are this database's own numbering.
The patient's own details (name, birth year, skin type, notes) are not session content:
they are edited over the years, and a signature must not break when they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.store.base import StoreBase

PARTS = ("record", "consent", "photos", "products", "series")
PART_WORDS = {
    "record": "its metadata, events, passes or telemetry",
    "consent": "its consent (answers, confirmations or the patient's signature)",
    "photos": "its photos (bytes or their time, zone or EXIF date)",
    "products": "its products and lots (or a supervisor's override)",
    "series": "its series exception (the too-soon reason)",
}


def _json_digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _consent(store: StoreBase, session: str) -> str:
    rows = []
    for c in store.media.consents(session):
        row: dict[str, Any] = asdict(c)
        png = row.pop("signature_png")
        row["signature_sha256"] = None if png is None else hashlib.sha256(png).hexdigest()
        rows.append(row)
    return _json_digest(rows)


def _photos(store: StoreBase, session: str) -> str:
    rows = []
    for p in store.media.photos(session):
        row: dict[str, Any] = asdict(p)
        row.pop("id")
        row["data_sha256"] = hashlib.sha256(store.media.photo_data(p.id)).hexdigest()
        rows.append(row)
    return _json_digest(rows)


def _products(store: StoreBase, session: str) -> str:
    return _json_digest([asdict(p) for p in store.products.for_session(session)])


def _series(store: StoreBase, session: str) -> str:
    return _json_digest([asdict(e) for e in store.patients.exceptions(session)])


def parts(store: StoreBase, session: str, record: Callable[[], str]) -> dict[str, str]:
    """Each part's SHA-256; `record` computes the first (signatures.py owns it)."""
    return {
        "record": record(),
        "consent": _consent(store, session),
        "photos": _photos(store, session),
        "products": _products(store, session),
        "series": _series(store, session),
    }


def combine(digests: dict[str, str]) -> str:
    """The version 3 content hash of the parts' digests."""
    return _json_digest({"version": 3, "parts": digests})


def changed_words(sealed: dict[str, str], now: dict[str, str]) -> list[str]:
    """What changed, in words, between two sets of part digests."""
    return [PART_WORDS[p] for p in PARTS if sealed.get(p) != now.get(p)]
