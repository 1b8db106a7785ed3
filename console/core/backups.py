"""Automatic, verified backups to every configured target (a folder or a USB stick).

A run copies the database once per target through SQLite's backup API (safe while
recording) into a staging folder on the target, checks the copy, writes its manifest,
and only then renames it into place and rotates the older ones. Checked means: the copy
passes `PRAGMA integrity_check`, its audit chain verifies under this installation's key,
and its chain head is a row of the live database's chain (the copy is this database, up
to that row). A copy that fails is deleted and the older backups stay as they were: a bad
backup never replaces a good one.

A target that is not there (an unplugged stick, an unmounted mount point) is a LOW
notice and an audit line, never an error: a backup never blocks a treatment.

Layout on a target:  <target>/pen-console-backups/<host>-<db stem>/<UTC stamp>-<kind>/
                     pen-console.db, manifest.json
Rotation keeps the newest backup of each of the last `keep_daily` days that have one and
of each of the last `keep_weekly` ISO weeks (the same rule as restic's --keep-daily and
--keep-weekly); a backup can count for both.

Qt-free. The SQL it needs lives in console/store (copying, settings, the audit trail).
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import shutil
import socket
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.core.about import console_version
from console.core.alarms import Priority
from console.core.backup_manifest import (
    MANIFEST_FILE,
    Manifest,
    rotate,
)
from console.store import Store
from console.store.backup_settings import (
    Attempt,
    BackupConfig,
    Target,
    TargetState,
    load_config,
    load_state,
    save_state,
)
from console.store.copying import CopyFacts, inspect_copy, snapshot

ROOT_FOLDER = "pen-console-backups"
DB_FILE = "pen-console.db"
STALE_AFTER = timedelta(hours=24)
RETRY_AFTER = timedelta(hours=1)
ACTOR = "console"  # automatic backups are the console's own actions


class Kind(enum.StrEnum):
    SESSION = "session"  # after a session ended
    DAILY = "daily"
    MANUAL = "manual"  # `pen-console backup now`


class Outcome(enum.StrEnum):
    GOOD = "good"
    MISSING = "missing"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Notice:
    priority: Priority
    text: str


@dataclass(frozen=True, slots=True)
class TargetResult:
    target: Target
    outcome: Outcome
    reason: str = ""
    folder: Path | None = None
    manifest: Manifest | None = None
    removed: tuple[Path, ...] = ()

    @property
    def notice(self) -> Notice | None:
        match self.outcome:
            case Outcome.GOOD:
                return None
            case Outcome.MISSING:
                return Notice(Priority.LOW, f"Backup target {self.target.path} is not there")
            case Outcome.FAILED:
                return Notice(
                    Priority.MEDIUM, f"Backup to {self.target.path} failed: {self.reason}"
                )


def host_folder(db_path: Path) -> str:
    """One folder per cart and database: two carts can share a stick."""
    return f"{socket.gethostname()}-{db_path.stem}"


def backups_folder(target: Target, db_path: Path) -> Path:
    return Path(target.path) / ROOT_FOLDER / host_folder(db_path)


def target_missing(target: Target) -> str | None:
    """Why the target cannot take a backup now, or None when it is there."""
    path = Path(target.path)
    if not path.is_dir():
        return f"{path} does not exist or is not a folder (is the stick plugged in?)"
    if target.require_mount and not os.path.ismount(path):
        return f"{path} is not mounted (the stick is not plugged in)"
    if not os.access(path, os.W_OK):
        return f"{path} is not writable"
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_copy(
    store: Store, copy: Path, manifest: Manifest | None = None, facts: CopyFacts | None = None
) -> list[str]:
    """Every reason the database copy cannot be trusted as a backup of `store`."""
    facts = facts or inspect_copy(copy, store.key_dir)
    problems = list(facts.problems)
    head = facts.head
    if head is not None and store.audit.hash_at(head.entry_id) != head.hash:
        problems.append(
            f"the copy's audit head {head} is not in this database's audit trail "
            "(it is a copy of another database, or one of them was changed)"
        )
    if manifest is not None:
        if manifest.chain_head != (str(head) if head else ""):
            problems.append("the manifest's chain head does not match the copy")
        if manifest.db_sha256 and manifest.db_sha256 != _sha256(copy):
            problems.append("the copy changed after its manifest was written")
    return problems


def _make(store: Store, target: Target, kind: Kind, now: datetime) -> TargetResult:
    folder = backups_folder(target, store.path)
    name = f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{kind.value}"
    staging = folder / f"{name}.partial"
    final = folder / name
    try:
        staging.mkdir(mode=0o700, parents=True)
        copy = snapshot(store.path, staging / DB_FILE)
        facts = inspect_copy(copy, store.key_dir)
        problems = verify_copy(store, copy, facts=facts)
        if problems:
            raise _Bad("; ".join(problems))
        head, count, schema = facts.head, facts.session_count, facts.schema_version
        newest, newest_started = facts.newest_session
        manifest = Manifest(
            created_utc=now.isoformat(timespec="milliseconds"),
            kind=kind.value,
            host=socket.gethostname(),
            database=str(store.path),
            console_version=console_version(),
            schema_version=schema,
            chain_head=str(head) if head else "",
            session_count=count,
            newest_session=newest,
            newest_session_started_utc=newest_started,
            db_sha256=_sha256(copy),
            db_bytes=copy.stat().st_size,
        )
        _write_manifest(staging, manifest)
        staging.rename(final)
    except (OSError, sqlite3.Error, _Bad) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        return TargetResult(target, Outcome.FAILED, str(exc))
    store.anchor_copy(final / DB_FILE, head)
    return TargetResult(target, Outcome.GOOD, folder=final, manifest=manifest)


class _Bad(Exception):
    """The copy was made but does not check out."""


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    path = folder / MANIFEST_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(manifest), f, indent=2)
        f.flush()
        os.fsync(f.fileno())


def back_up_now(
    store: Store,
    kind: Kind,
    *,
    config: BackupConfig | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    by: str = ACTOR,
) -> list[TargetResult]:
    """One backup to every configured target; each outcome audited and remembered.

    Never raises for a target's sake: a missing or failing target is a result."""
    config = config or load_config(store.path)
    states = load_state(store.path)
    results = []
    for target in config.targets:
        at = now()
        missing = target_missing(target)
        if missing is not None:
            result = TargetResult(target, Outcome.MISSING, missing)
        else:
            result = _make(store, target, kind, at)
            if result.outcome is Outcome.GOOD and result.folder is not None:
                removed = rotate(result.folder.parent, config, result.folder)
                result = TargetResult(
                    target,
                    result.outcome,
                    folder=result.folder,
                    manifest=result.manifest,
                    removed=removed,
                )
        results.append(result)
        _remember(states, result, at)
        _audit(store, kind, result, by)
    save_state(store.path, states)
    return results


def _remember(states: dict[str, TargetState], result: TargetResult, at: datetime) -> None:
    m = result.manifest
    attempt = Attempt(
        at.isoformat(timespec="seconds"),
        result.outcome.value,
        result.reason,
        str(result.folder or ""),
        m.chain_head if m else "",
        m.session_count if m else 0,
    )
    state = states.setdefault(result.target.path, TargetState())
    state.last_attempt = attempt
    if result.outcome is Outcome.GOOD:
        state.last_good = attempt


def _audit(store: Store, kind: Kind, result: TargetResult, by: str) -> None:
    obj = f"backup:{result.target.path}"
    match result.outcome:
        case Outcome.GOOD:
            m = result.manifest
            store.audit.append(
                by,
                "backup.done",
                obj,
                None,
                {
                    "kind": kind.value,
                    "folder": str(result.folder),
                    "chain_head": m.chain_head if m else "",
                    "removed": [p.name for p in result.removed],
                },
            )
        case Outcome.MISSING:
            store.audit.append(
                ACTOR,
                "backup.target_missing",
                obj,
                None,
                {"kind": kind.value, "why": result.reason},
            )
        case Outcome.FAILED:
            store.audit.append(
                by, "backup.failed", obj, None, {"kind": kind.value, "why": result.reason}
            )


def stale_notice(db_path: Path, config: BackupConfig, now: datetime | None = None) -> Notice | None:
    """A MEDIUM notice when targets are configured but no target has a good backup
    from the last 24 h."""
    if not config.targets:
        return None
    now = now or datetime.now(UTC)
    states = load_state(db_path)
    goods = [
        datetime.fromisoformat(s.last_good.at_utc)
        for t in config.targets
        if (s := states.get(t.path)) is not None and s.last_good is not None
    ]
    if goods and now - max(goods) <= STALE_AFTER:
        return None
    if not goods:
        return Notice(Priority.MEDIUM, "No good backup has been made yet")
    age_h = (now - max(goods)).total_seconds() / 3600
    return Notice(Priority.MEDIUM, f"The last good backup is {age_h:.0f} h old")


def daily_due(db_path: Path, config: BackupConfig, now: datetime | None = None) -> bool:
    """True when a configured target has had no good backup today (UTC) and was not
    tried in the last hour (an unplugged stick is retried hourly, not every minute)."""
    now = now or datetime.now(UTC)
    states = load_state(db_path)
    for target in config.targets:
        state = states.get(target.path) or TargetState()
        good, last = state.last_good, state.last_attempt
        if good is not None and datetime.fromisoformat(good.at_utc).date() == now.date():
            continue
        if last is None or now - datetime.fromisoformat(last.at_utc) >= RETRY_AFTER:
            return True
    return False


def notices_of(run: Callable[[], list[TargetResult]]) -> list[Notice]:
    """The notices of one backup run; a run that cannot start (an unreadable settings
    file) is a notice too, never an exception: backups never stop a treatment."""
    try:
        return [r.notice for r in run() if r.notice is not None]
    except (ValueError, OSError, sqlite3.Error) as exc:
        return [Notice(Priority.MEDIUM, f"Backups could not run: {exc}")]
