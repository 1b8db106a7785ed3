"""Zone change to ceiling at the pen: how long from a zone becoming active until the
virtual pen has received SET_DEPTH_LIMIT (issue 5: within 100 ms).

    .venv/bin/python benchmarks/bench_ceiling.py [--changes 40]

The in-process pen reads host bytes on its 4 ms tick, so this includes up to one tick.
"""

from __future__ import annotations

import argparse
import time

from _common import machine, median

from console.core.zone_session import build_zone_session
from drivers.link import Link, LinkState
from drivers.messages import MsgType
from drivers.virtual.endpoints import wait_until


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--changes", type=int, default=40)
    args = p.parse_args()
    link = Link("virtual://treatment?telemetry_hz=2000")
    zones = build_zone_session("Full face — PRP", link)
    zones.attach(link, None)
    link.start()
    try:
        assert link.wait_for_state(LinkState.STREAMING, 5)
        pen = link.virtual_pen
        order = ["cheek_left", "forehead", "periorbital_left", "chin"]
        latencies = []
        for i in range(args.changes):
            sent = len(pen.commands_of(MsgType.SET_DEPTH_LIMIT))
            t0 = time.monotonic()
            zones.tracker.select(order[i % len(order)])
            wait_until(
                lambda s=sent: len(pen.commands_of(MsgType.SET_DEPTH_LIMIT)) > s, 1, poll_s=0.0005
            )
            latencies.append((time.monotonic() - t0) * 1000)
    finally:
        link.close()
    print(f"machine: {machine()}")
    print(
        f"zone change -> SET_DEPTH_LIMIT at the pen: median {median(latencies):.1f} ms, "
        f"max {max(latencies):.1f} ms over {len(latencies)} changes"
    )


if __name__ == "__main__":
    main()
