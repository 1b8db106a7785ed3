"""docs/screenshots/report-page.png: the session report's pages side by side, every
section in view, written by `pen-console report` (the same code as the review window's
export) for the report tests' session (tests/review/report_session.py) and rendered with
pdftoppm. The aftercare page that `report` appends is left out (report-aftercare.png).

    .venv/bin/python scripts/shoot_report.py docs/screenshots
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "review"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
tmp = Path(tempfile.mkdtemp())
os.environ["PEN_CONSOLE_KEY_DIR"] = str(tmp / "keys")  # never the real installation's keys

from report_session import make_report_session  # noqa: E402 - after the environment

from console.commands.cli import main as cli  # noqa: E402

db = tmp / "report.db"
session = make_report_session(db, tmp)
pdf = tmp / "report.pdf"
code = cli(["report", session, "--out", str(pdf), "--clinic", "Clínica Sol", "--db", str(db)])
assert code == 0, code
subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(tmp / "page")], check=True)
pages = [Image.open(p) for p in sorted(tmp.glob("page-*.png"))[:-1]]  # not the aftercare
gap = 16
sheet = Image.new(
    "RGB",
    (sum(p.width for p in pages) + gap * (len(pages) + 1), max(p.height for p in pages) + 2 * gap),
    (120, 128, 136),
)
x = gap
for page in pages:
    sheet.paste(page, (x, gap))
    x += page.width + gap
sheet.save(out / "report-page.png", optimize=True)
print(out / "report-page.png", f"{len(pages)} pages")
