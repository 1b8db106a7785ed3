"""Names and notes as a window or a report shows them (Qt-free).

A patient's name or note is typed by people and may arrive in an imported bundle, so it
is text, never markup, and it must not reorder what is shown around it: bidirectional
embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) are removed
wherever a name or note is shown. Very long names are elided so a header stays one line.
"""

from __future__ import annotations

_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
NAME_LIMIT = 80  # characters shown in a report header before "…"


def shown_text(text: str | None) -> str:
    """`text` without bidirectional controls ("" for None)."""
    return (text or "").translate(_BIDI_CONTROLS)


def shown_name(text: str | None, limit: int = NAME_LIMIT) -> str:
    """A name for a header: bidi controls removed, cut to `limit` characters plus "…"."""
    clean = shown_text(text)
    return clean if len(clean) <= limit else clean[:limit] + "…"
