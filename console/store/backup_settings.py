"""Where automatic backups go, and what the last run per target found: two small JSON
files beside the database (not tables: a restored backup must not bring back the old
target list, and the state must be readable when the database is not).

`<db stem>-backup-targets.json`  targets and rotation, edited by `backup targets ...`
`<db stem>-backup-state.json`    per target: the last good backup and the last attempt
Both are written through a temporary file and a rename, mode 0600.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

DEFAULT_KEEP_DAILY = 7
DEFAULT_KEEP_WEEKLY = 4


@dataclass(frozen=True, slots=True)
class Target:
    path: str
    # Added while a mount point (a USB stick): when it is not mounted, the empty folder
    # under it is on the internal disk, so the target counts as missing.
    require_mount: bool = False


@dataclass(frozen=True, slots=True)
class BackupConfig:
    targets: tuple[Target, ...] = ()
    keep_daily: int = DEFAULT_KEEP_DAILY
    keep_weekly: int = DEFAULT_KEEP_WEEKLY


@dataclass(frozen=True, slots=True)
class Attempt:
    """One target's outcome of one run (`outcome` is an Outcome value in core.backups)."""

    at_utc: str
    outcome: str
    reason: str = ""
    backup: str = ""  # the folder written, when good
    chain_head: str = ""
    sessions: int = 0


@dataclass(slots=True)
class TargetState:
    last_good: Attempt | None = None
    last_attempt: Attempt | None = None


def config_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.stem}-backup-targets.json")


def state_path(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.stem}-backup-state.json")


def _write(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read(path: Path) -> dict[str, Any]:
    """The file's object; {} when it does not exist. ValueError with a sentence when it
    cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} cannot be read ({exc}); fix or remove it") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a backup settings file; fix or remove it")
    return data


def load_config(db_path: Path) -> BackupConfig:
    data = _read(config_path(db_path))
    try:
        return BackupConfig(
            tuple(Target(**t) for t in data.get("targets", [])),
            int(data.get("keep_daily", DEFAULT_KEEP_DAILY)),
            int(data.get("keep_weekly", DEFAULT_KEEP_WEEKLY)),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{config_path(db_path)} has a bad entry ({exc}); fix or remove it"
        ) from exc


def save_config(db_path: Path, config: BackupConfig) -> None:
    _write(config_path(db_path), asdict(config))


def load_state(db_path: Path) -> dict[str, TargetState]:
    try:
        data = _read(state_path(db_path))
    except ValueError:
        return {}  # only a record of past runs: the next run writes it again
    states: dict[str, TargetState] = {}
    for target, entry in data.items():
        try:
            good, last = entry.get("last_good"), entry.get("last_attempt")
            states[target] = TargetState(
                Attempt(**good) if good else None, Attempt(**last) if last else None
            )
        except (AttributeError, TypeError):
            continue
    return states


def save_state(db_path: Path, states: dict[str, TargetState]) -> None:
    _write(
        state_path(db_path),
        {
            target: {
                "last_good": asdict(s.last_good) if s.last_good else None,
                "last_attempt": asdict(s.last_attempt) if s.last_attempt else None,
            }
            for target, s in states.items()
        },
    )
