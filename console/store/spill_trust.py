"""What makes a spill file trustworthy enough to merge (console/store/spill.py).

A spill file lives outside the database, in a folder anyone with the right account could
write to, so nothing in it is believed on its word:
- its folder and the file itself must be ours (owned by this account) and writable by
  nobody else; the console creates the folder 0700 and the file 0600;
- it carries an HMAC under the installation key (the audit trail's key) over everything
  in it, including the database it belongs to (its path and its trail's first hash) and
  the sessions and statuses it names, so a forged file, or one made for another database
  or session, is refused;
- it is merged only into a session that is still `recording`, or one `interrupted` whose
  sealed content is still what its seal says (so the new seal laundering nothing); a
  complete or signed session takes nothing new from it, and it may end a session only as
  complete or interrupted.
A file failing any check is left where it is and named (`SpillRefused`, one sentence).
Never imports Qt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import stat
from pathlib import Path

from console.store.rows import StoreError
from console.store.signatures import seal_words
from console.store.store import Store

FOLDER_MODE = 0o700
FILE_MODE = 0o600
MERGE_STATUSES = ("recording", "complete", "interrupted")  # what a spill file may ask for
_MAC_CONTEXT = b"pen-console spill v1\n"


class SpillRefused(ValueError):
    """A spill file that is not merged; the message says why and what to do."""


def private_folder(folder: Path) -> Path:
    """`folder`, created 0700 if missing; SpillRefused when it is not ours alone."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    info = os.lstat(folder)
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != FOLDER_MODE:
        os.chmod(folder, FOLDER_MODE)  # ours, made before with a looser mode
        info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise SpillRefused(f"{folder} is not a folder (a link?); spill files are not kept there")
    _ours_alone(folder, info, "folder")
    return folder


def check_file(path: Path) -> None:
    """SpillRefused unless `path` is a regular file, in a folder and owned by us, that no
    other account can write."""
    _ours_alone(path.parent, os.stat(path.parent), "folder")
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise SpillRefused(f"{path} is not a regular file; it is not merged")
    _ours_alone(path, info, "file")


def _ours_alone(path: Path, info: os.stat_result, what: str) -> None:
    if info.st_uid != os.getuid():
        raise SpillRefused(
            f"the spill {what} {path} belongs to another account (uid {info.st_uid}); it is "
            "not trusted: check who made it, then move it aside"
        )
    if info.st_mode & 0o022:
        raise SpillRefused(
            f"the spill {what} {path} can be written by other accounts (mode "
            f"{stat.S_IMODE(info.st_mode):o}); it is not trusted: check it, then move it aside"
        )


def identity(store: Store) -> dict[str, str]:
    """The database a spill file belongs to: its path and its audit trail's first hash."""
    return {"db_path": str(store.path.resolve()), "trail": store.audit.first_hash()}


def _digest(conn: sqlite3.Connection) -> bytes:
    """SHA-256 over the file's meta (but its MAC) and every row, in order."""
    h = hashlib.sha256(_MAC_CONTEXT)
    parts = [("meta", "SELECT key, value FROM meta WHERE key != 'mac' ORDER BY key")]
    parts += [(t, f"SELECT * FROM {t} ORDER BY rowid") for t in ("chunks", "events", "passes")]
    for table, sql in parts:
        for row in conn.execute(sql):
            values = [{"b": v.hex()} if isinstance(v, bytes) else v for v in row]
            line = json.dumps([table, *values], separators=(",", ":")).encode()
            h.update(len(line).to_bytes(8, "big") + line)
    return h.digest()


def sign(store: Store, conn: sqlite3.Connection) -> None:
    """Writes the file's MAC (the writer's last step before the rename)."""
    mac = store.audit.mac(b"spill|" + _digest(conn), create=True)
    with conn:
        conn.execute("INSERT INTO meta VALUES ('mac', ?)", (mac,))


def verify(store: Store, path: Path, conn: sqlite3.Connection, meta: dict[str, str]) -> None:
    """SpillRefused unless the MAC holds and the file names this database."""
    expected = store.audit.mac(b"spill|" + _digest(conn))
    if expected is None or not hmac.compare_digest(expected, meta.get("mac", "")):
        raise SpillRefused(
            f"{path} has no valid seal of this installation (missing or wrong MAC): it was "
            "not written by this console or was changed since; it is not merged"
        )
    mine = identity(store)
    # A trail still empty when the file was written (no audited action yet) has a first
    # row by now: the path, the key and the session then have to do.
    theirs = {**meta, "trail": meta.get("trail") or mine["trail"]}
    if any(theirs.get(k) != v for k, v in mine.items()):
        raise SpillRefused(
            f"{path} was written for another database ({meta.get('db_path')}); it is not merged"
        )


def refusal(store: Store, session: str, status: str, new_chunks: int) -> str | None:
    """Why this file's part for `session` may not be merged (None: it may)."""
    if status not in MERGE_STATUSES:
        return f"it would set session {session} to {status!r} (only complete or interrupted)"
    try:
        now = str(store.session(session)["status"])
    except StoreError:
        return f"session {session} is not in this database"
    match now:
        case "recording":
            actions = {e.action for e in store.audit.entries(f"session:{session}")}
            if actions & {"session.seal", "sign"}:
                return f"session {session} is marked recording but was sealed as ended before"
            return None
        case "interrupted":
            seals = store.audit.entries(f"session:{session}", action="session.seal")
            sealed = seals[-1].new().get("sha256") if seals else None
            if sealed != seal_words(store, session)["sha256"]:
                return (
                    f"session {session} changed since it was sealed as interrupted; merging "
                    "would seal that change"
                )
            return None
        case _ if new_chunks:
            return f"session {session} is {now} and sealed; merging would change it"
        case _:
            return None  # already merged: nothing of it is written again
