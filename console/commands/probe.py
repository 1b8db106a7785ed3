"""`pen-console probe`: connect to a pen, print INFO, then live rates, discards and gaps.

Exit codes: 0 ok; 2 no pen found, or the port cannot be opened, or the pen never
answered; 3 protocol mismatch. It rides out an unplug and replug until --seconds is up.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import Any

from drivers.link import Link, LinkState, LinkStats, StateChange
from drivers.messages import Info, TelemetryBatch
from drivers.transport import find_pens

EXIT_OK = 0
EXIT_NO_PEN = 2
EXIT_MISMATCH = 3
PRINT_EVERY_S = 1.0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("probe", help="connect to a pen and report what it says")
    p.add_argument(
        "--port", help="device, pty path, pyserial URL or virtual:// (default: first pen found)"
    )
    p.add_argument("--seconds", type=float, default=5.0, metavar="N")
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    p.set_defaults(func=run)


def info_dict(info: Info) -> dict[str, Any]:
    return {
        "protocol_major": info.protocol_major,
        "protocol_minor": info.protocol_minor,
        "firmware": info.firmware,
        "serial": info.serial,
        "model": info.model,
        "depth_min_um": info.depth_min_um,
        "depth_max_um": info.depth_max_um,
        "depth_step_um": info.depth_step_um,
        "rate_min_hz": info.rate_min_hz,
        "rate_max_hz": info.rate_max_hz,
        "telemetry_hz": info.telemetry_hz,
        "needles": info.needles,
        "gauge": info.gauge,
    }


def report_dict(info: Info | None, stats: LinkStats, state: LinkState) -> dict[str, Any]:
    return {
        "info": info_dict(info) if info else None,
        "frames": stats.frames,
        "events": stats.events,
        "discarded": stats.discarded,
        "seq_gaps": stats.seq_gaps,
        "reconnects": stats.reconnects,
        "max_heartbeat_gap_ms": round(stats.max_heartbeat_gap_ms, 1),
        "state": str(state),
    }


class _Watcher:
    """Counts samples and remembers what the link last said (called on the reader thread)."""

    def __init__(self, echo: bool) -> None:
        self.samples = 0
        self.echo = echo
        self.changed = threading.Event()
        self.message = ""
        self.open_failed = False
        self.streamed = False

    def on_telemetry(self, batch: TelemetryBatch) -> None:
        self.samples += len(batch)

    def on_state(self, change: StateChange) -> None:
        if change.state is not LinkState.OPENING:
            self.message = change.message
        failed_to_open = change.previous is LinkState.OPENING and change.state in (
            LinkState.DISCONNECTED,
            LinkState.LOST,
        )
        first_failure = failed_to_open and not self.streamed
        self.open_failed = self.open_failed or failed_to_open
        self.streamed = self.streamed or change.state is LinkState.STREAMING
        # A port that never opens ends the run with one line (printed by run()), so
        # neither the attempt nor its failure is echoed on top of it.
        if self.echo and change.state is not LinkState.OPENING and not first_failure:
            print(f"[{change.state}] {change.message}", file=sys.stderr, flush=True)
        self.changed.set()


def _print_info(info: Info) -> None:
    print(f"{info.model}  serial {info.serial}  firmware {info.firmware}", flush=True)
    print(
        f"protocol {info.protocol_major}.{info.protocol_minor}  depth "
        f"{info.depth_min_um}-{info.depth_max_um} µm in {info.depth_step_um} µm steps  rate "
        f"{info.rate_min_hz:g}-{info.rate_max_hz:g} Hz  telemetry {info.telemetry_hz} Hz "
        f"(max {info.telemetry_max_hz})  cartridge {info.needles} needles, {info.gauge} G",
        flush=True,
    )


def _print_rates(stats: LinkStats, samples_per_s: float) -> None:
    print(
        f"{samples_per_s:7.0f} samples/s  frames {stats.frames}  discarded "
        f"{stats.discarded.get('total', 0)}  seq gaps {stats.seq_gaps} "
        f"({stats.frames_lost} frames)  reconnects {stats.reconnects}  heartbeat "
        f"last {stats.last_heartbeat_gap_ms:.0f} ms max {stats.max_heartbeat_gap_ms:.0f} ms",
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    port = args.port
    if not port:
        pens = find_pens()
        if not pens:
            message = (
                "no pen found (looked for USB VID 1209 PID 0001). Plug the pen in and switch "
                "it on, or name a port with --port."
            )
            if args.json:
                print(json.dumps(report_dict(None, LinkStats(), LinkState.DISCONNECTED)))
            print(f"probe: {message}", file=sys.stderr)
            return EXIT_NO_PEN
        port = pens[0].device
        if not args.json:
            print(f"probe: using {port} ({pens[0].product} {pens[0].serial_number})")
    watcher = _Watcher(echo=not args.json)
    link = Link(port)
    unsubscribe = link.subscribe(watcher)
    link.start()
    deadline = time.monotonic() + args.seconds
    streamed = False
    last_print, last_samples = time.monotonic(), 0
    try:
        while (left := deadline - time.monotonic()) > 0:
            watcher.changed.wait(min(left, PRINT_EVERY_S / 4))
            watcher.changed.clear()
            state = link.state
            if state is LinkState.INCOMPATIBLE or (watcher.open_failed and not streamed):
                break
            if state is LinkState.STREAMING and not streamed:
                streamed = True
                if not args.json and link.info is not None:
                    _print_info(link.info)
            now = time.monotonic()
            if streamed and not args.json and now - last_print >= PRINT_EVERY_S:
                _print_rates(link.stats, (watcher.samples - last_samples) / (now - last_print))
                last_print, last_samples = now, watcher.samples
    except KeyboardInterrupt:
        pass
    finally:
        state = link.state
        unsubscribe()  # keep the last real problem, not the closing words
        link.close()
    if args.json:
        print(json.dumps(report_dict(link.info, link.stats, state)), flush=True)
    if state is LinkState.INCOMPATIBLE:
        print(f"probe: {watcher.message}", file=sys.stderr)
        return EXIT_MISMATCH
    if not streamed:
        reason = watcher.message or f"no answer from {port}"
        print(f"probe: {reason}", file=sys.stderr)
        return EXIT_NO_PEN
    return EXIT_OK
