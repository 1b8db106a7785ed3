"""What this console is: its version and the pen protocol versions it speaks.

Qt-free and cheap to import: `pen-console --version` and the offline installer use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from drivers.messages import PROTOCOL_MAJOR, PROTOCOL_MINOR

DIST_NAME = "pen-console"


def console_version() -> str:
    """The installed distribution's version (pyproject.toml), or 'unknown' in a bare tree."""
    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True, slots=True)
class ProtocolSupport:
    """The console speaks major.minor; a pen is operated when its major is the same
    (minor versions only add payload bytes a receiver ignores, pen-protocol.md)."""

    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor} (pens speaking {self.major}.x are accepted)"


def protocol_support() -> ProtocolSupport:
    return ProtocolSupport(PROTOCOL_MAJOR, PROTOCOL_MINOR)


def version_text() -> str:
    return f"pen-console {console_version()}\npen protocol {protocol_support()}"
