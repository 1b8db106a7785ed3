"""`pen-console export SESSION --format csv|json [--out FILE [--force]]`.

The file is written whole or not at all (a temporary file, then a rename), mode 0600,
never onto the database or its -wal/-shm files, and never over an existing file
without --force.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO, cast

from console.commands._common import (
    DAMAGE,
    CommandError,
    add_db_option,
    add_user_option,
    damaged,
    sign_in,
    store_for,
)
from console.core.accounts import Action
from console.core.export import session_record, write_csv
from console.core.records import exported
from console.core.safe_files import UnsafeDestination, check_destination, private_output
from console.store import Store, StoreError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="export one session as CSV or JSON (needs sign-in)")
    p.add_argument("session", metavar="SESSION", help="uuid, or a unique prefix of it")
    add_db_option(p)
    add_user_option(p)
    p.add_argument("--format", choices=("csv", "json"), required=True)
    p.add_argument("--out", metavar="FILE", help="default: standard output")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with store_for(args) as store:
        access = sign_in(args, store, Action.EXPORT, f"session:{args.session}")
        try:
            session = store.resolve_session(args.session)
        except StoreError as exc:
            raise CommandError(str(exc)) from exc
        try:
            if args.out:  # refuse an unsafe destination before anything is disclosed
                check_destination(Path(args.out), db=store.path, force=args.force)
            exported(access, session, args.format, args.out or "-")
            if args.out:
                with private_output(Path(args.out), db=store.path, force=args.force) as out:
                    _write(store, session, args.format, cast(TextIO, out))
            else:
                _write(store, session, args.format, sys.stdout)
        except BrokenPipeError:
            raise  # cli.main explains a closed pipe
        except (UnsafeDestination, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except DAMAGE as exc:
            raise damaged(exc) from exc
    return 0


def _write(store: Store, session: str, fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        write_csv(store, session, out)
    else:
        json.dump(session_record(store, session), out, indent=1, default=str)
        out.write("\n")
