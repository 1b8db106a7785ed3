"""`pen-console record`: a headless recording, for bench tests and automation."""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import threading
import time
from datetime import UTC, date, datetime
from functools import partial

from console.commands._common import (
    CommandError,
    add_db_option,
    add_user_option,
    open_store,
    shown,
    sign_in,
)
from console.core.access import Access
from console.core.accounts import Action
from console.core.backups import Kind, back_up_now, notices_of
from console.core.lots import (
    FindingKind,
    LotError,
    Product,
    check_product,
    parse_lot_option,
    record_product,
    refuse_reuse,
)
from console.core.patients import add_new_patient, new_patient_question
from console.core.plan_steps import mm_ss
from console.core.procedure import Procedure
from console.core.records import operate_pen
from console.core.series import record_too_soon, too_soon
from console.core.spill_notice import recover_and_tell
from console.core.treatment import Treatment
from console.core.zones import Plan, find_plan
from console.store import Store, StoreError
from drivers.link import Link, LinkState, StateChange
from drivers.transport import find_pens


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("record", help="record a session without the window (needs sign-in)")
    p.add_argument("--port", help="device, pty path or URL (default: first pen found)")
    p.add_argument("--seconds", type=seconds, required=True, metavar="N")
    add_db_option(p)
    add_user_option(p)
    p.add_argument(
        "--patient",
        type=code,
        metavar="CODE",
        help="the patient's code; required with accounts (on a demo database: BENCH)",
    )
    p.add_argument(
        "--new-patient",
        action="store_true",
        help="the --patient code is a new patient: add it (with accounts, a code not in the "
        "register is refused without this, so a mistyped code never starts a new record)",
    )
    p.add_argument(
        "--practitioner",
        type=code,
        metavar="NAME",
        help="free text, on a demo database only (default: bench); with accounts the "
        "session is recorded as the signed-in user",
    )
    p.add_argument("--telemetry-hz", type=telemetry_hz, metavar="HZ")
    p.add_argument("--plan", metavar="NAME", help="treatment plan template, by name or id")
    p.add_argument(
        "--lot",
        action="append",
        default=[],
        type=lot_option,
        metavar="KIND=LOT[:SERIAL]",
        help="a product used (cartridge, prp_kit, prp_tube, hyaluronic_acid, anaesthetic), "
        "typed or as a scanned GS1 code; repeat for each. A cartridge already used on "
        "another patient is refused (exit 4) before the pen starts",
    )
    p.add_argument(
        "--override-reason",
        metavar="TEXT",
        help="a supervisor's reason to use a cartridge already used on another patient",
    )
    p.add_argument(
        "--too-soon-reason",
        metavar="TEXT",
        help="why this session starts sooner than the plan's series allows (recorded)",
    )
    p.add_argument("--preset", metavar="ID", help="the plan's depth preset (e.g. light, deep)")
    p.add_argument(
        "--done",
        action="append",
        default=[],
        metavar="STEP",
        help="a plan step (id, kind or label) done before the session, recorded like a touch; "
        "repeat it, or --done all",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def lot_option(text: str) -> Product:
    try:
        return parse_lot_option(text)
    except LotError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


BENCH_PATIENT = "BENCH"  # a demo database's session with no --patient
MAX_SECONDS = 24 * 3600.0  # a day: far beyond any treatment, within what timers take
_CODE_CHARS = 64


def seconds(text: str) -> float:
    """--seconds: a finite number above 0, at most a day (argparse says it in one line)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_SECONDS:  # also false for nan; inf is above the limit
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds above 0 and at most {MAX_SECONDS:.0f} (a day)"
        )
    return value


def telemetry_hz(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of Hz") from None
    if not 1 <= value <= 0xFFFF:
        raise argparse.ArgumentTypeError(f"{value} Hz is not between 1 and 65535")
    return value


def code(text: str) -> str:
    """A patient code or practitioner name: printable, one line, at most 64 characters."""
    value = text.strip()
    if value != shown(value) or not value.isprintable():
        raise argparse.ArgumentTypeError(
            f"{shown(text)} holds control characters; type it again as plain text"
        )
    if len(value) > _CODE_CHARS:
        raise argparse.ArgumentTypeError(f"it is longer than {_CODE_CHARS} characters")
    return value


def run(args: argparse.Namespace) -> int:
    store = open_store(args)
    try:
        access = _signed_in(args, store)
        _check_before_needling(args, access)  # a reused cartridge ends here (exit 4)
        _add_new_patient(args, access)  # H-22: confirmed with --new-patient
    except BaseException:
        store.close()
        raise
    port = args.port
    if not port:
        pens = find_pens()
        if not pens:
            store.close()
            print("record: no pen found; plug one in or pass --port", file=sys.stderr)
            return 2
        port = pens[0].device
    try:
        for sentence in recover_and_tell(store):  # a full disk's backlog, earlier run
            print(f"record: {sentence}", file=sys.stderr)
        interrupted = store.mark_interrupted()
    except sqlite3.Error as exc:
        print(f"record: the database refuses writes ({exc}); free disk space", file=sys.stderr)
        store.close()
        return 2
    for s in interrupted:
        print(f"record: session {s['uuid']} was interrupted; its data is kept", file=sys.stderr)
    for problem in store.not_sealed:
        print(f"record: {problem}", file=sys.stderr)
    try:
        operate_pen(access, port)
    except BaseException:
        store.close()
        raise
    try:
        plan = find_plan(args.plan) if args.plan else None
        check_done(args.done, plan)
        if args.preset and plan is None:
            raise ValueError("--preset needs --plan: the presets are the plan's")
        if args.preset and plan is not None:
            plan.preset(args.preset)  # ValueError names the plan's presets
    except ValueError as exc:
        print(f"record: {exc}", file=sys.stderr)
        store.close()
        return 2
    # The same treatment as the live window's, alarm monitor and all (issue 11): a pen
    # fault here is an alarm in the record. Zones only with a plan.
    treatment = Treatment(store, plan=plan, track_zones=plan is not None, user=access.user)
    for problem in treatment.ceiling_problems:
        print(f"record: ALARM: {problem}", file=sys.stderr)
    link = Link(port)
    last_word = _LastWord()
    link.subscribe(last_word)  # what the link said last: a bad URL, an absent port
    treatment.attach(link)
    recorder = treatment.recorder
    assert recorder is not None  # a store was given
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    link.start()
    session = None
    started = time.monotonic()
    try:
        if not link.wait_for_state(LinkState.STREAMING, min(args.seconds, 10)):
            said = last_word.message or f"the pen on {port} did not answer"
            print(f"record: {said} ({link.state})", file=sys.stderr)
            return 3 if link.state is LinkState.INCOMPATIBLE else 2
        if args.telemetry_hz:
            try:
                answer = link.set_telemetry_rate(args.telemetry_hz).result(2)
            except Exception as exc:  # timeout, link gone, value out of the u16 range
                print(f"record: the pen did not take --telemetry-hz: {exc}", file=sys.stderr)
                return 2
            if not answer.ok:
                print(f"record: the pen refused --telemetry-hz ({answer.result})", file=sys.stderr)
                return 2
            if answer.value != args.telemetry_hz:
                print(f"record: the pen streams at {answer.value} Hz", file=sys.stderr)
        try:
            session = treatment.start_session(args.patient, args.practitioner or "")
        except ValueError as exc:  # an empty --patient or --practitioner
            print(f"record: {exc}", file=sys.stderr)
            return 2
        except StoreError as exc:
            print(f"record: {exc}", file=sys.stderr)
            return 2
        _record_products(args, access, session)
        for state in treatment.plan_run.mark_listed(args.done, treatment.user):
            if state.early_left_s is not None:  # recorded so: the dwell was not waited out
                print(
                    f"record: “{state.spec.label}” marked with the anaesthetic dwell "
                    f"{mm_ss(state.early_left_s)} left; recorded as an early removal",
                    file=sys.stderr,
                )
        if args.preset:
            treatment.plan_run.select_preset(args.preset)
        started = time.monotonic()
        _run_until(stop, started + args.seconds, treatment)
    finally:
        stats = link.stats
        if session is not None:
            treatment.tick()
            treatment.end_session()  # as End session in the window does
        treatment.close()  # closes the link and the recorder
        if session is not None and recorder.storage_ok:  # the automatic session backup
            for notice in notices_of(partial(back_up_now, store, Kind.SESSION)):
                print(f"record: {notice.text}", file=sys.stderr)
        store.close()
    if session is None:
        return 2
    summary = {
        "session_id": session,
        "samples": recorder.stats().samples,
        "events": recorder.stats().events,
        "discarded": stats.discarded.get("total", 0),
        "seq_gaps": stats.seq_gaps,
        "reconnects": stats.reconnects,
        "duration_s": round(time.monotonic() - started, 3),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"recorded session {session}: {summary['samples']} samples, "
            f"{summary['events']} events, {summary['seq_gaps']} gaps"
        )
    if recorder.spilled is not None:
        print(
            f"record: the disk refused writes; the rest of session {session} was saved to "
            f"{recorder.spilled}. Free space, then run `pen-console db recover-spill` (or "
            "start again) to merge it back.",
            file=sys.stderr,
        )
        return 2
    if not recorder.storage_ok:  # the storage messages were printed as they happened
        print(
            f"record: the disk refused writes; session {session} is incomplete on disk and "
            "will be marked interrupted at the next start",
            file=sys.stderr,
        )
        return 2
    return 0


TICK_S = 1 / 30  # the alarm monitor's rate without a screen


def _run_until(stop: threading.Event, deadline: float, treatment: Treatment) -> None:
    """Tick the treatment (alarms, step timers, plan depths) until Ctrl-C or the end."""
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        stop.wait(min(TICK_S, left))
        treatment.tick()


def check_done(steps: list[str], plan: Plan | None) -> None:
    """--done names steps of the plan (or "all"); ValueError in one sentence if not."""
    if not steps:
        return
    if plan is None:
        raise ValueError("--done needs --plan: the steps are the plan's")
    procedure = Procedure(plan.procedure)
    for step in steps:
        if step.strip().casefold() != "all":
            procedure.state(step)  # StepError (a ValueError) names the plan's steps


def _signed_in(args: argparse.Namespace, store: Store) -> Access:
    """The signed-in practitioner (or nobody, on a demo database, where --practitioner is
    free text); the core refuses a user whose role may not record. With accounts a session
    belongs to a patient, so --patient is asked for before any password."""
    if args.patient is None:
        if not Access(store, None).demo:
            raise CommandError(
                "--patient CODE is needed: this console has accounts, so every session "
                "belongs to a patient."
            )
        args.patient = BENCH_PATIENT
    access = sign_in(args, store, Action.RECORD_SESSION, "session:new")
    if access.user is not None and args.practitioner not in (None, access.user.name):
        raise CommandError(
            "--practitioner is for a demo database only; this console has accounts, so the "
            f"session is recorded as the signed-in user ({access.user.name}). Drop "
            "--practitioner, or sign in as that practitioner with --user."
        )
    _check_patient(args, access)
    return access


def _check_patient(args: argparse.Namespace, access: Access) -> None:
    """H-22: with accounts, a code not in the register needs --new-patient (then it is
    added, audited, once nothing else refuses); a demo database keeps its free codes."""
    if access.demo or new_patient_question(access, args.patient) is None:
        return
    if not args.new_patient:
        raise CommandError(
            f"{args.patient} is not a known patient; check the code, or pass --new-patient "
            "to start a new patient's record."
        )
    args.add_patient = True  # added once the products are checked, before the session


def _add_new_patient(args: argparse.Namespace, access: Access) -> None:
    if getattr(args, "add_patient", False):
        add_new_patient(access, args.patient, date.today())


def _check_before_needling(args: argparse.Namespace, access: Access) -> None:
    """The products' findings before the pen starts: a reused cartridge is refused
    unless a supervisor gives --override-reason (checked now, not after needling);
    expired products are said on stderr; a too-soon start needs --too-soon-reason (exit 2
    without it, nothing recorded; a demo database only says it) and is said on stderr."""
    for product in args.lot:
        findings = check_product(access, args.patient, product, date.today())
        if not args.override_reason:
            refuse_reuse(findings)
        elif any(f.kind is FindingKind.REUSED_CARTRIDGE for f in findings):
            access.require(Action.OVERRIDE_SINGLE_USE, f"patient:{args.patient}")
        for finding in findings:
            print(f"record: {finding.priority.name} alarm: {finding.sentence}", file=sys.stderr)
    args.too_soon = too_soon(access.store, args.patient, datetime.now(UTC), args.plan)
    if args.too_soon is None:
        return
    # A demo database (no accounts: bench runs of the BENCH patient) only says it.
    if not access.demo and not (args.too_soon_reason and args.too_soon_reason.strip()):
        early = args.too_soon
        raise CommandError(
            f"Patient {early.patient_code} was treated {early.days_since_previous:.0f} days "
            f"ago, sooner than the plan's series ({early.rule.words()}) allows, so nothing "
            "was recorded; give the reason with --too-soon-reason TEXT to start it now."
        )
    print(f"record: {args.too_soon.words()}", file=sys.stderr)


def _record_products(args: argparse.Namespace, access: Access, session: str) -> None:
    """Keep the products and a too-soon reason with the new session."""
    for product in args.lot:
        record_product(access, session, args.patient, product, date.today(), args.override_reason)
    if args.too_soon is not None:  # found before the session started
        record_too_soon(access, session, args.too_soon, args.too_soon_reason or "")


class _LastWord:
    """Keeps the link's last state message, for the one sentence `record` ends with."""

    message = ""

    def on_state(self, change: StateChange) -> None:
        self.message = change.message
