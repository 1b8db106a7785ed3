"""Byte transports for the link: any pyserial URL or device path, or the virtual pen.

- `/dev/ttyACM0`, `COM3`, a pty path, `socket://127.0.0.1:PORT`, `loop://`: pyserial's
  serial_for_url, opened at 921600 8N1 with a short read timeout.
- `virtual://SCENARIO?telemetry_hz=N&seed=S&noise=F&...`: the in-process virtual pen, no
  OS resources at all; any PenConfig field may be given (t_us0, strokes0, seq0,
  protocol_major, keep_logs=0, ...).

`find_pens()` lists every plugged-in pen (VID 0x1209, PID 0x0001) with its serial number.
Never imports Qt.
"""

from __future__ import annotations

import array
from dataclasses import dataclass, fields
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import serial
from serial.tools import list_ports

from drivers.virtual.endpoints import InProcessPort

try:  # POSIX: ask the kernel how many bytes a socket holds
    import fcntl
    import termios

    _HAVE_FIONREAD = True
except ImportError:  # Windows: pyserial's own socket in_waiting (0 or 1) it is
    _HAVE_FIONREAD = False
from drivers.virtual.pen import PenConfig, VirtualPen

PEN_VID = 0x1209
PEN_PID = 0x0001
BAUDRATE = 921600
READ_TIMEOUT_S = 0.02
WRITE_TIMEOUT_S = 0.2
VIRTUAL_SCHEME = "virtual://"


class Port(Protocol):
    """What the link needs from a port (pyserial's Serial and InProcessPort both fit)."""

    @property
    def in_waiting(self) -> int: ...
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PenPort:
    device: str
    serial_number: str
    product: str
    description: str


def find_pens() -> list[PenPort]:
    """Every pen plugged in, by USB identity; several may be plugged in at once."""
    pens = [
        PenPort(
            device=p.device,
            serial_number=p.serial_number or "",
            product=p.product or "",
            description=p.description or "",
        )
        for p in list_ports.comports()
        if p.vid == PEN_VID and p.pid == PEN_PID
    ]
    return sorted(pens, key=lambda p: p.device)


def is_virtual(url: str) -> bool:
    return url.startswith(VIRTUAL_SCHEME)


def virtual_pen_from_url(url: str) -> VirtualPen:
    """Build the virtual pen a `virtual://SCENARIO?key=value` URL describes."""
    parts = urlsplit(url)
    scenario_name = parts.netloc or parts.path.strip("/") or "treatment"
    known = {f.name: f.type for f in fields(PenConfig)}
    kwargs: dict[str, object] = {}
    for key, values in parse_qs(parts.query).items():
        if key not in known:
            raise ValueError(f"unknown virtual pen option {key!r} in {url!r}")
        value = values[-1]
        if key in ("noise", "battery_pct"):
            kwargs[key] = float(value)
        elif key == "keep_logs":
            kwargs[key] = value.lower() not in ("0", "false", "no")
        else:
            kwargs[key] = _int_or_str(value)
    return VirtualPen(PenConfig(**kwargs), scenario_name)  # type: ignore[arg-type]


def _int_or_str(value: str) -> int | str:
    try:
        return int(value, 0)
    except ValueError:
        return value


class _SocketPort:
    """A socket:// port whose in_waiting is the real byte count.

    pyserial's socket handler reports in_waiting as 0 or 1 (a select()), which would turn
    "read whatever is waiting" into reading two bytes at a time; the kernel knows better.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @property
    def in_waiting(self) -> int:
        sock = self._inner._socket  # pyserial keeps it private; None once closed
        if sock is None:
            raise OSError("the socket is closed")
        count = array.array("i", [0])
        fcntl.ioctl(sock.fileno(), termios.FIONREAD, count)
        return int(count[0])

    def read(self, size: int = 1) -> bytes:
        return self._inner.read(size)  # type: ignore[no-any-return]

    def write(self, data: bytes, /) -> int | None:
        return self._inner.write(data)  # type: ignore[no-any-return]

    def close(self) -> None:
        self._inner.close()


def open_serial(url: str) -> Port:
    """Open a real or pyserial-URL port; raises OSError/SerialException with the reason."""
    port = serial.serial_for_url(
        url,
        baudrate=BAUDRATE,
        bytesize=serial.EIGHTBITS,
        parity=serial.PARITY_NONE,
        stopbits=serial.STOPBITS_ONE,
        timeout=READ_TIMEOUT_S,
        write_timeout=WRITE_TIMEOUT_S,
    )
    if url.startswith("socket://") and _HAVE_FIONREAD:
        return _SocketPort(port)
    return port  # type: ignore[no-any-return]


def open_virtual(pen: VirtualPen) -> Port:
    """A serial-like port wired straight to `pen`, in-process (a thread, no OS resources)."""
    return InProcessPort(pen, timeout=READ_TIMEOUT_S)


def open_transport(url: str) -> Port:
    """Open any URL the console accepts: a device path, a pyserial URL or virtual://."""
    if is_virtual(url):
        return open_virtual(virtual_pen_from_url(url))
    return open_serial(url)
