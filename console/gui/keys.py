"""The live screen's keyboard shortcuts in one table, and the list shown on screen.

The pen controls (F1–F5, F8) and the zone panel (F6, F7) own their keys; the window's own
keys are here. `shortcut_list()` is what Help → Keyboard shortcuts (or ?) shows.
"""

from __future__ import annotations

from widgets.pen_controls import SHORTCUTS as PEN_KEYS

WINDOW_KEYS = {
    "acknowledge": "F9",
    "pause_audio": "F10",
    "full_screen": "F11",
    "next_zone": "F12",
    "start_session": "Ctrl+R",
    "end_session": "Ctrl+E",
    "lock": "Ctrl+L",
    "sign_out": "Ctrl+Shift+L",
    "pause_view": "P",
    "help": "?",
}

_PEN_WORDS = {
    "depth_down": "Depth one step down",
    "depth_up": "Depth one step up",
    "rate_down": "Rate down",
    "rate_up": "Rate up",
    "motor": "Start or stop the pen",
    "clear_fault": "Clear a pen fault",
}
_ZONE_KEYS = [("F6", "Pass done in the active zone"), ("F7", "Undo the last pass")]
_WINDOW_WORDS = {
    "acknowledge": "Acknowledge alarms (also on the locked screen)",
    "pause_audio": "Pause a sounding alarm's audio for 2 minutes (also on the locked screen)",
    "full_screen": "Full screen on or off",
    "next_zone": "Next zone of the plan",
    "start_session": "Start the session (patient and practitioner filled in)",
    "end_session": "End the session (asks first)",
    "lock": "Lock the screen",
    "sign_out": "Sign out / switch user (not while a session records)",
    "pause_view": "Pause or resume the plots",
    "help": "This list",
}


def shortcut_list() -> list[tuple[str, str]]:
    """(key, what it does) for every shortcut of the live screen."""
    rows = [(PEN_KEYS[k], what) for k, what in _PEN_WORDS.items() if k in PEN_KEYS]
    rows += _ZONE_KEYS
    rows += [(WINDOW_KEYS[k], what) for k, what in _WINDOW_WORDS.items()]
    return rows
