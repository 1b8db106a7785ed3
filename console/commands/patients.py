"""`pen-console patients add|list|show`: the patient register (needs sign-in).

`add CODE [--name --birth-year --skin-type --notes]` adds a patient or changes the
details given; `list` prints one line (or JSON object) per patient; `show CODE --json`
prints the patient view: details, sessions, series status and the next due date.
"""

from __future__ import annotations

import argparse
import json
from datetime import date

from console.commands._common import (
    CommandError,
    add_signed_options,
    shown,
    signed_in,
)
from console.core.accounts import Action
from console.core.patients import (
    Fitzpatrick,
    PatientDetails,
    PatientError,
    add_patient,
    list_patients,
    patient_overview,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("patients", help="add, list and show patients (needs sign-in)")
    verbs = p.add_subparsers(dest="verb", metavar="add|list|show", required=True)
    add = verbs.add_parser("add", help="add a patient, or change the details given")
    add.add_argument("code", metavar="CODE", help="the patient's code, shown everywhere")
    add.add_argument("--name")
    add.add_argument("--birth-year", type=int, metavar="YYYY")
    add.add_argument("--skin-type", type=skin_type, metavar="I..VI", help="Fitzpatrick type")
    add.add_argument("--notes")
    show = verbs.add_parser("show", help="details, sessions, series and next due date")
    show.add_argument("code", metavar="CODE")
    listing = verbs.add_parser("list", help="one line per patient")
    for parser in (add, show, listing):
        add_signed_options(parser)
    p.set_defaults(func=run)


def skin_type(text: str) -> Fitzpatrick:
    try:
        return Fitzpatrick.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    today = date.today()
    action = Action.RECORD_SESSION if args.verb == "add" else Action.REVIEW
    obj = "patients" if args.verb == "list" else f"patient:{args.code}"
    with signed_in(args, action, obj) as access:
        try:
            match args.verb:
                case "add":
                    details = PatientDetails(args.name, args.birth_year, args.skin_type, args.notes)
                    row = add_patient(access, args.code, details, today)
                    if args.json:
                        print(json.dumps({"code": row.code, "id": row.id}))
                    else:
                        print(f"patient {shown(row.code)} saved")
                case "list":
                    for row in list_patients(access):
                        if args.json:
                            print(
                                json.dumps(
                                    {
                                        "code": row.code,
                                        "name": row.name,
                                        "birth_year": row.birth_year,
                                        "skin_type": row.fitzpatrick,
                                    }
                                )
                            )
                        else:
                            print(
                                f"{shown(row.code):<12} {shown(row.name):<24} "
                                f"{shown(row.birth_year):<5} {shown(row.fitzpatrick)}"
                            )
                case _:
                    view = patient_overview(access, args.code, today)
                    if args.json:
                        print(json.dumps(view, indent=1))
                    else:
                        _print_view(view)
        except PatientError as exc:
            raise CommandError(str(exc)) from exc
    return 0


def _print_view(view: dict[str, object]) -> None:
    patient = view["patient"]
    assert isinstance(patient, dict)
    print(
        f"patient {shown(patient['code'])}: {shown(patient['name'])}, born "
        f"{shown(patient['birth_year'])}, skin type {shown(patient['fitzpatrick'])}"
    )
    print(f"series: {view['series_words']}")
    sessions = view["sessions"]
    assert isinstance(sessions, list)
    for s in sessions:
        flag = "  (sooner than the series allows)" if s["too_soon"] else ""
        print(f"  {shown(s['uuid'])}  {shown(s['started_utc'])}  {shown(s['status'])}{flag}")
