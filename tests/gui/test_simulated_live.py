"""H-35 on the live screen: a session recorded from the virtual pen is marked in the
database even when it started before the pen connected (as `--simulate --patient` does),
and the screen says SIMULATED PEN while it records. The REC indicator does not repeat it:
at 1280 px a longer REC text squeezes the pen's serial out of the connection bar."""

from __future__ import annotations

from console.store import Store


def test_a_session_started_before_the_virtual_pen_connects_is_marked(
    qtbot, window, stream, store: Store
) -> None:
    window.start_session("P-0042", "Dr Lee")
    session = window.controller.session
    assert session is not None and store.session(session)["simulated"] == 0  # no pen yet
    stream()  # the virtual pen
    window.refresh_panels()
    assert store.session(session)["simulated"] == 1
    assert "SIMULATED PEN" in window.windowTitle()
    assert "SIMULATED" in window.connection.state_label.text()
