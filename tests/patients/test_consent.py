"""Consent: the questionnaire in resources/, flagged answers, confirmations, the signature."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from patient_support import SessionAt

from console.core.access import Access
from console.core.consent import (
    ConsentError,
    ConsentForm,
    load_questionnaire,
    save_consent,
)
from console.store import Store

AT = datetime(2026, 3, 2, 12, tzinfo=UTC)
DEFAULT_IDS = [
    "active_infection", "isotretinoin", "keloid", "anticoagulants", "pregnancy", "radiotherapy",
]  # fmt: skip


def signed(form: ConsentForm) -> ConsentForm:
    form.signature.begin((0.1, 0.5))
    for i in range(10):
        form.signature.extend((0.1 + i * 0.05, 0.5 - (i % 3) * 0.05))
    return form


def test_the_default_questionnaire_has_the_six_screens() -> None:
    q = load_questionnaire()
    assert [x.id for x in q.questions] == DEFAULT_IDS
    assert q.label == "consent-contraindications v1"


def test_a_bad_questionnaire_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "q.json"
    twice = [{"id": "a", "text": "A?"}, {"id": "a", "text": "B?"}]
    form = {"id": "x", "version": 1, "title": "t", "statement": "s", "questions": twice}
    path.write_text(json.dumps(form))
    with pytest.raises(ConsentError, match="distinct ids"):
        load_questionnaire(path)


def test_a_yes_answer_is_flagged_and_must_be_confirmed() -> None:
    form = ConsentForm(load_questionnaire())
    for q in DEFAULT_IDS:
        form.answer(q, q == "anticoagulants")
    assert form.flagged == ["anticoagulants"]
    signed(form)
    assert form.missing() == ["confirm the yes answer: Taking anticoagulants (blood thinners)?"]
    with pytest.raises(ConsentError):
        form.confirm("keloid")  # a no answer has nothing to confirm
    form.confirm("anticoagulants")
    assert form.complete
    form.answer("anticoagulants", False)  # changed to no: the confirmation goes
    form.answer("anticoagulants", True)
    assert not form.complete


def test_the_answers_and_signature_are_saved_with_the_session(
    store: Store, clinic: dict[str, Access], session_at: SessionAt
) -> None:
    session = session_at("P-1", AT)
    form = ConsentForm(load_questionnaire())
    for q in DEFAULT_IDS:
        form.answer(q, q == "pregnancy")
    with pytest.raises(ConsentError, match="signature"):
        save_consent(clinic["nurse"], session, form, b"png")
    signed(form).confirm("pregnancy")
    save_consent(clinic["nurse"], session, form, b"\x89PNG fake")
    (row,) = store.media.consents(session)
    answers = json.loads(row.answers)
    assert answers["pregnancy"] == {"answer": True, "flagged": True, "confirmed": True}
    assert answers["keloid"]["answer"] is False
    assert (row.confirmed_by, row.signature_png) == ("nurse.kim", b"\x89PNG fake")
    actions = [r[0] for r in store.conn.execute("SELECT action FROM audit_log")]
    assert "consent.signed" in actions
