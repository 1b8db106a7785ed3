"""`pen-console report SESSION --out FILE.pdf [--aftercare] [--clinic NAME] [--force]`.

Without --aftercare: the session report, the same as the review window's export (one code
path: console/core/report_model.py assembles it, console/gui/report.py draws it), then
the aftercare sheet. With
--aftercare: the one-page aftercare sheet alone, for the patient. Needs EXPORT; both
the export and the sheet given are audited. The file is written whole or not at all,
mode 0600, never over an existing file without --force. Runs without a display.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from console.commands._common import (
    DAMAGE,
    CommandError,
    add_db_option,
    add_user_option,
    damaged,
    sign_in,
    store_for,
)
from console.core.accounts import Action
from console.core.aftercare import aftercare_given, aftercare_sheet
from console.core.records import exported
from console.core.safe_files import UnsafeDestination, check_destination, private_output
from console.store import StoreError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="the session report or aftercare sheet as PDF (sign-in)")
    p.add_argument("session", metavar="SESSION", help="uuid, or a unique prefix of it")
    p.add_argument("--out", metavar="FILE.pdf", required=True, type=Path)
    p.add_argument("--aftercare", action="store_true", help="only the patient's aftercare sheet")
    p.add_argument("--clinic", metavar="NAME", help="the clinic's name on the report and sheet")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_db_option(p)
    add_user_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a PDF needs no screen
    from PySide6.QtWidgets import QApplication

    from console.core.review import SessionReview
    from console.gui.aftercare_page import draw_aftercare, write_aftercare
    from console.gui.pdf_page import Page
    from console.gui.report import write_session_report

    _app = QApplication.instance() or QApplication([])  # kept until the PDF is out
    with store_for(args) as store:
        access = sign_in(args, store, Action.EXPORT, f"session:{args.session}")
        try:
            session = store.resolve_session(args.session)
            check_destination(args.out, db=store.path, force=args.force)
            sheet = aftercare_sheet(store, session, args.clinic)
            if not args.aftercare:
                exported(access, session, "pdf", str(args.out))
            aftercare_given(access, session, str(args.out))
            with tempfile.TemporaryDirectory() as tmp:
                drawn = Path(tmp) / "report.pdf"
                if args.aftercare:
                    write_aftercare(sheet, drawn)
                else:

                    def more(page: Page) -> None:
                        page.new_page()
                        draw_aftercare(page, sheet)

                    write_session_report(
                        SessionReview(store, session), drawn, args.clinic, extra=more
                    )
                with private_output(args.out, db=store.path, force=args.force, binary=True) as out:
                    out.write(drawn.read_bytes())
        except (StoreError, UnsafeDestination) as exc:
            raise CommandError(str(exc)) from exc
        except DAMAGE as exc:
            raise damaged(exc) from exc
    print(f"report: wrote {args.out}")
    return 0
