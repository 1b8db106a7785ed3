"""Words on the live screen that describe a moment, cleared once the moment is over.

"Depth clamped to the forehead ceiling" is about the zone it was said in: on a change of
zone or of session (a new patient, or the idle screen after End) it would describe a
place the pen is no longer in, so it goes from the pen controls' answer line and from the
status line (practitioner review 10). Checked on the window's 10 Hz refresh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.gui.main_window import MainWindow


class StaleText:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self._moment = self._now()
        # The note is about the zone of the press that said it, even one chosen since the
        # last refresh: the moment is taken when it is said.
        window.controller.depth_note.connect(self._on_note)

    def _on_note(self, _text: str) -> None:
        self._moment = self._now()

    def _now(self) -> tuple[str | None, str | None]:
        c = self.window.controller
        return c.zones.tracker.active, c.session

    def refresh(self) -> None:
        moment = self._now()
        if moment == self._moment:
            return
        self._moment = moment
        note = self.window.controls.clear_depth_note()
        if note and self.window.notice.text() == note:
            self.window.notice.setText("")
