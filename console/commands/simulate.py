"""`pen-console simulate`: serve the virtual pen over a pty or TCP, for bench tests.

The pen is described by --scenario and --telemetry-hz, or by a whole virtual:// URL with
--pen (`--pen 'virtual://faults?telemetry_hz=2000&noise=0.01'`, see drivers/virtual/url.py);
a wrong one is one sentence and exit 2. With --pty, SIGUSR1 pulls the cable (the device
path vanishes) and SIGUSR2 plugs it back, so a console's unplug handling can be tried by
hand.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from dataclasses import replace
from types import FrameType

from drivers.virtual import url
from drivers.virtual.endpoints import PtyServer, TcpServer
from drivers.virtual.pen import VirtualPen
from drivers.virtual.scenarios import SCENARIOS

EXIT_OK = 0
EXIT_USAGE = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("simulate", help="serve the virtual pen over a pty or TCP")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", metavar="PATH", help="make PATH a symlink to a new pty")
    where.add_argument("--tcp", metavar="HOST:PORT", help="listen on HOST:PORT (port 0: any)")
    p.add_argument(
        "--scenario", default="treatment", metavar="NAME", help=", ".join(sorted(SCENARIOS))
    )
    p.add_argument("--telemetry-hz", type=int, default=500, metavar="N", help="50..2000")
    p.add_argument("--seconds", type=float, default=None, metavar="N", help="then exit")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--protocol-major", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument(
        "--pen", metavar="URL", help="a virtual:// URL for the pen (instead of the options above)"
    )
    p.set_defaults(func=run)


def _parse_tcp(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--tcp wants HOST:PORT, e.g. 127.0.0.1:5555, not {text!r}")
    return host or "127.0.0.1", int(port)


def run(args: argparse.Namespace) -> int:
    if not 50 <= args.telemetry_hz <= 2000:
        print("simulate: --telemetry-hz must be between 50 and 2000", file=sys.stderr)
        return EXIT_USAGE
    described = args.pen or (
        f"virtual://{args.scenario}?telemetry_hz={args.telemetry_hz}&seed={args.seed}"
        f"&protocol_major={args.protocol_major}"
    )
    try:
        scenario, config = url.parse(described)
    except ValueError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    pen = VirtualPen(replace(config, keep_logs=False), scenario)  # a server may run for hours
    server: PtyServer | TcpServer
    try:
        if args.pty:
            server = PtyServer(pen, args.pty)
            where = str(server.path)
        else:
            server = TcpServer(pen, *_parse_tcp(args.tcp))
            where = server.url
    except (OSError, ValueError) as exc:
        print(f"simulate: cannot serve the virtual pen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"virtual pen ({scenario}, {pen.telemetry_hz} Hz) at {where}", flush=True)
    done = threading.Event()

    def _stop(_sig: int, _frame: FrameType | None) -> None:
        done.set()

    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:  # signal handlers can only be set there
        signal.signal(signal.SIGTERM, _stop)
    if in_main_thread and isinstance(server, PtyServer):
        pty = server
        signal.signal(signal.SIGUSR1, lambda *_: pty.unplug())
        signal.signal(signal.SIGUSR2, lambda *_: pty.replug())
    try:
        done.wait(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return EXIT_OK
