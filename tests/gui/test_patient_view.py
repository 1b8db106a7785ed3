"""The review window's patient view: details, series, sessions, photo timeline, compare."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PIL import Image
from pytestqt.qtbot import QtBot

from console.core.access import Access
from console.core.lots import Product, ProductKind, record_product
from console.core.patients import Fitzpatrick, PatientDetails, add_patient
from console.core.photos import PhotoWhen, import_photo
from console.gui.patient_view import PatientView
from console.store import Store


def test_the_patient_view_shows_series_sessions_and_photos(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    access = Access(store, None)
    today = date.today()
    add_patient(access, "P-5", PatientDetails("Ana", 1984, Fitzpatrick.V), today)
    session = store.create_session("P-5", "Dr Lee", plan_name="Full face — PRP")
    record_product(access, session, "P-5", Product(ProductKind.CARTRIDGE, "C-3"), today)
    for n, when in enumerate(PhotoWhen):
        path = tmp_path / f"{when}.png"
        Image.new("RGB", (40, 30), (100 + n * 50, 90, 80)).save(path, "PNG")
        import_photo(access, session, path, when, "forehead")
    store.finish_session(session)
    view = PatientView(access)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.show_patient("P-5", today)
    assert "P-5" in view.details.text() and "hyperpigmentation" in view.details.text()
    due = today + timedelta(days=42)
    assert f"treatment 1 of 3 done; next due {due}" in view.series.text()
    assert view.sessions.rowCount() == 1
    assert view.sessions.item(0, 3).text() == "cartridge C-3"
    labels = [view.timeline.item(i).text() for i in range(view.timeline.count())]
    assert [label.split(" · ")[1] for label in labels] == ["before", "after"]
    for i in range(2):
        view.timeline.item(i).setSelected(True)
    assert all(not label.pixmap().isNull() for label in view.compare)


def test_a_hostile_name_is_plain_text_without_bidi_controls(qtbot: QtBot, store: Store) -> None:
    access = Access(store, None)
    today = date.today()
    name = "<img src=x><b>Bo</b>\u202eevil\u2069"
    add_patient(access, "P-6", PatientDetails(name, 1990, Fitzpatrick.II), today)
    view = PatientView(access)
    qtbot.addWidget(view)
    view.show_patient("P-6", today)
    shown = view.details.text()
    assert "&lt;img src=x&gt;&lt;b&gt;Bo&lt;/b&gt;evil" in shown and "<img" not in shown
    assert "\u202e" not in shown and "\u2069" not in shown
