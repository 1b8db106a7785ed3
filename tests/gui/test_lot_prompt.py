"""The lot prompt and the single-use gate at the cart: a reused cartridge raises the HIGH
alarm and refuses the motor until a new cartridge or an override; expired is MEDIUM."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from console.core.access import Access, Refused
from console.core.alarms import Condition, Priority
from console.core.live import Drained
from console.core.lots import Finding, Product, ProductKind, SingleUseRefused, record_product
from console.gui.controller import PenController
from console.gui.lot_dialog import LotDialog
from console.store import Store
from drivers.messages import Event, EventCode


def _used_elsewhere(store: Store, lot: str, serial: str) -> None:
    other = store.create_session("P-OTHER", "Dr Lee")
    cartridge = Product(ProductKind.CARTRIDGE, lot, serial)
    record_product(Access(store, None), other, "P-OTHER", cartridge, date.today())
    store.finish_session(other)


def test_a_reused_cartridge_closes_the_gate_until_a_new_one(
    controller: PenController, store: Store
) -> None:
    _used_elsewhere(store, "C-1", "S-1")
    treatment = controller.treatment
    controller.start_session("P-1", "Dr Lee")
    with pytest.raises(SingleUseRefused):
        treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-1", "S-1"))
    alarm = next(a for a in controller.alarms.active() if a.condition is Condition.CARTRIDGE_REUSED)
    assert alarm.priority is Priority.HIGH
    refused = treatment.start_motor()
    assert isinstance(refused.exception(timeout=1), Refused)
    assert "single use" in str(refused.exception())
    treatment.cartridge.inserted()  # the pen reports a new cartridge
    treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-2", "S-1"))  # its lot
    assert treatment.cartridge.refusal is None
    old = Product(ProductKind.ANAESTHETIC, "A-1", expiry=date.today() - timedelta(days=3))
    treatment.record_lot(old)
    assert controller.alarms.is_active(Condition.PRODUCT_EXPIRED)
    controller.end_session()


def test_retyping_a_lot_for_the_refused_cartridge_does_not_reopen_the_gate(
    controller: PenController, store: Store
) -> None:
    _used_elsewhere(store, "C-1", "S-1")
    treatment = controller.treatment
    session = controller.start_session("P-1", "Dr Lee")
    with pytest.raises(SingleUseRefused):
        treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-1", "S-1"))
    controller.alarms.acknowledge_all()
    with pytest.raises(SingleUseRefused, match="no new cartridge"):
        treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-3", "S-1"))  # same cartridge
    assert treatment.cartridge.blocking() is not None
    alarm = next(a for a in controller.alarms.active() if a.condition is Condition.CARTRIDGE_REUSED)
    assert "C-3" in alarm.detail and alarm.acknowledged_utc is None  # raised anew: it sounds
    assert store.products.for_session(session) == []
    assert [e.action for e in store.audit.entries(action="lot.retype_refused")]
    treatment.cartridge.inserted()  # the pen reports a new cartridge: its lot opens the gate
    treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-3", "S-1"))
    assert treatment.cartridge.blocking() is None
    assert [p.lot for p in store.products.for_session(session)] == ["C-3"]
    controller.end_session()


def test_a_supervisor_override_reopens_the_gate_for_a_retyped_lot(
    controller: PenController, store: Store
) -> None:
    _used_elsewhere(store, "C-1", "S-1")
    treatment = controller.treatment
    session = controller.start_session("P-1", "Dr Lee")
    with pytest.raises(SingleUseRefused):
        treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-1", "S-1"))
    treatment.record_lot(Product(ProductKind.CARTRIDGE, "C-1B", "S-1"), "label was misread")
    assert treatment.cartridge.blocking() is None
    assert [p.lot for p in store.products.for_session(session)] == ["C-1B"]
    assert store.audit.entries(action="lot.retype_override")
    controller.end_session()


def test_the_prompt_shows_the_refusal_and_records_an_override(
    qtbot: QtBot, controller: PenController, store: Store
) -> None:
    _used_elsewhere(store, "C-9", "S-3")
    session = controller.start_session("P-1", "Dr Lee")
    dialog = LotDialog(controller.treatment.record_lot)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.code, "C-9:S-3")
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)  # as a scanner ends its code
    assert dialog.alarm.text().startswith("HIGH")
    assert dialog.override.isVisibleTo(dialog) and dialog.result() == 0
    dialog.reason.setText("sealed box; the label was misprinted")
    qtbot.mouseClick(dialog.override_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == 1  # accepted: a demo database lets anyone override
    (row,) = store.products.for_session(session)
    assert (row.lot, row.override_reason) == ("C-9", "sealed box; the label was misprinted")
    controller.end_session()


def test_a_cartridge_inserted_mid_session_asks_for_its_lot(window, store: Store) -> None:
    inserted = Drained(events=[Event(1, 0, EventCode.CARTRIDGE_INSERTED, 12)])
    window.controller.frame.emit(inserted)  # no session: nothing to record the lot to
    assert window.lot_prompter.dialog is None
    window.start_session("P-1", "Dr Lee")
    window.controller.frame.emit(inserted)
    dialog = window.lot_prompter.dialog
    assert dialog is not None and dialog.isVisible()
    window.controller.frame.emit(inserted)  # a second insert: the same prompt
    assert window.lot_prompter.dialog is dialog
    dialog.code.setText("C-40:S-2")
    dialog._on_record()
    assert not dialog.isVisible()
    assert [p.lot for p in store.products.for_session(window.controller.session)] == ["C-40"]
    window.end_session(confirmed=True)


def test_a_cartridge_with_no_lot_keeps_being_asked_for_and_warns(
    qtbot: QtBot, window, stream
) -> None:
    now = [100.0]
    prompter = window.lot_prompter
    prompter._clock = lambda: now[0]
    pen = stream()
    window.start_session("P-2", "Dr Lee")
    pen.set_cartridge((12, 32))
    qtbot.waitUntil(lambda: prompter.dialog is not None and prompter.dialog.isVisible())
    alarm = next(
        a for a in window.controller.alarms.active() if a.condition is Condition.CARTRIDGE_NO_LOT
    )
    assert alarm.priority is Priority.MEDIUM  # the default clinic rule: warn, not block
    first = prompter.dialog
    first.reject()  # put away with no lot
    window.controller.frame.emit(Drained())
    assert not first.isVisible()  # not nagging on every tick
    press = Drained(events=[Event(2, 0, EventCode.BUTTON_SHORT, 0)])
    window.controller.frame.emit(press)  # the pen's run button: asked again at once
    second = prompter.dialog
    assert second is not first and second is not None and second.isVisible()
    second.reject()
    now[0] += 21.0  # and again after a while, until the lot is entered
    window.controller.frame.emit(Drained())
    third = prompter.dialog
    assert third is not second and third is not None and third.isVisible()
    third.code.setText("C-77:S-1")
    third._on_record()
    assert not window.controller.treatment.cartridge.lot_missing
    now[0] += 60.0
    window.controller.frame.emit(Drained())
    assert prompter.dialog is third and not third.isVisible()  # entered: no more asking
    window.end_session(confirmed=True)


def _saving_into(saved: list[Product]) -> Callable[[Product, str | None], list[Finding]]:
    """A `record` for the dialog that keeps what it is handed and finds nothing."""

    def record(product: Product, _reason: str | None) -> list[Finding]:
        saved.append(product)
        return []

    return record


def test_a_gs1_scan_keeps_its_group_separator_and_is_confirmed_before_it_is_saved(
    qtbot: QtBot,
) -> None:
    saved: list[Product] = []
    dialog = LotDialog(_saving_into(saved))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.code, "01095060001343521727123110LOT42")
    qtbot.keyClick(dialog.code, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.code, "21S1")
    assert dialog.code.text() == "01095060001343521727123110LOT42\x1d21S1"
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)  # the scanner's Enter: shown, not saved
    assert saved == [] and dialog.result() == 0
    shown = dialog.parsed.text()
    assert "GTIN 09506000134352" in shown and "Lot LOT42, serial S1" in shown
    assert "2027-12-31" in shown
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)  # one touch
    assert [(p.lot, p.serial, p.gtin) for p in saved] == [("LOT42", "S1", "09506000134352")]
    assert dialog.result() == 1


def test_a_changed_scan_is_shown_again_before_it_is_saved(qtbot: QtBot) -> None:
    saved: list[Product] = []
    dialog = LotDialog(_saving_into(saved))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.code.setText("(01)09506000134352(10)LOT42")
    dialog._on_record()
    assert dialog.pending is not None and saved == []
    dialog.code.setText("(01)09506000134352(10)LOT43")  # edited after it was shown
    assert dialog.pending is None and dialog.parsed.text() == ""
    dialog._on_record()
    dialog._on_record()
    assert [p.lot for p in saved] == ["LOT43"]
