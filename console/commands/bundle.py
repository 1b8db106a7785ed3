"""`pen-console bundle export|import|show`: sessions between carts on a USB stick.

    bundle export [SESSION...] [--since DATE] [--unsent] --out FILE.penbundle
    bundle import FILE.penbundle       verify, then merge (idempotent; conflicts reported)
    bundle show FILE.penbundle         verify and list, read-only, no database needed
    bundle trust FILE.penbundle|KEYFILE|FINGERPRINT   an administrator enrols a cart's key
Exit codes: 0 done (or nothing new), 1 conflicts were reported, 2 a refused bundle or
bad input, 4 not signed in or not permitted.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

from console.commands._common import (
    CommandError,
    Exit,
    add_signed_options,
    shown,
    sign_in,
    signed_in,
    store_for,
)
from console.core.bundle_import import import_bundle
from console.core.bundles import (
    SUFFIX,
    Bundle,
    BundleRefused,
    Change,
    export,
    open_bundle,
    sessions_to_export,
)
from console.core.followups import FIELD_PREFIX
from console.core.installation_id import (
    Installation,
    SigningKey,
    enrol,
    fingerprint,
    installation_id,
)
from console.core.roles import Action
from console.core.safe_files import UnsafeDestination, check_destination
from console.store import StoreError
from console.store.signatures import SealBroken


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("bundle", help="move sessions between carts: signed session bundles")
    actions = p.add_subparsers(dest="bundle_action", required=True, metavar="ACTION")
    e = actions.add_parser("export", help="write sessions to one signed, self-verifying file")
    e.add_argument("sessions", nargs="*", metavar="SESSION", help="session ids (or prefixes)")
    e.add_argument("--since", metavar="DATE", help="sessions started on or after DATE (UTC)")
    e.add_argument("--unsent", action="store_true", help="sessions never exported or imported")
    e.add_argument("--out", required=True, metavar=f"FILE{SUFFIX}")
    e.add_argument("--force", action="store_true", help="replace an existing file")
    e.add_argument(
        "--with-names",
        action="store_true",
        help="carry patients' names, birth years and notes (default: code and skin type only)",
    )
    i = actions.add_parser("import", help="verify a bundle, then merge it (idempotent)")
    i.add_argument("bundle", metavar=f"FILE{SUFFIX}")
    s = actions.add_parser("show", help="verify a bundle and list what it holds (read-only)")
    s.add_argument("bundle", metavar=f"FILE{SUFFIX}")
    t = actions.add_parser("trust", help="enrol another cart's bundle key (administrator)")
    t.add_argument(
        "key",
        metavar="FILE|FINGERPRINT",
        help="a bundle from that cart, a file holding its public key, or the key's fingerprint",
    )
    s.add_argument("--json", action="store_true", help="machine-readable output")
    for q in (e, i):
        add_signed_options(q)
    add_signed_options(t, json=False)
    t.set_defaults(func=run_trust)
    e.set_defaults(func=run_export)
    i.set_defaults(func=run_import)
    s.set_defaults(func=run_show)


def run_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if not (args.sessions or args.since or args.unsent):
        raise CommandError("name the sessions, or give --since DATE or --unsent.")
    with store_for(args) as store:
        try:
            check_destination(out, db=store.path, force=args.force)
        except UnsafeDestination as exc:
            raise CommandError(str(exc)) from exc
        access = sign_in(args, store, Action.EXPORT, "bundle")
        try:
            uuids = sessions_to_export(store, args.sessions, args.since, args.unsent)
        except StoreError as exc:
            raise CommandError(str(exc)) from exc
        if not uuids:
            print("bundle export: no sessions match; nothing was written")
            return Exit.OK
        try:
            digest = export(
                store, access, uuids, out, SigningKey(store.key_dir), with_names=args.with_names
            )
        except SealBroken as exc:
            raise CommandError(f"{exc}. Nothing was written.", Exit.PROBLEMS) from exc
    if args.json:
        print(json.dumps({"file": str(out), "sha256": digest, "sessions": uuids}))
    else:
        print(f"bundle export: wrote {len(uuids)} session(s) to {out} (sha256 {digest[:16]}…)")
    return Exit.OK


def _open(path: str) -> Bundle:
    try:
        return open_bundle(Path(path))
    except BundleRefused as exc:
        raise CommandError(f"refused: {exc}. Nothing was imported.") from exc


def run_import(args: argparse.Namespace) -> int:
    bundle = _open(args.bundle)
    with signed_in(args, Action.IMPORT, "bundle") as access:
        try:
            report = import_bundle(access.store, access, bundle, access.store.key_dir)
        except BundleRefused as exc:
            raise CommandError(f"refused: {exc}. Nothing was imported.") from exc
    conflicts = report.of(Change.CONFLICT)
    if args.json:
        print(
            json.dumps(
                {
                    "origin": report.origin.id,
                    "sessions": [
                        {"uuid": o.uuid, "change": o.change.value, "detail": o.detail}
                        for o in report.outcomes
                    ],
                }
            )
        )
    else:
        for o in report.outcomes:
            detail = f": {shown(o.detail)}" if o.detail else ""
            print(f"bundle import: {o.uuid} {o.change.value}{detail}")
        if not report.changed:
            print("bundle import: nothing new; the database was not changed")
    return Exit.PROBLEMS if conflicts else Exit.OK


def run_show(args: argparse.Namespace) -> int:
    bundle = _open(args.bundle)
    rows = [
        {
            "uuid": s.rows.session["uuid"],
            "patient": s.rows.patient["code"] if s.rows.patient else None,
            "started_utc": s.rows.session["started_utc"],
            "status": s.rows.session["status"],
            "signatures": len(s.rows.signatures),
            "chunks": len(s.rows.chunks),
            "consents": len(s.rows.consents),
            "photos": len(s.rows.photos),
            "products": len(s.rows.products),
            "follow_ups": sum(a.field.startswith(FIELD_PREFIX) for a in s.rows.amendments),
        }
        for s in bundle.sessions
    ]
    if args.json:
        print(json.dumps({"origin": bundle.origin.id, "sessions": rows}))
        return Exit.OK
    print(
        f"bundle show: verified; made {bundle.created_utc} by installation {bundle.origin.id} "
        f"(key fingerprint {fingerprint(bundle.origin)})"
    )
    for r in rows:
        print(
            f"  {r['uuid']}  {shown(r['patient'])}  {r['started_utc']}  {r['status']}  "
            f"{r['signatures']} signature(s), {r['photos']} photo(s), {r['products']} "
            f"product(s), {r['follow_ups']} follow-up(s)" + (", consent" if r["consents"] else "")
        )
    return Exit.OK


def _fingerprint_of(key: str) -> str:
    """The fingerprint `bundle trust` was given: itself, or that of the key in a bundle
    (verified) or in a file holding the base64 public key."""
    path = Path(key)
    if not path.is_file():
        return key
    if path.suffix == SUFFIX:
        return fingerprint(_open(key).origin)
    try:
        raw = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except (OSError, ValueError) as exc:
        raise CommandError(f"{path} does not hold a base64 public key ({exc})") from exc
    if len(raw) != 32:
        raise CommandError(f"{path} does not hold an Ed25519 public key (32 bytes)")
    return fingerprint(Installation(installation_id(raw), base64.b64encode(raw).decode()))


def run_trust(args: argparse.Namespace) -> int:
    fp = _fingerprint_of(args.key)
    with signed_in(args, Action.MANAGE_USERS, f"installation:{fp}") as access:
        try:
            new = enrol(fp, access.store.key_dir)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if new:
            access.record("bundle.trust", f"installation:{fp}", None, {"fingerprint": fp})
    print(f"bundle trust: bundles signed by the key {fp} are {'now' if new else 'already'} trusted")
    return Exit.OK
