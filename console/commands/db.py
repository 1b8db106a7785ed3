"""`pen-console db init|check|backup|restore|recover-spill`: create, check, copy, restore.

`init` is the one command that makes a new, empty database (besides the console's first
start and `users add` of the first administrator). `restore` checks the backup before it
touches anything, keeps the current database aside under a new name (never deletes it),
needs an administrator once accounts exist, and is audited in both files.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from console.commands._common import (
    CommandError,
    Exit,
    add_db_option,
    add_user_option,
    database_path,
    open_store,
    shown,
    sign_in,
    store_for,
)
from console.core.access import Access
from console.core.accounts import Action
from console.core.db_admin import authorize_restore, backup
from console.core.safe_files import (
    UnsafeDestination,
    check_destination,
    database_files,
    make_private,
)
from console.core.trust import check_database, head_words
from console.store import Store, StoreError, spill
from console.store.keys import ChainHead, HeadFile, InstallationKey
from console.store.maintenance import notes


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="create, check, back up or restore the database")
    actions = p.add_subparsers(dest="db_action", required=True, metavar="ACTION")
    i = actions.add_parser("init", help="create a new, empty database (says where)")
    add_db_option(i)
    i.set_defaults(func=run_init)
    c = actions.add_parser(
        "check", help="integrity, audit chain, and every record checked against the chain"
    )
    c.add_argument(
        "--anchor",
        metavar="HEAD",
        help="a chain head written down earlier (NUMBER:HASH, as in a backup's manifest)",
    )
    c.add_argument(
        "--quick",
        action="store_true",
        help="structure, audit chain and signatures; unpack only the chunks of signed sessions",
    )
    add_db_option(c)
    c.set_defaults(func=run_check)
    b = actions.add_parser("backup", help="consistent copy, safe while recording")
    b.add_argument("dest", metavar="DEST", help="a new file in an existing folder")
    add_db_option(b)
    add_user_option(b)
    b.set_defaults(func=run_backup)
    r = actions.add_parser(
        "restore", help="replace the database with a checked backup (admin; keeps the old one)"
    )
    r.add_argument("backup", metavar="BACKUP")
    add_db_option(r)
    add_user_option(r)
    r.set_defaults(func=run_restore)
    s = actions.add_parser(
        "recover-spill", help="merge back recordings saved elsewhere while the disk was full"
    )
    s.add_argument("files", nargs="*", metavar="FILE", help="spill files (default: all found)")
    add_db_option(s)
    s.set_defaults(func=run_recover_spill)


def run_init(args: argparse.Namespace) -> int:
    path = database_path(args)
    if path.exists():
        raise CommandError(f"{path} already exists; nothing was changed.")
    open_store(args, create=True).close()
    return 0


def run_check(args: argparse.Namespace) -> int:
    anchor = None
    if args.anchor:
        try:
            anchor = ChainHead.parse(args.anchor)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    with store_for(args) as store:
        progress = None if args.quick else _progress
        problems = check_database(store, anchor, quick=args.quick, progress=progress)
        head = store.audit.head()
        remarks = notes(store)
    for p in problems:
        print(f"db check: {shown(p)}", file=sys.stderr)
    for n in remarks:  # not problems: the exit code stays 0 for them
        print(f"db check: note: {n}")
    if not problems:
        print(f"db check: {store.path} is sound; chain head {head_words(head)}")
    return Exit.PROBLEMS if problems else Exit.OK


def _progress(line: str) -> None:
    print(f"db check: {line}", file=sys.stderr, flush=True)


def run_backup(args: argparse.Namespace) -> int:
    dest = Path(args.dest)
    with store_for(args) as store:
        access = sign_in(args, store, Action.BACKUP, "database")
        try:
            check_destination(dest, db=store.path, force=False)
            written, head = backup(access, dest.resolve())  # audited, with the chain head
        except (UnsafeDestination, FileExistsError) as exc:
            raise CommandError(str(exc)) from exc
        except (OSError, sqlite3.Error) as exc:
            raise CommandError(f"the backup failed ({exc}); nothing was kept") from exc
        make_private(written)
    print(f"db backup: wrote {written}; chain head {head_words(head)}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    db = database_path(args)
    source = Path(args.backup)
    if not source.is_file():
        raise CommandError(f"there is no backup file at {source}; check the path.")
    if any(source.resolve() == own.resolve() for own in database_files(db)):
        raise CommandError(f"{source} is the database itself; name a backup file.")
    if not db.parent.is_dir():
        raise CommandError(f"the folder {db.parent} does not exist; fix --db.")
    staged = db.with_name(f".{db.name}.restoring")
    _stage(source, staged)
    # The backup's own chain head (written when it was made) anchors the copy, so a
    # backup whose last audit rows were cut off does not check out.
    _anchor(staged).reset(_anchor(source).read()[0])
    try:
        try:
            restored = Store(staged)  # migrates an older backup forward, in the copy only
        except StoreError as exc:
            raise CommandError(
                f"the backup {source} cannot be used ({exc}); nothing was changed."
            ) from exc
        try:
            problems = check_database(restored)
            if problems:
                for p in problems:
                    print(f"db restore: {shown(p)}", file=sys.stderr)
                raise CommandError(
                    f"the backup {source} did not check out ({len(problems)} problems, "
                    "listed above); nothing was changed."
                )
            access = _admin(args, db, restored)
            head = restored.audit.head()
        finally:
            restored.close()
        aside = _set_aside(db, access, source) if db.exists() else None
        staged.replace(db)
        _anchor(db).reset(head)  # the restored chain's head, not the replaced one's
    finally:
        for leftover in database_files(staged):
            leftover.unlink(missing_ok=True)
        _anchor(staged).reset(None)
    with store_for(args) as store:
        Access(store, access.user).record(
            "db.restore",
            "database",
            None,
            {"from": str(source.resolve()), "previous_kept_as": str(aside) if aside else None},
        )
    kept = f"; the previous database is kept as {aside}" if aside else ""
    print(f"db restore: {db} now holds the backup {source}{kept}")
    return 0


def _stage(source: Path, staged: Path) -> None:
    """A private, consistent copy of the backup beside the database (same file system,
    so the final step is a rename), made with SQLite's backup API."""
    for leftover in database_files(staged):
        leftover.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(staged)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
    except sqlite3.Error as exc:
        staged.unlink(missing_ok=True)
        raise CommandError(
            f"{source} is not a readable database ({exc}); nothing was changed."
        ) from exc
    make_private(staged)


def _admin(args: argparse.Namespace, db: Path, restored: Store) -> Access:
    """An administrator of the current database; of the backup when there is none."""
    if not db.exists():
        return sign_in(args, restored, Action.RESTORE, "database")
    with store_for(args) as current:
        access = sign_in(args, current, Action.RESTORE, "database")
        authorize_restore(access, args.backup)  # audited in the database to be replaced
        return access


def _anchor(path: Path) -> HeadFile:
    """The chain-head file kept outside the database at `path` (see console/store/keys)."""
    return HeadFile(path, InstallationKey())


def _set_aside(db: Path, access: Access, source: Path) -> Path:
    """Record the restore in the current database, fold its WAL in, and rename it with
    its chain head, so the kept file still checks out on its own."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = db.with_name(f"{db.name}.before-restore-{stamp}")
    try:
        current = Store(db)
        try:
            Access(current, access.user).record(
                "db.restore", "database", None, {"from": str(source), "kept_as": str(aside)}
            )
            current.checkpoint()
        finally:
            current.close()
    except (sqlite3.Error, StoreError) as exc:
        raise CommandError(
            f"the current database could not be set aside ({exc}); nothing was changed."
        ) from exc
    head = _anchor(db).read()[0]
    for own, kept in zip(database_files(db), database_files(aside), strict=True):
        if own.exists():
            own.rename(kept)
    _anchor(aside).reset(head)
    return aside


def run_recover_spill(args: argparse.Namespace) -> int:
    """Merges spill files (console/store/spill.py) back; a file that fails is kept."""
    code = Exit.OK
    with store_for(args) as store:
        paths = [Path(f) for f in args.files] or spill.find(store.path)
        for path in paths:
            try:
                merged = spill.recover(store, path)
            except (OSError, ValueError, sqlite3.Error) as exc:
                print(
                    f"db recover-spill: {path} was not merged ({exc}); it is kept", file=sys.stderr
                )
                code = Exit.BAD_INPUT
                continue
            for r in merged:
                print(
                    f"db recover-spill: merged {r.samples} samples of session {r.session} "
                    f"from {r.path}"
                )
        if not paths:
            print(f"db recover-spill: no spill files for {store.path}")
    return code
