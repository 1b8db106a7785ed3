"""`pen-console photos import SESSION FILE... --when before|after [--zone Z]` (sign-in).

Each file is checked (JPEG, PNG or HEIC), hashed (SHA-256) and stored in the database with
its EXIF date. The files are imported one by one: one bad file is named, and the ones
before it are kept (exit 2).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from console.commands._common import (
    CommandError,
    add_signed_options,
    shown,
    signed_in,
)
from console.core.accounts import Action
from console.core.photos import PhotoError, PhotoWhen, import_photo, session_exists


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("photos", help="import before and after photos (needs sign-in)")
    verbs = p.add_subparsers(dest="verb", metavar="import", required=True)
    imp = verbs.add_parser("import", help="store photos with a session")
    imp.add_argument("session", metavar="SESSION", help="uuid, or a unique prefix of it")
    imp.add_argument("files", metavar="FILE", nargs="+", type=Path)
    imp.add_argument("--when", required=True, choices=[w.value for w in PhotoWhen])
    imp.add_argument("--zone", metavar="Z", help="the zone the photo shows (a map zone id)")
    add_signed_options(imp)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with signed_in(args, Action.RECORD_SESSION, f"session:{args.session}") as access:
        try:
            session = session_exists(access.store, args.session)
            for path in args.files:
                try:
                    row = import_photo(access, session, path, PhotoWhen(args.when), args.zone)
                except PhotoError as exc:
                    raise CommandError(f"{exc} (the files before it were imported)") from exc
                if args.json:
                    keys = ("id", "file_name", "sha256", "exif_date", "taken", "zone")
                    print(json.dumps({k: getattr(row, k) for k in keys}))
                else:
                    print(
                        f"imported {shown(row.file_name)} ({row.taken}, sha256 "
                        f"{row.sha256[:12]}…, taken {shown(row.exif_date)})"
                    )
        except PhotoError as exc:
            raise CommandError(str(exc)) from exc
    return 0
