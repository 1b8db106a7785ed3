"""`pen-console backup targets add|list|remove`, `backup now`, `backup status`.

Automatic backups (after each ended session, and daily) go to every configured target;
see console/core/backups.py. `status` names the last good backup per target, which
`pen-console db restore <folder>/pen-console.db` restores.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict, replace
from pathlib import Path

from console.commands._common import (
    CommandError,
    Exit,
    add_db_option,
    add_signed_options,
    database_path,
    shown,
    signed_in,
)
from console.core.backups import Kind, Outcome, back_up_now, stale_notice
from console.core.roles import Action
from console.store.backup_settings import (
    BackupConfig,
    Target,
    TargetState,
    load_config,
    load_state,
    save_config,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="backup targets, a backup now, the last good backups")
    actions = p.add_subparsers(dest="backup_action", required=True, metavar="ACTION")
    t = actions.add_parser("targets", help="the folders or USB sticks backups go to")
    targets = t.add_subparsers(dest="targets_action", required=True, metavar="ACTION")
    add = targets.add_parser("add", help="add a folder or mount point (it must exist now)")
    add.add_argument("path", metavar="PATH")
    remove = targets.add_parser("remove", help="stop backing up to PATH (its backups stay)")
    remove.add_argument("path", metavar="PATH")
    listing = targets.add_parser("list", help="the configured targets")
    for q in (add, remove):
        add_signed_options(q, json=False)
    add_db_option(listing)
    add.set_defaults(func=run_add)
    remove.set_defaults(func=run_remove)
    listing.set_defaults(func=run_list)
    now = actions.add_parser("now", help="back up to every target now (checked, rotated)")
    add_signed_options(now, json=False)
    now.set_defaults(func=run_now)
    status = actions.add_parser("status", help="the last good backup per target")
    add_db_option(status)
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=run_status)


def _config(db: Path) -> BackupConfig:
    try:
        return load_config(db)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def run_add(args: argparse.Namespace) -> int:
    path = Path(args.path).expanduser()
    if not path.is_dir():
        raise CommandError(
            f"{path} is not an existing folder. Plug in the stick (or create the folder) "
            "first, so that a mistyped path cannot send backups to the internal disk."
        )
    path = path.resolve()
    with signed_in(args, Action.BACKUP, f"backup:{path}") as access:
        store = access.store
        config = _config(store.path)
        if any(t.path == str(path) for t in config.targets):
            raise CommandError(f"{path} is already a backup target; nothing was changed.")
        target = Target(str(path), require_mount=os.path.ismount(path))
        save_config(store.path, replace(config, targets=(*config.targets, target)))
        access.record("backup.target_add", f"backup:{path}", None, asdict(target))
    mount = " (a mount point: missing whenever it is not mounted)" if target.require_mount else ""
    print(f"backup targets: added {path}{mount}")
    return Exit.OK


def run_remove(args: argparse.Namespace) -> int:
    path = str(Path(args.path).expanduser().resolve())
    with signed_in(args, Action.BACKUP, f"backup:{path}") as access:
        store = access.store
        config = _config(store.path)
        kept = tuple(t for t in config.targets if t.path != path)
        if len(kept) == len(config.targets):
            raise CommandError(f"{path} is not a backup target; see `backup targets list`.")
        save_config(store.path, replace(config, targets=kept))
        access.record("backup.target_remove", f"backup:{path}", path, None)
    print(f"backup targets: removed {path}; the backups already there stay")
    return Exit.OK


def run_list(args: argparse.Namespace) -> int:
    config = _config(database_path(args))
    if not config.targets:
        print("backup targets: none; add one with `pen-console backup targets add PATH`")
    for t in config.targets:
        print(f"{shown(t.path)}{'  (mount point)' if t.require_mount else ''}")
    print(f"rotation: {config.keep_daily} daily, {config.keep_weekly} weekly")
    return Exit.OK


def run_now(args: argparse.Namespace) -> int:
    with signed_in(args, Action.BACKUP, "database") as access:
        store, actor = access.store, access.actor
        config = _config(store.path)
        if not config.targets:
            raise CommandError("there are no backup targets; add one with `backup targets add`.")
        results = back_up_now(store, Kind.MANUAL, config=config, by=actor.name)
    for r in results:
        match r.outcome:
            case Outcome.GOOD:
                gone = f", rotated out {len(r.removed)}" if r.removed else ""
                print(f"backup: {r.target.path}: wrote {r.folder}{gone}")
            case Outcome.MISSING | Outcome.FAILED:
                print(f"backup: {r.target.path}: {r.outcome.value}: {shown(r.reason)}")
    return Exit.OK if all(r.outcome is Outcome.GOOD for r in results) else Exit.PROBLEMS


def run_status(args: argparse.Namespace) -> int:
    db = database_path(args)
    config = _config(db)
    states = load_state(db)
    pairs = [(t, states.get(t.path) or TargetState()) for t in config.targets]
    notice = stale_notice(db, config)
    if args.json:
        rows = [
            {
                "target": t.path,
                "last_good": asdict(s.last_good) if s.last_good else None,
                "last_attempt": asdict(s.last_attempt) if s.last_attempt else None,
            }
            for t, s in pairs
        ]
        print(json.dumps({"targets": rows, "notice": notice.text if notice else None}))
        return Exit.OK
    if not pairs:
        print("backup status: no backup targets; add one with `backup targets add PATH`")
    for t, state in pairs:
        good, last = state.last_good, state.last_attempt
        print(shown(t.path))
        if good:
            print(f"  last good: {good.at_utc}  {shown(good.backup)}")
            print(
                f"             chain head {good.chain_head or '(empty)'}, {good.sessions} sessions"
            )
        else:
            print("  last good: none yet")
        if last and last.outcome != Outcome.GOOD.value:
            print(f"  last try:  {last.at_utc} {last.outcome}: {shown(last.reason)}")
    if notice:
        print(f"backup status: {notice.text}")
    return Exit.OK
