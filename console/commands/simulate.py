"""`pen-console simulate`: serve the virtual pen over a pty or TCP, for bench tests."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from drivers.pen_endpoints import PtyServer, TcpServer
from drivers.scenarios import SCENARIOS
from drivers.virtual_pen import PenConfig, VirtualPen


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("simulate", help="serve the virtual pen over a pty or TCP")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", metavar="PATH", help="make PATH a symlink to a new pty")
    where.add_argument("--tcp", metavar="HOST:PORT", help="listen on HOST:PORT (loopback)")
    p.add_argument("--scenario", default="treatment", choices=sorted(SCENARIOS))
    p.add_argument("--telemetry-hz", type=int, default=500, metavar="N")
    p.add_argument("--seconds", type=float, default=None, metavar="N", help="then exit")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--protocol-major", type=int, default=1, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 50 <= args.telemetry_hz <= 2000:
        print("simulate: --telemetry-hz must be between 50 and 2000", file=sys.stderr)
        return 2
    pen = VirtualPen(
        PenConfig(
            telemetry_hz=args.telemetry_hz, seed=args.seed, protocol_major=args.protocol_major
        ),
        args.scenario,
    )
    server: PtyServer | TcpServer
    try:
        if args.pty:
            server = PtyServer(pen, args.pty)
            where = str(server.path)
        else:
            host, _, port = args.tcp.rpartition(":")
            server = TcpServer(pen, host or "127.0.0.1", int(port))
            where = server.url
    except (OSError, ValueError) as exc:
        print(f"simulate: cannot serve the virtual pen: {exc}", file=sys.stderr)
        return 2
    print(f"virtual pen ({args.scenario}, {args.telemetry_hz} Hz) at {where}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
