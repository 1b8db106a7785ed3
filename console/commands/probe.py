"""`pen-console probe`: connect to a pen, print INFO, then live rates, discards and gaps."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from drivers.link import Link, LinkState, StateChange
from drivers.messages import Info, TelemetryBatch
from drivers.transport import find_pens

EXIT_OK = 0
EXIT_NO_PEN = 2
EXIT_MISMATCH = 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("probe", help="connect to a pen and report what it says")
    p.add_argument("--port", help="device, pty path or pyserial URL (default: first pen found)")
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


class _Counter:
    def __init__(self, quiet: bool) -> None:
        self.samples = 0
        self.quiet = quiet
        self.last_message = ""

    def on_telemetry(self, batch: TelemetryBatch) -> None:
        self.samples += len(batch)

    def on_state(self, change: StateChange) -> None:
        if change.state is not LinkState.OPENING:
            self.last_message = change.message
        if not self.quiet:
            print(f"[{change.state}] {change.message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    port = args.port
    if not port:
        pens = find_pens()
        if not pens:
            print(
                "probe: no pen found (looked for USB VID 1209 PID 0001). Plug the pen in, "
                "or name a port with --port.",
                file=sys.stderr,
            )
            return EXIT_NO_PEN
        port = pens[0].device
    counter = _Counter(quiet=args.json)
    link = Link(port)
    unsubscribe = link.subscribe(counter)
    link.start()
    deadline = time.monotonic() + args.seconds
    ever_streamed = False
    last_print = time.monotonic()
    last_samples = 0
    try:
        while time.monotonic() < deadline and link.state is not LinkState.INCOMPATIBLE:
            if link.wait_for_state(LinkState.STREAMING, min(0.2, deadline - time.monotonic())):
                if not ever_streamed and not args.json and link.info is not None:
                    print(json.dumps({"info": info_dict(link.info)}, indent=2), flush=True)
                ever_streamed = True
            now = time.monotonic()
            if not args.json and now - last_print >= 1.0 and ever_streamed:
                s = link.stats
                rate = (counter.samples - last_samples) / (now - last_print)
                print(
                    f"{rate:7.0f} samples/s  frames {s.frames}  discarded "
                    f"{s.discarded.get('total', 0)}  seq gaps {s.seq_gaps}  reconnects "
                    f"{s.reconnects}  heartbeat max {s.max_heartbeat_gap_ms:.0f} ms",
                    flush=True,
                )
                last_print, last_samples = now, counter.samples
            time.sleep(0.05 if link.state is LinkState.STREAMING else 0.0)
    except KeyboardInterrupt:
        pass
    finally:
        state = link.state
        unsubscribe()  # keep the last real problem, not the closing words
        link.close()
    stats = link.stats
    if args.json:
        print(
            json.dumps(
                {
                    "info": info_dict(link.info) if link.info else None,
                    "frames": stats.frames,
                    "events": stats.events,
                    "discarded": stats.discarded,
                    "seq_gaps": stats.seq_gaps,
                    "reconnects": stats.reconnects,
                    "max_heartbeat_gap_ms": round(stats.max_heartbeat_gap_ms, 1),
                    "state": str(state),
                }
            ),
            flush=True,
        )
    if state is LinkState.INCOMPATIBLE:
        print(f"probe: {counter.last_message}", file=sys.stderr)
        return EXIT_MISMATCH
    if not ever_streamed:
        print(f"probe: {counter.last_message or 'no answer from ' + port}", file=sys.stderr)
        return EXIT_NO_PEN
    return EXIT_OK
