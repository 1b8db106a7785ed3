"""For the screenshot scripts: a fresh database with one headless session recorded on
the virtual pen (`record --plan ... --done all`), exactly as a bench run would make it."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path


def recorded_db(practitioner: str, patient: str, plan: str = "Full face — PRP") -> Path:
    db = Path(tempfile.mkdtemp()) / "review.db"
    subprocess.run([sys.executable, "-m", "console", "db", "init", "--db", str(db)], check=True)
    subprocess.run(
        [sys.executable, "-m", "console", "record", "--port", "virtual://treatment?telemetry_hz=500",
         "--seconds", "4", "--db", str(db), "--practitioner", practitioner, "--patient", patient,
         "--plan", plan, "--done", "all"],
        check=True, capture_output=True,
    )  # fmt: skip
    return db
