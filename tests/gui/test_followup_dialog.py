"""The review window's follow-ups: the panel lists them and adds one through the core;
a refusal is one sentence in a message box; the dialog hands back kind and text."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from console.core.access import Access
from console.core.accounts import Accounts, Role
from console.core.followups import FollowUpKind, follow_ups
from console.gui.followup_dialog import FollowUpDialog, FollowUpPanel
from console.store import Store


def test_the_panel_lists_and_adds_follow_ups(
    qtbot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = Accounts(store)
    admin = accounts.add("it", Role.ADMIN, "admin pass phrase")
    nurse = accounts.add(
        "nurse.kim", Role.PRACTITIONER, "correct horse", access=Access(store, admin)
    )
    session = store.create_session("P-1", "nurse.kim")
    store.finish_session(session)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))

    panel = FollowUpPanel(Access(store, nurse))
    qtbot.addWidget(panel)
    assert not panel.add_button.isEnabled()
    panel.show_session(session)
    assert panel.list.item(0).text().startswith("No follow-ups yet")
    with qtbot.waitSignal(panel.added):
        assert panel.add(FollowUpKind.COMPLICATION, "bruising at the jaw line")
    assert panel.list.count() == 1
    assert "complication · nurse.kim: bruising at the jaw line" in panel.list.item(0).text()
    assert not panel.add(FollowUpKind.OUTCOME, "  ")
    assert warned == ["a follow-up needs text; say what was seen or reported"]

    refused = FollowUpPanel(Access(store, admin))  # an administrator may not
    qtbot.addWidget(refused)
    refused.show_session(session)
    assert not refused.add(FollowUpKind.NOTE, "called the patient")
    assert "may not add a follow-up note" in warned[-1]
    assert [f.text for f in follow_ups(store, session)] == ["bruising at the jaw line"]

    viewing = FollowUpPanel(Access(store, nurse))  # a bundle opened without importing
    qtbot.addWidget(viewing)
    viewing.read_only = True
    viewing.show_session(session)
    assert not viewing.add_button.isEnabled()
    assert not viewing.add(FollowUpKind.NOTE, "not here") and viewing.list.count() == 1

    dialog = FollowUpDialog(session, panel)
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(list(FollowUpKind).index(FollowUpKind.OUTCOME))
    dialog.text.setPlainText("pores smaller")
    assert dialog.chosen() == (FollowUpKind.OUTCOME, "pores smaller")
