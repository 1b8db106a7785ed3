"""A backup's manifest, and which backups rotation keeps.

A backup folder on a target holds the database copy and `manifest.json`: what it is a
copy of (host, database, console and schema version), the audit chain head as `ID:HASH`
(what `db check` verifies the copy against), the session count and the newest session,
and the copy's SHA-256. Rotation only ever touches folders with a readable manifest.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from console.store.backup_settings import BackupConfig

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "pen-console-backup/1"


@dataclass(frozen=True, slots=True)
class Manifest:
    created_utc: str
    kind: str
    host: str
    database: str
    console_version: str
    schema_version: int
    chain_head: str  # "ID:HASH" as ChainHead prints it; "" when the audit trail is empty
    session_count: int
    newest_session: str  # uuid, "" when there are none
    newest_session_started_utc: str
    db_sha256: str
    db_bytes: int
    format: str = MANIFEST_FORMAT

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        """ValueError with a sentence when the manifest is missing or not ours."""
        try:
            data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(f"{folder} has no readable backup manifest ({exc})") from exc
        if manifest.format != MANIFEST_FORMAT:
            raise ValueError(f"{folder}: manifest format {manifest.format!r} is not known here")
        return manifest

    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_utc)


def to_keep(stamps: list[datetime], keep_daily: int, keep_weekly: int) -> set[datetime]:
    """Which backup times rotation keeps: the newest of each of the last `keep_daily`
    days and `keep_weekly` ISO weeks that have a backup."""
    keep: set[datetime] = set()
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    for t in sorted(stamps, reverse=True):
        day, week = t.date(), tuple(t.isocalendar())[:2]
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(t)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)  # type: ignore[arg-type]
            keep.add(t)
    return keep


def existing_backups(folder: Path) -> list[tuple[Path, Manifest]]:
    """Complete backups (a readable manifest) in a host folder, oldest first. Anything
    else there (staging folders, foreign files) is not ours to rotate."""
    if not folder.is_dir():
        return []
    found = []
    for child in folder.iterdir():
        if child.is_dir() and not child.name.endswith(".partial"):
            try:
                found.append((child, Manifest.read(child)))
            except ValueError:
                continue
    return sorted(found, key=lambda pair: pair[1].created())


def rotate(folder: Path, config: BackupConfig, keep_also: Path) -> tuple[Path, ...]:
    """Delete the complete backups rotation does not keep (never `keep_also`, the one just
    made); the folders removed."""
    backups = existing_backups(folder)
    keep = to_keep([m.created() for _, m in backups], config.keep_daily, config.keep_weekly)
    removed = []
    for path, manifest in backups:
        if manifest.created() not in keep and path != keep_also:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return tuple(removed)
