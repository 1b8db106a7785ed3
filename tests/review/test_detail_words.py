"""Export names and failures, signature badges and refusals, in words (Qt-free)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from console.core.export_names import (
    ExportKind,
    default_export_path,
    export_file_name,
    write_failure,
)
from console.core.roles import Role, User
from console.core.signature_words import badge_words, sign_refusal, signed_time
from console.store.signatures import Signature


def test_export_name_is_patient_local_date_and_kind() -> None:
    # 23:30 UTC on 1 Dec is already 2 Dec in Berlin: the clinic's date, not UTC's
    late = "2026-12-01T23:30:00.000+00:00"
    assert export_file_name("P-0142", late, "Europe/Berlin", ExportKind.REPORT) == (
        "P-0142_2026-12-02_report.pdf"
    )
    assert export_file_name("P-0142", late, "UTC", ExportKind.SAMPLES) == (
        "P-0142_2026-12-01_samples.csv"
    )
    assert export_file_name("../P 1/x", late, "UTC", ExportKind.REPORT) == (
        "P1x_2026-12-01_report.pdf"  # a code never makes a path
    )
    assert export_file_name(None, None, None, ExportKind.REPORT) == "report.pdf"


def test_default_folder_is_documents_else_home(tmp_path: Path) -> None:
    docs = tmp_path / "Documents"
    docs.mkdir()
    home = tmp_path / "home"
    assert default_export_path(str(docs), home, "a.pdf") == docs / "a.pdf"
    assert default_export_path(None, home, "a.pdf") == home / "a.pdf"
    assert default_export_path(str(tmp_path / "gone"), home, "a.pdf") == home / "a.pdf"


@pytest.mark.parametrize(
    ("code", "start"),
    [
        (errno.ENOSPC, "The disk holding /mnt/usb is full, so r.pdf was not saved"),
        (errno.EROFS, "/mnt/usb cannot be written to, so r.pdf was not saved"),
        (errno.EACCES, "/mnt/usb cannot be written to, so r.pdf was not saved"),
        (errno.ENOENT, "The folder /mnt/usb does not exist"),
        (errno.EIO, "r.pdf could not be saved in /mnt/usb (input/output error)"),
    ],
)
def test_write_failures_are_one_sentence(code: int, start: str) -> None:
    text = write_failure("/mnt/usb/r.pdf", OSError(code, os.strerror(code)))
    assert text.startswith(start), text
    assert text.count(".") <= 3 and text.endswith(".") and "Errno" not in text


def test_badge_names_signer_local_time_and_meaning() -> None:
    s = Signature("dr.lee", "2026-12-02T13:03:59.000+00:00", "approved", "ab" * 32)
    assert badge_words(s, "Europe/Berlin") == "✔ Approved by dr.lee, 2 Dec 2026 14:03"
    assert signed_time(s.signed_utc, "UTC") == "2 Dec 2026 13:03"


def test_refusal_names_the_role_that_may_sign() -> None:
    kim = User(2, "nurse.kim", Role.PRACTITIONER, True)
    assert sign_refusal(kim) == (
        "Only a supervisor can sign sessions; you are signed in as nurse.kim, practitioner."
    )
    assert sign_refusal(kim, you=False) == (
        "Only a supervisor can sign sessions; nurse.kim is a practitioner."
    )
    admin = User(1, "it", Role.ADMIN, True)
    assert sign_refusal(admin, you=False) == (
        "Only a supervisor can sign sessions; it is an admin."
    )
    assert sign_refusal(None) == "Only a supervisor can sign sessions; nobody is signed in."
    lee = User(3, "dr.lee", Role.SUPERVISOR, True)
    assert sign_refusal(lee) is None
    assert sign_refusal(User(3, "dr.lee", Role.SUPERVISOR, False)) == (
        "Only a supervisor can sign sessions; the account dr.lee is disabled."
    )
