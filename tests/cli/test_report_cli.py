"""`report SESSION --out FILE.pdf`: the session report (the review window's, with the
patient's record) and the aftercare sheet; `--aftercare` alone. Checked by reading the
PDF's text back (pypdf)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from unicodedata import normalize

from cli_support import NURSE, Cli, audit, lines
from PIL import Image
from pypdf import PdfReader

from console.core.access import Access
from console.core.consent import ConsentForm, load_questionnaire, save_consent
from console.core.lots import Product, ProductKind, record_product
from console.core.photos import PhotoWhen, import_photo
from console.store import Store


def _text(path: Path) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    # the extractor spaces words with tabs; NFKC undoes the "fl" ligature
    return normalize("NFKC", " ".join(text.split()))


def _full_record(db: Path, tmp_path: Path) -> str:
    store = Store(db)
    try:
        access = Access(store, None)  # a demo database: unattributed
        session = store.sessions()[0]["uuid"]
        record_product(access, session, "P-DEMO", Product(ProductKind.CARTRIDGE, "C-77", "S1"),
                       date.today())  # fmt: skip
        form = ConsentForm(load_questionnaire())
        for q in form.answers:
            form.answer(q, False)
        form.signature.begin((0.1, 0.5))
        for i in range(8):
            form.signature.extend((0.1 + i * 0.1, 0.4))
        save_consent(access, session, form, b"")
        photo = tmp_path / "before.jpg"
        Image.new("RGB", (60, 40), (180, 120, 100)).save(photo, "JPEG")
        import_photo(access, session, photo, PhotoWhen.BEFORE, "forehead")
        return session
    finally:
        store.close()


def test_report_has_every_section(cli: Cli, demo_db: Path, tmp_path: Path) -> None:
    session = _full_record(demo_db, tmp_path)
    out = tmp_path / "report.pdf"
    ran = cli("report", session[:8], "--out", out, "--clinic", "Clinica Sol", "--db", demo_db)
    assert ran.code == 0, ran.err
    text = _text(out)
    for words in ("Microneedling session report", "Zones: depth and passes", "Consent and",
                  "Products and lots", "C-77", "Photos", "Clinica Sol",
                  "After your microneedling treatment", "Redness", "treatment 1 of 3",
                  "Taking anticoagulants"):  # fmt: skip
        assert words in text, words
    again = cli("report", session[:8], "--out", out, "--db", demo_db)
    assert again.code == 2 and "already exists" in again.one_sentence()


def test_aftercare_sheet_alone_with_the_next_due_date(cli: Cli, db: Path, tmp_path: Path) -> None:
    store = Store(db)
    try:
        meta = store.sessions()[0]
    finally:
        store.close()
    out = tmp_path / "aftercare.pdf"
    ran = cli("report", meta["uuid"], "--aftercare", "--out", out, "--db", db,
              "--user", NURSE[0], stdin=lines(NURSE[1]))  # fmt: skip
    assert ran.code == 0, ran.err
    assert len(PdfReader(out).pages) == 1
    text = _text(out)
    treated = date.fromisoformat(meta["started_utc"][:10])
    due_from = treated + timedelta(days=42)
    assert f"{due_from:%d %B %Y}" in text
    assert "Your clinic" in text and "social downtime" in text
    assert (NURSE[0], "export", f"session:{meta['uuid']}") in audit(db)


def test_bad_input_is_one_sentence_with_exit_2(cli: Cli, demo_db: Path, tmp_path: Path) -> None:
    unknown = cli("report", "ffffffff", "--out", tmp_path / "r.pdf", "--db", demo_db)
    assert unknown.code == 2 and "ffffffff" in unknown.one_sentence()
    store = Store(demo_db)
    try:
        session = store.sessions()[0]["uuid"]
    finally:
        store.close()
    nowhere = tmp_path / "no-such-folder" / "r.pdf"
    unwritable = cli("report", session, "--out", nowhere, "--db", demo_db)
    assert unwritable.code == 2 and "no-such-folder" in unwritable.one_sentence()
    assert not nowhere.exists() and not (tmp_path / "r.pdf").exists()


def test_report_needs_a_signed_in_user_who_may_export(cli: Cli, db: Path, tmp_path: Path) -> None:
    store = Store(db)
    try:
        session = store.sessions()[0]["uuid"]
    finally:
        store.close()
    out = tmp_path / "r.pdf"
    anonymous = cli("report", session, "--out", out, "--db", db, stdin=lines())
    assert anonymous.code == 4 and anonymous.one_sentence()
    assert not out.exists()
