"""Screenshots of the patient's record at a cart's 1280×800: the consent screen with a
signature, the lot prompt refusing a reused cartridge, the patient view, and the
aftercare page that `report` ends with (rendered with pdftoppm when installed; the
report's own pages are scripts/shoot_report.py's).

    xvfb-run -a -s "-screen 0 1280x800x24" \\
        .venv/bin/python scripts/shoot_patient_record.py docs/screenshots
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image
from PySide6.QtWidgets import QApplication

from console.commands.cli import main as cli
from console.core.access import Access
from console.core.consent import ConsentForm, load_questionnaire, save_consent
from console.core.lots import Product, ProductKind, record_product
from console.core.patients import Fitzpatrick, PatientDetails, add_patient
from console.core.photos import PhotoWhen, import_photo
from console.core.treatment import Treatment
from console.gui.consent_dialog import ConsentDialog
from console.gui.lot_dialog import LotDialog
from console.gui.patient_view import PatientView
from console.store import Store
from widgets.signature_pad import signature_png

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
tmp = Path(tempfile.mkdtemp())
app = QApplication(sys.argv[:1])
db = tmp / "s.db"
store = Store(db, key_dir=tmp / "keys")
access = Access(store, None)


def grab(widget: QApplication | object, name: str) -> None:
    widget.resize(1280, 800)  # type: ignore[attr-defined]
    widget.show()  # type: ignore[attr-defined]
    for _ in range(20):
        app.processEvents()
    widget.grab().save(str(out / name))  # type: ignore[attr-defined]
    print(out / name)


# the consent screen: one flagged answer confirmed, and a signature
form = ConsentForm(load_questionnaire())
for q in form.answers:
    form.answer(q, q == "anticoagulants")
form.confirm("anticoagulants")
form.signature.begin((0.08, 0.6))
for i in range(60):
    t = i / 59
    form.signature.extend((0.08 + 0.5 * t, 0.55 - 0.25 * math.sin(t * 12) * (1 - t)))
form.signature.begin((0.62, 0.35))
form.signature.extend((0.7, 0.65))
form.signature.extend((0.78, 0.4))
session = store.create_session("P-0142", "Dr Lee", plan_name="Full face — PRP")
dialog = ConsentDialog(form, "P-0142", lambda png: save_consent(access, session, form, png))
grab(dialog, "consent.png")
save_consent(access, session, form, signature_png(form.signature))
dialog.close()

# the lot prompt refusing a cartridge used on another patient
other = store.create_session("P-0099", "Dr Lee")
record_product(access, other, "P-0099", Product(ProductKind.CARTRIDGE, "C24-118", "0042"),
               date.today())  # fmt: skip
store.finish_session(other)
treatment = Treatment(store, watch=False)
treatment.session = session
prompt = LotDialog(lambda p, r: treatment.cartridge.record(access, session, "P-0142", p,
                                                           date.today(), r))  # fmt: skip
prompt.code.setText("]d201095060001343521727123110C24-118\x1d210042")
prompt._on_record()
grab(prompt, "lot-prompt.png")
prompt.close()
record_product(access, session, "P-0142", Product(ProductKind.CARTRIDGE, "C24-120", "0007"),
               date.today())  # fmt: skip
record_product(access, session, "P-0142", Product(ProductKind.PRP_KIT, "PRP-5521"), date.today())
for n, when in enumerate((PhotoWhen.BEFORE, PhotoWhen.AFTER)):
    photo = tmp / f"{when}.jpg"
    Image.new("RGB", (320, 240), (210 - n * 20, 160 - n * 30, 140 - n * 30)).save(photo, "JPEG")
    import_photo(access, session, photo, when, "cheek_left")
store.finish_session(session)

# the patient view: an earlier treatment seven weeks before, and today's
earlier = store.create_session("P-0142", "Dr Lee", plan_name="Full face — PRP")
started = datetime.now(UTC) - timedelta(days=49)
store.update_session(earlier, started_utc=started.isoformat(timespec="milliseconds"))
first = tmp / "first.jpg"
Image.new("RGB", (320, 240), (225, 150, 140)).save(first, "JPEG")
import_photo(access, earlier, first, PhotoWhen.BEFORE, "cheek_left")
store.finish_session(earlier)
add_patient(access, "P-0142", PatientDetails("Ana Ruiz", 1986, Fitzpatrick.IV), date.today())
view = PatientView(access)
view.show_patient("P-0142", date.today())
view.timeline.item(0).setSelected(True)
view.timeline.item(view.timeline.count() - 1).setSelected(True)
grab(view, "patient-view.png")
store.close()

# the report's pages
pdf = tmp / "report.pdf"
code = cli(["report", session, "--out", str(pdf), "--clinic", "Clínica Sol", "--db", str(db)])
assert code == 0, code
if shutil.which("pdftoppm"):
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    count = int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages")))
    for n, name in ((count, "report-aftercare"),):  # the report itself: shoot_report.py
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(n), "-l", str(n),
                        "-singlefile", str(pdf), str(out / name)], check=True)  # fmt: skip
        print(out / f"{name}.png")
