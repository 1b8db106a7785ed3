"""Byte transports for the link: any pyserial URL or device path, opened the same way.

- `/dev/ttyACM0`, `COM3`, a pty path, `socket://127.0.0.1:PORT`, `loop://`: pyserial's
  serial_for_url, opened at 921600 8N1 with a short read timeout.
- `virtual://SCENARIO?...`: the simulated pen, which is one more pyserial URL handler
  (drivers/virtual/protocol_virtual.py). `open_port` only puts the package's name on
  pyserial's list of handler packages; pyserial imports it when, and only when, a
  virtual:// URL is opened, so a real link loads no simulator code.

`find_pens()` lists every plugged-in pen (VID 0x1209, PID 0x0001) with its serial number.
Imports nothing from drivers.virtual, and never Qt.
"""

from __future__ import annotations

import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import serial
from serial.tools import list_ports

try:  # POSIX: ask the kernel how many bytes a socket holds
    import fcntl
    import termios

    _HAVE_FIONREAD = True
except ImportError:  # Windows: pyserial's own socket in_waiting (0 or 1) it is
    _HAVE_FIONREAD = False

PEN_VID = 0x1209
PEN_PID = 0x0001
BAUDRATE = 921600
READ_TIMEOUT_S = 0.02
WRITE_TIMEOUT_S = 0.2
URL_HANDLER_PACKAGES = ("drivers.virtual",)  # searched after pyserial's own handlers


class Port(Protocol):
    """What the link needs from a port (pyserial's Serial fits, and so do test doubles)."""

    @property
    def in_waiting(self) -> int: ...
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes, /) -> int | None: ...
    def close(self) -> None: ...


Opener = Callable[[str], Port]  # URL -> open port; raises OSError or ValueError with words


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


def register_url_handlers() -> None:
    """Let serial_for_url find our URL schemes; registers names only, imports nothing."""
    packages: list[str] = serial.protocol_handler_packages
    for package in URL_HANDLER_PACKAGES:
        if package not in packages:
            packages.append(package)


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
        try:
            return self._inner.read(size)  # type: ignore[no-any-return]
        except TypeError as exc:
            raise self._closed_under_us(exc) from exc

    def write(self, data: bytes, /) -> int | None:
        try:
            return self._inner.write(data)  # type: ignore[no-any-return]
        except TypeError as exc:
            raise self._closed_under_us(exc) from exc

    def _closed_under_us(self, exc: TypeError) -> Exception:
        """pyserial 3.5's socket port sets its socket to None on close; another thread's
        read or write in flight then fails in select() with a TypeError. That is a closed
        port (an OSError the link and heartbeat handle), not a crash of their thread."""
        if getattr(self._inner, "_socket", None) is None:
            return OSError("the socket was closed during the call")
        return exc

    def close(self) -> None:
        # pyserial 3.5 calls shutdown() and close() in one try: on a connection the peer
        # already dropped, shutdown() fails and the socket is left open. Close it here too.
        sock = getattr(self._inner, "_socket", None)
        self._inner.close()
        if sock is not None:
            sock.close()


def open_port(url: str) -> Port:
    """Open a device path or any URL pyserial knows (ours included).

    Raises SerialException (an OSError) when the port is there but cannot be opened, and
    ValueError when the URL itself is wrong; both carry words fit for the user.
    """
    register_url_handlers()
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
