"""Ways to reach a VirtualPen from another process: over a pty, or over loopback TCP.

(In-process it is a pyserial URL: see protocol_virtual and inprocess.) Each endpoint runs
the pen's clock on one thread that moves bytes both ways every few milliseconds. The pty
endpoint can be unplugged and replugged like a USB cable: the device node vanishes (the
symlink is removed and the pty closed) and comes back. The TCP endpoint serves one client
at a time on loopback. Never imports Qt.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import tty
from collections import deque
from pathlib import Path

from drivers.virtual.clock import PenClock, wait_until
from drivers.virtual.pen import VirtualPen

__all__ = ["PtyServer", "TcpServer", "wait_until"]

# What a USB CDC-ACM port holds for a host that is not reading before the pen's own bytes
# wait: Linux's tty buffer (64 KiB). A bare pty holds only ~20 KiB, a third of a second at
# 2 kHz, so a console busy for 0.4 s (a reconnect on a loaded machine) lost samples that a
# real pen's port would have kept. Beyond this the endpoint drops whole writes, and counts them.
PORT_BUFFER_BYTES = 65536


class PtyServer(PenClock):
    """The pen behind a pseudo-terminal whose slave is reachable at `path` (a symlink)."""

    def __init__(self, pen: VirtualPen, path: str | Path) -> None:
        super().__init__(pen, "virtual-pen-pty")
        self.path = Path(path)
        self._io_lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self._pending: deque[bytes] = deque()  # accepted, not yet taken by the pty
        self._pending_bytes = 0
        self.dropped_bytes = 0  # written by the pen while the port's buffer was full
        self.plugged = False
        self.replug()
        self.start()

    def replug(self) -> None:
        with self._io_lock:
            if self.plugged:
                return
            master, slave = os.openpty()
            tty.setraw(slave)
            os.set_blocking(master, False)
            self._master, self._slave = master, slave
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.path.symlink_to(os.ttyname(slave))
            self.plugged = True

    def unplug(self) -> None:
        """The cable is pulled: the device node disappears and open handles fail."""
        with self._io_lock:
            if not self.plugged:
                return
            self.plugged = False
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            for fd in (self._master, self._slave):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._master = self._slave = None
            self._pending.clear()  # bytes in the cable when it is pulled go nowhere
            self._pending_bytes = 0

    def _pump_in(self) -> None:
        with self._io_lock:
            if self._master is None:
                return
            try:
                ready, _, _ = select.select([self._master], [], [], 0)
                data = os.read(self._master, 65536) if ready else b""
            except OSError:
                data = b""  # no reader attached to the slave yet
            self._flush_pending(self._master)  # every tick, even when the pen says nothing
        if data:
            self.pen.receive(data)

    def _pump_out(self, data: bytes) -> None:
        with self._io_lock:
            if self._master is None:
                return
            if data:
                if self._pending_bytes + len(data) > PORT_BUFFER_BYTES:
                    self.dropped_bytes += len(data)  # whole writes: frames stay whole
                else:
                    self._pending.append(data)
                    self._pending_bytes += len(data)
            self._flush_pending(self._master)

    def _flush_pending(self, master: int) -> None:
        """Hand the pty what it takes; keep the rest (a short write's tail too) for later."""
        while self._pending:
            chunk = self._pending[0]
            try:
                n = os.write(master, chunk)
            except OSError:  # BlockingIOError: the pty is full; EIO: no reader yet
                return
            self._pending_bytes -= n
            if n < len(chunk):
                self._pending[0] = chunk[n:]
                return
            self._pending.popleft()

    def close(self) -> None:
        self.stop()
        self.unplug()


class TcpServer(PenClock):
    """The pen on a loopback TCP port, one client at a time (`socket://HOST:PORT`)."""

    def __init__(self, pen: VirtualPen, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(pen, "virtual-pen-tcp")
        self._listener = socket.create_server((host, port))
        self._listener.setblocking(False)
        self.host, self.port = self._listener.getsockname()[:2]
        self._client: socket.socket | None = None
        self._drop_requested = threading.Event()
        self.start()

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def _pump_in(self) -> None:
        if self._drop_requested.is_set():
            self._drop_requested.clear()
            self._drop_client()
        if self._client is None:
            try:
                self._client, _ = self._listener.accept()
                self._client.setblocking(False)
            except BlockingIOError:
                return
        try:
            data = self._client.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self.pen.receive(data)
        else:
            self._drop_client()

    def drop_client(self) -> None:
        """Cut the current connection, as a network outage would; the next one is served."""
        self._drop_requested.set()  # done on the pen's thread, which owns the socket

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _pump_out(self, data: bytes) -> None:
        if self._client is None:
            return
        try:
            self._client.sendall(data)
        except OSError:
            self._drop_client()

    def close(self) -> None:
        self.stop()
        self._drop_client()
        self._listener.close()
