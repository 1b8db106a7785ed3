"""H-35 on the live screen: a session recorded from the virtual pen says SIMULATED beside
REC, and is marked in the database even when it started before the pen connected (as
`--simulate --patient` does)."""

from __future__ import annotations

from console.store import Store


def test_a_session_started_before_the_virtual_pen_connects_is_marked(
    qtbot, window, stream, store: Store
) -> None:
    window.start_session("P-0042", "Dr Lee")
    session = window.controller.session
    assert session is not None and store.session(session)["simulated"] == 0  # no pen yet
    window.refresh_panels()
    assert "SIMULATED" not in window.rec.text()
    stream()  # the virtual pen
    window.refresh_panels()
    assert window.rec.text().startswith("● REC  P-0042  SIMULATED")
    assert store.session(session)["simulated"] == 1
