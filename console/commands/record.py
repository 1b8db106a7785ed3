"""`pen-console record`: a headless recording, for bench tests and automation."""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import threading
import time

from console.commands._common import add_db_option, open_store
from console.core.recorder import Recorder
from console.store import StoreError, spill
from drivers.link import Link, LinkState
from drivers.transport import find_pens


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("record", help="record a session without the window")
    p.add_argument("--port", help="device, pty path or URL (default: first pen found)")
    p.add_argument("--seconds", type=float, required=True, metavar="N")
    add_db_option(p)
    p.add_argument("--patient", default="BENCH", metavar="CODE")
    p.add_argument("--practitioner", default="bench", metavar="NAME")
    p.add_argument("--telemetry-hz", type=int, metavar="HZ")
    p.add_argument("--plan", metavar="NAME", help="treatment plan template, by name or id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    port = args.port
    if not port:
        pens = find_pens()
        if not pens:
            print("record: no pen found; plug one in or pass --port", file=sys.stderr)
            return 2
        port = pens[0].device
    store = open_store(args)
    if store is None:
        return 2
    for r in spill.recover_all(store):
        print(
            f"record: merged {r.samples} spilled samples of session {r.session} back from {r.path}",
            file=sys.stderr,
        )
    try:
        interrupted = store.mark_interrupted()
    except sqlite3.Error as exc:
        print(f"record: the database refuses writes ({exc}); free disk space", file=sys.stderr)
        store.close()
        return 2
    for s in interrupted:
        print(f"record: session {s['uuid']} was interrupted; its data is kept", file=sys.stderr)
    link = Link(port)
    plan = None
    if args.plan:
        from console.core.zone_session import build_zone_session  # the zone-map model

        try:
            plan = build_zone_session(args.plan, link, store=store)
        except ValueError as exc:
            print(f"record: {exc}", file=sys.stderr)
            store.close()
            return 2
    recorder = Recorder(store, annotator=plan.tracker if plan else None)
    if plan:
        plan.attach(link, recorder)
    link.subscribe(recorder)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    link.start()
    session = None
    started = time.monotonic()
    try:
        if not link.wait_for_state(LinkState.STREAMING, min(args.seconds, 10)):
            print(f"record: the pen on {port} did not answer ({link.state})", file=sys.stderr)
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
            session = recorder.start_session(
                args.patient,
                args.practitioner,
                plan_name=plan.plan.name if plan and plan.plan else args.plan,
            )
        except ValueError as exc:  # an empty --patient or --practitioner
            print(f"record: {exc}", file=sys.stderr)
            return 2
        except StoreError as exc:
            print(f"record: {exc}", file=sys.stderr)
            return 2
        if plan:
            plan.start(session)
        started = time.monotonic()
        stop.wait(args.seconds)
    finally:
        if session is not None:
            recorder.end_session()
        stats = link.stats
        link.close()
        recorder.close()
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
