"""Where a review export goes by default, and what to say when it cannot be written.

The default name is "<patient code>_<YYYY-MM-DD>_<kind>.<suffix>" (the session's local
date) in the user's documents folder, never beside the database. A write that fails
(a read-only folder, a full disk) ends in one sentence saying what to do.

Qt-free: the window passes in the documents folder Qt found (or None).
"""

from __future__ import annotations

import enum
import errno
from datetime import tzinfo
from pathlib import Path

from console.core.event_words import parse_utc, resolve_tz

__all__ = ["ExportKind", "default_export_path", "export_file_name", "write_failure"]


class ExportKind(enum.StrEnum):
    """What an export holds: the word in its file name and its suffix."""

    REPORT = "report"  # the PDF report
    SAMPLES = "samples"  # the CSV of every sample

    @property
    def suffix(self) -> str:
        return "pdf" if self is ExportKind.REPORT else "csv"


def _safe(text: str) -> str:
    """A patient code as a file name part: letters, digits, '-' and '_' only."""
    return "".join(c for c in text if c.isalnum() or c in "-_")


def export_file_name(
    patient_code: str | None, started_utc: str | None, tz: str | tzinfo | None, kind: ExportKind
) -> str:
    """ "P-0142_2026-12-02_report.pdf"; parts that are unknown are left out."""
    day = ""
    if started_utc:
        day = parse_utc(started_utc).astimezone(resolve_tz(tz)).date().isoformat()
    parts = [p for p in (_safe(patient_code or ""), day, kind.value) if p]
    return f"{'_'.join(parts)}.{kind.suffix}"


def default_export_path(documents: str | Path | None, home: Path, name: str) -> Path:
    """`name` in the documents folder, or in the home folder when there is none."""
    folder = Path(documents) if documents and Path(documents).is_dir() else home
    return folder / name


def write_failure(path: str | Path, exc: OSError) -> str:
    """One sentence for a write that failed: what happened and what to do."""
    dest = Path(path)
    match exc.errno:
        case errno.ENOSPC | errno.EDQUOT:
            return (
                f"The disk holding {dest.parent} is full, so {dest.name} was not saved; "
                "free some space or choose another drive."
            )
        case errno.EACCES | errno.EPERM | errno.EROFS:
            return (
                f"{dest.parent} cannot be written to, so {dest.name} was not saved; "
                "choose another folder, such as your Documents folder."
            )
        case errno.ENOENT | errno.ENOTDIR:
            return f"The folder {dest.parent} does not exist, so {dest.name} was not saved."
        case _:
            reason = (exc.strerror or str(exc)).rstrip(".").lower()
            return (
                f"{dest.name} could not be saved in {dest.parent} ({reason}); "
                "choose another folder."
            )
