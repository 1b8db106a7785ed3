"""Writing files that cannot destroy the records: private modes, no clobbering, no
writing onto the database, and a whole file or none (temporary file, then rename).

Exports, reports and backups go through `private_output`; the CLI and the windows call
the same code. Qt-free and store-free: it only needs the database's path.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
# The database's own files: SQLite keeps live pages in -wal and its index in -shm.
DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")


class UnsafeDestination(ValueError):
    """The destination would overwrite something it must not; the message says what to do."""


def database_files(db: Path) -> list[Path]:
    return [db.with_name(db.name + suffix) for suffix in DATABASE_SUFFIXES]


def refuse_database_target(dest: Path, db: Path | None) -> None:
    """Refuse `dest` when it is the database or one of its companion files, under any
    spelling (relative, symlink, hard link)."""
    if db is None:
        return
    target = dest.resolve()
    for own in database_files(db):
        same = target == own.resolve()
        if not same and dest.exists() and own.exists():
            same = os.path.samefile(dest, own)
        if same:
            raise UnsafeDestination(
                f"{dest} is the database's own file ({own.name}); writing there would "
                "destroy the records. Choose another file name."
            )


def check_destination(dest: Path, *, db: Path | None, force: bool) -> None:
    refuse_database_target(dest, db)
    if not dest.parent.is_dir():
        raise UnsafeDestination(
            f"the folder {dest.parent} does not exist; create it first, or check the path "
            "(a mistyped USB path must not land on the internal disk)."
        )
    if dest.is_dir():
        raise UnsafeDestination(f"{dest} is a folder; give a file name inside it.")
    if dest.exists() and not force:
        raise UnsafeDestination(f"{dest} already exists; choose a new name, or pass --force.")


@contextmanager
def private_output(
    dest: str | Path, *, db: Path | None, force: bool = False, binary: bool = False
) -> Iterator[IO[Any]]:
    """A file handle whose content lands at `dest` (mode 0600) only when the block ends
    without an error; before that `dest` is untouched and a failure leaves nothing."""
    dest = Path(dest)
    check_destination(dest, db=db, force=force)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.fchmod(fd, PRIVATE_FILE_MODE)  # mkstemp already does; a umask cannot widen it
    try:
        handle = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with handle as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        check_destination(dest, db=db, force=force)  # nothing appeared meanwhile
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_private(path: Path) -> None:
    """Narrow a file the console created to its user (0600), or a folder (0700)."""
    path.chmod(PRIVATE_DIR_MODE if path.is_dir() else PRIVATE_FILE_MODE)


@contextmanager
def private_path(dest: str | Path, *, db: Path | None, force: bool = False) -> Iterator[Path]:
    """A scratch path beside `dest` for writers that want a file name (a PDF writer); it
    becomes `dest` (mode 0600) only when the block ends without an error."""
    dest = Path(dest)
    check_destination(dest, db=db, force=force)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        check_destination(dest, db=db, force=force)  # nothing appeared meanwhile
        os.chmod(tmp, PRIVATE_FILE_MODE)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
