"""The inputs of the offline bundle, and the hash of them recorded when its test last passed.

The bundle test builds and installs a ~100 MB bundle (about a minute), so it does not run
on every default `pytest`. It must run whenever what it proves may have changed: the
dependencies (pyproject.toml) or the bundle's own scripts. So their SHA-256 is committed
in tests/offline/bundle_inputs.sha256 by scripts/offline/record_bundle_check.sh, which
writes it only after the test passed. A default run compares: a mismatch makes it run the
full bundle test, and a second test fails until the new hash is recorded.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ("pyproject.toml", "scripts/bundle.sh", "scripts/offline/install.sh.in")
RECORD = Path(__file__).with_name("bundle_inputs.sha256")


def current_hash() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update(name.encode() + b"\0")
        digest.update((ROOT / name).read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def recorded_hash() -> str | None:
    try:
        return RECORD.read_text().split()[0]
    except (OSError, IndexError):
        return None


def changed_since_recorded() -> bool:
    return recorded_hash() != current_hash()


def record() -> str:
    """Write the current hash (call only after the bundle test passed); the line written."""
    line = (
        f"{current_hash()}  {' '.join(INPUTS)}  # bundle test passed "
        f"{datetime.now(UTC).isoformat(timespec='seconds')} on Python "
        f"{platform.python_version()} {sys.platform}"
    )
    RECORD.write_text(line + "\n")
    return line
