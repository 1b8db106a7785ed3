"""The consent and contraindication screen: questions, flagged answers, the signature.

Assembles a `ConsentForm` (console/core/consent.py) and the signature pad; holds no
rule. Each question has large No / Yes buttons (gloved hands). A yes answer turns the
row amber and shows a confirmation the practitioner must tick before going on. "Save
consent" is enabled once the form says it is complete; it renders the signature to PNG
and hands it to `save` (the caller's core call: save_consent with its Access).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.consent import ConsentForm, Question
from widgets.signature_pad import SignaturePad, signature_png

ANSWERED_STYLE = "QPushButton:checked { background: #1565c0; color: white; font-weight: bold; }"
# Amber wash and border, readable in the dark and the light theme alike; the row's label
# and tick box stay transparent on it.
FLAGGED_STYLE = (
    "background: rgba(249, 168, 37, 0.22); border: 2px solid #f9a825; border-radius: 6px;"
)
FLAGGED_CHILDREN = "QLabel, QCheckBox { background: transparent; border: none; }"


class _QuestionRow(QFrame):
    def __init__(self, question: Question, form: ConsentForm, changed: Callable[[], None]) -> None:
        super().__init__()
        self.question = question
        self.form = form
        self._changed = changed
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        text = QLabel(question.text)
        text.setWordWrap(True)
        text.setStyleSheet("font-size: 15px;")
        grid.addWidget(text, 0, 0)
        self.no = QPushButton("No")
        self.yes = QPushButton("Yes")
        group = QButtonGroup(self)
        for button in (self.no, self.yes):
            button.setCheckable(True)
            button.setMinimumSize(88, 44)
            group.addButton(button)
        grid.addWidget(self.no, 0, 1)
        grid.addWidget(self.yes, 0, 2)
        self.confirm = QCheckBox(
            "Flagged: I have discussed this answer and go on with the treatment"
        )
        self.confirm.setVisible(False)
        self.confirm.setMinimumHeight(36)
        grid.addWidget(self.confirm, 1, 0, 1, 3)
        grid.setColumnStretch(0, 1)
        answer = form.answers[question.id]  # a form handed back shows its answers
        if answer is not None:
            (self.yes if answer else self.no).setChecked(True)
            self._show_flag(answer)
            self.confirm.setChecked(question.id in form.confirmed)
        self.no.clicked.connect(lambda: self._on_answer(False))
        self.yes.clicked.connect(lambda: self._on_answer(True))
        self.confirm.toggled.connect(self._on_confirm)

    def _show_flag(self, yes: bool) -> None:
        self.confirm.setVisible(yes)
        self.setStyleSheet(f"_QuestionRow {{{FLAGGED_STYLE}}} {FLAGGED_CHILDREN}" if yes else "")

    def _on_answer(self, yes: bool) -> None:
        self.form.answer(self.question.id, yes)
        self.confirm.setChecked(False)
        self._show_flag(yes)
        self._changed()

    def _on_confirm(self, checked: bool) -> None:
        if checked:
            self.form.confirm(self.question.id)
        else:
            self.form.confirmed.discard(self.question.id)
        self._changed()


class ConsentDialog(QDialog):
    def __init__(
        self,
        form: ConsentForm,
        patient_code: str,
        save: Callable[[bytes], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = form
        self._save = save
        self.setWindowTitle(f"{form.questionnaire.title} — patient {patient_code}")
        self.setStyleSheet(ANSWERED_STYLE)
        layout = QVBoxLayout(self)
        title = QLabel(f"{form.questionnaire.title} · patient {patient_code}")
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        layout.addWidget(title)
        self.rows = [_QuestionRow(q, form, self._refresh) for q in form.questionnaire.questions]
        for row in self.rows:
            layout.addWidget(row)
        statement = QLabel(form.questionnaire.statement)
        statement.setWordWrap(True)
        layout.addWidget(statement)
        self.pad = SignaturePad(form.signature)
        self.pad.changed.connect(self._refresh)
        layout.addWidget(self.pad, 1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(40)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        clear = QPushButton("Clear signature")
        cancel = QPushButton("Cancel")
        self.save_button = QPushButton("Save consent")
        for b in (clear, cancel, self.save_button):
            b.setMinimumSize(160, 48)
        buttons.addWidget(clear)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        clear.clicked.connect(self.pad.clear)
        cancel.clicked.connect(self.reject)
        self.save_button.clicked.connect(self._on_save)
        self._refresh()

    def _refresh(self) -> None:
        missing = self.form.missing()
        self.save_button.setEnabled(not missing)
        self.status.setText(
            "Still needed: " + "; ".join(missing) if missing else "Complete: ready to save."
        )

    def _on_save(self) -> None:
        try:
            self._save(signature_png(self.form.signature))
        except (ValueError, PermissionError) as exc:  # ConsentError, StepError: one sentence
            self.status.setText(str(exc))
            return
        self.accept()
