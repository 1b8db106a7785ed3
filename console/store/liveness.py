"""Whether a session marked `recording` is being recorded right now, or its recorder died.

The recorder holds an exclusive advisory lock (flock) on a file beside the database, one
file per session, for as long as it records. The kernel drops the lock when the process
ends, however it ends (kill -9 and power loss included), so any reader that can take the
lock knows the recorder is gone and can show the session as interrupted at once instead
of waiting for the next start. flock locks belong to the open file, so a reader in the
same process as the recorder gets the right answer too.

POSIX only (fcntl), like the rest of the console's deployment. Never imports Qt.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid as uuidlib
from pathlib import Path


def lock_dir(db_path: str | Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".live")


def lock_path(db_path: str | Path, session: str) -> Path:
    return lock_dir(db_path) / f"{session}.lock"


class RecordingLock:
    """Held by the recorder from before the session row exists until its status is final."""

    def __init__(self, db_path: str | Path, session: str) -> None:
        self.path = lock_path(db_path, session)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._fd)
            self._fd = None
            raise
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        """The session's status is final: remove the file, then let go of the lock."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


def is_live(db_path: str | Path, session: str) -> bool:
    """True while a recorder (in any process) holds the session's lock."""
    try:
        fd = os.open(lock_path(db_path, session), os.O_RDONLY)
    except OSError:  # no file: nobody records it (or the database predates liveness locks)
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:  # a file system without flock: assume alive rather than lie about death
        return True
    finally:
        os.close(fd)  # also drops a shared lock we took
    return False


def forget(db_path: str | Path, session: str) -> None:
    """Removes a dead recorder's lock file (after its session was marked interrupted)."""
    if not is_live(db_path, session):
        with contextlib.suppress(OSError):
            lock_path(db_path, session).unlink()


def effective_status(db_path: str | Path, session: str, status: str) -> str:
    """What a reader should show: `recording` only while the recorder is alive."""
    if status == "recording" and not is_live(db_path, session):
        return "interrupted"
    return status


class LiveSessions:
    """The recorder's locks: one per session it records, until the status is final."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self._locks: dict[str, RecordingLock] = {}

    def new_session(self) -> str:
        """A new session uuid, locked before any row of it exists (no reader can see it
        `recording` without a lock). OSError when the lock file cannot be made."""
        session = str(uuidlib.uuid4())
        self._locks[session] = RecordingLock(self.db_path, session)
        return session

    def release(self, session: str) -> None:
        lock = self._locks.pop(session, None)
        if lock is not None:
            lock.release()

    def release_all(self) -> None:
        """The recorder stops: what it could not finish now reads as interrupted."""
        for session in list(self._locks):
            self.release(session)
