"""The session store: one SQLite file (WAL, synchronous=FULL) reached through sqlite-utils.

Opening migrates forward and refuses a database from a newer console. Every write is
one short transaction; the recorder is the only writer of telemetry. The SQL lives in
the table modules beside this one: sessions.py and telemetry.py (mixins of Store),
users.py, audit.py, signatures.py and ceilings.py (objects on it: store.users, ...).
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path

import sqlite_utils

from console.store.audit import AuditTrail
from console.store.ceilings import CeilingTable
from console.store.copying import copy_head
from console.store.db import Db
from console.store.keys import ChainHead, HeadFile
from console.store.media import MediaTables
from console.store.patients import PatientTable
from console.store.products import ProductTable
from console.store.rows import StoreError
from console.store.schema import MIGRATIONS, SCHEMA_VERSION, SEALS_SINCE
from console.store.sessions import SessionsMixin
from console.store.signatures import SignatureTable
from console.store.telemetry import TelemetryMixin
from console.store.upgrade import backup_before_migration
from console.store.users import UserTable

__all__ = ["Store"]  # the package re-exports it with the row types (console/store/__init__.py)


def _is_access_problem(exc: sqlite3.DatabaseError) -> bool:
    """Permissions, locks and I/O: the file may be fine, the access is not."""
    words = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and not any(
        w in words for w in ("not a database", "malformed", "encrypted")
    )


class Store(SessionsMixin, TelemetryMixin):
    def __init__(self, path: str | Path, *, key_dir: Path | None = None) -> None:
        """`key_dir` holds the installation key and chain heads (default: the per-user
        data directory, or $PEN_CONSOLE_KEY_DIR)."""
        self.path = Path(path)
        self.key_dir = key_dir
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the database {self.path}: {exc}. Check the folder exists and "
                "is writable, or pass another file with --db."
            ) from exc
        self._db = Db(self.path, conn, key_dir)
        self.conn = conn
        self.migration_backup: Path | None = None  # the copy made before an upgrade, if any
        self.lock = self._db.lock  # one connection, shared by the writer and readers
        self.users = UserTable(self._db)
        self.audit = AuditTrail(self._db)
        self.not_sealed: list[str] = []
        self.signatures = SignatureTable(self._db)
        self.ceilings = CeilingTable(self._db)
        self.patients = PatientTable(self._db)
        self.products = ProductTable(self._db)
        self.media = MediaTables(self._db)
        try:
            self._refuse_unusable()  # before any PRAGMA that would rewrite the file header
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _is_access_problem(exc):
                raise StoreError(
                    f"cannot use the database {self.path} ({exc}). Check that the file and "
                    "its folder are writable and that no other program holds it, or pass "
                    "another file with --db."
                ) from exc
            raise StoreError(
                f"{self.path} is not a Pen Console database, or it is damaged ({exc}). "
                "Nothing was changed. Restore it from a backup (pen-console db backup), "
                "or move it aside to start a new one."
            ) from exc
        self.db = sqlite_utils.Database(conn)

    def open_another(self) -> Store:
        """A second Store on the same file with a connection of its own (for a writer
        thread whose transactions must not mix with other threads' on `conn`)."""
        return Store(self.path, key_dir=self.key_dir)

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One transaction for several store calls (a change and its audit row)."""
        return self._db.transaction()

    def anchor_copy(self, copy: Path, head: ChainHead | None) -> None:
        """Record `head` as the chain head of the database copy at `copy` (a backup)."""
        HeadFile(copy, self._db.key).reset(head)

    def chain_head_file(self) -> tuple[ChainHead | None, str | None]:
        """This database's chain head as kept outside it, or a sentence why not."""
        return self._db.head.read()

    def checkpoint(self) -> None:
        """Fold the WAL into the database file (before the file is copied or renamed)."""
        with self.lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # ------------------------------------------------------------ schema

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _refuse_unusable(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            self.conn.close()
            raise StoreError(
                f"{self.path} was written by a newer Pen Console (schema {version}; this "
                f"console knows up to {SCHEMA_VERSION}). Update this console to open it; "
                "nothing was changed."
            )
        if version == 0:
            foreign = self.conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            if foreign:
                self.conn.close()
                raise StoreError(
                    f"{self.path} is an SQLite database of another program (it has tables "
                    "but no Pen Console schema version). Nothing was changed; pass another "
                    "file with --db."
                )

    def _migrate(self) -> None:
        version = self.schema_version
        if 0 < version < SCHEMA_VERSION:  # an upgrade: keep a named copy first
            try:
                self.migration_backup = backup_before_migration(
                    self.conn, self.path, version, SCHEMA_VERSION
                )
            except OSError as exc:
                self.conn.close()
                raise StoreError(
                    f"{self.path} needs an upgrade (schema {version} to {SCHEMA_VERSION}) but "
                    f"the copy kept before upgrading could not be made ({exc}). Nothing was "
                    "changed; free some disk space beside the database and start again."
                ) from exc
            # Its own chain head, so `db check`/`db restore` on the copy find a cut tail.
            self.anchor_copy(self.migration_backup, copy_head(self.migration_backup))
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self.conn.executescript(
                f"BEGIN;\n{MIGRATIONS[target - 1]}\nPRAGMA user_version = {target};\nCOMMIT;"
            )
        if 0 < version < SEALS_SINCE <= SCHEMA_VERSION:
            self.audit.mark_keyed()
            self.ceilings.adopt_pre_key(self.audit, version)
            self._seal_ended("upgrade")

    def _seal_ended(self, reason: str) -> None:
        """Seal the ended sessions of a database from before seals (once, at upgrade)."""
        rows = self.conn.execute(
            "SELECT uuid FROM sessions WHERE status IN ('complete', 'interrupted', 'signed')"
        ).fetchall()
        for (session,) in rows:
            self.seal(str(session), reason)
