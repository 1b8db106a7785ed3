"""The consent screen and the signature pad, driven as a practitioner and patient would."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from console.core.consent import ConsentForm, SignatureStrokes, load_questionnaire
from console.gui.consent_dialog import ConsentDialog
from widgets.signature_pad import SignaturePad, signature_png


def _sign(qtbot: QtBot, pad: SignaturePad) -> None:
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(40, 80))
    for x in range(50, 400, 25):
        qtbot.mouseMove(pad, QPoint(x, 60 + (x // 25 % 3) * 20))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(400, 80))


def test_the_pad_draws_into_its_model_and_renders_a_png(qtbot: QtBot) -> None:
    model = SignatureStrokes()
    pad = SignaturePad(model)
    qtbot.addWidget(pad)
    pad.resize(500, 160)
    pad.show()
    with qtbot.waitSignal(pad.changed):
        _sign(qtbot, pad)
    assert len(model.strokes) == 1 and len(model.strokes[0]) > 5
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in model.strokes[0])
    image = QImage.fromData(signature_png(model))
    assert (image.width(), image.height()) == (600, 200)
    assert image.pixelColor(0, 0).name() == "#ffffff"
    pad.clear()
    assert model.strokes == []


def test_save_needs_answers_confirmation_and_signature(qtbot: QtBot) -> None:
    form = ConsentForm(load_questionnaire())
    saved: list[bytes] = []
    dialog = ConsentDialog(form, "P-1", saved.append)
    qtbot.addWidget(dialog)
    dialog.resize(1280, 800)
    dialog.show()
    assert not dialog.save_button.isEnabled()
    for row in dialog.rows:
        button = row.yes if row.question.id == "isotretinoin" else row.no
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    flagged = next(r for r in dialog.rows if r.question.id == "isotretinoin")
    assert flagged.confirm.isVisibleTo(dialog)
    _sign(qtbot, dialog.pad)
    assert not dialog.save_button.isEnabled()
    assert "confirm the yes answer" in dialog.status.text()
    flagged.confirm.setChecked(True)
    assert dialog.save_button.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert len(saved) == 1 and saved[0].startswith(b"\x89PNG")
    assert form.confirmed == {"isotretinoin"}
