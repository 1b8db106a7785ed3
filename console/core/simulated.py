"""H-35: a session recorded from the virtual pen is not a treatment, and says so.

The recorder marks it in the database (`sessions.simulated`, console/store/schema.py);
every place that shows a session uses these words for it: the sessions list (CLI and
review window), the review header, the report and the export. The live screen says
SIMULATED PEN in its title and connection bar (console/gui/main_window.py).
Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping

TAG = "SIMULATED"
WORDS = "SIMULATED: recorded from the virtual pen, not a treatment"


def is_simulated(session: Mapping[str, object]) -> bool:
    """A session row (SessionRecord or review meta) recorded from the virtual pen."""
    return bool(session.get("simulated"))


def tagged(text: str, session: Mapping[str, object]) -> str:
    """`text`, followed by the tag when the session is simulated."""
    return f"{text} · {TAG}" if is_simulated(session) else text
