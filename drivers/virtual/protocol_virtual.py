"""pyserial's URL handler for `virtual://SCENARIO?key=value&...`: the in-process virtual pen.

pyserial finds this module by name (`protocol_<scheme>` in a package listed in
`serial.protocol_handler_packages`; drivers.transport.open_port lists drivers.virtual),
so `serial_for_url("virtual://faults?telemetry_hz=2000")` opens a simulated pen like any
other port, and the link needs no branch for it. See drivers/virtual/url.py for the URL.

Each `Serial` object powers on its own pen when first opened; reopening the same object
reaches the same pen. The pen is `port.pen`, for tests and demos to drive.
Never imports Qt.
"""

from __future__ import annotations

from typing import Any

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from drivers.virtual import url
from drivers.virtual.inprocess import InProcessPort
from drivers.virtual.pen import VirtualPen


class Serial(SerialBase):  # type: ignore[misc]  # pyserial has no type hints
    """A pyserial port whose far end is a VirtualPen running on a thread in this process."""

    is_open: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.pen: VirtualPen | None = None
        self._pipe: InProcessPort | None = None
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        if self.is_open:
            raise SerialException("the virtual pen port is already open")
        if self._port is None:
            raise SerialException("give the virtual pen port a virtual:// URL before opening")
        if self.pen is None:
            scenario, config = url.parse(str(self._port))  # VirtualUrlError: words for the user
            self.pen = VirtualPen(config, scenario)
        self._pipe = InProcessPort(self.pen, timeout=self._timeout)
        self.is_open = True

    def close(self) -> None:
        pipe, self._pipe = self._pipe, None
        if pipe is not None:
            pipe.close()
        self.is_open = False

    def _reconfigure_port(self) -> None:
        """Line settings mean nothing to the virtual pen (as to CDC-ACM); only the timeout."""
        if self._pipe is not None:
            self._pipe.timeout = self._timeout

    def _opened(self) -> InProcessPort:
        if self._pipe is None:
            raise PortNotOpenError()
        return self._pipe

    @property
    def in_waiting(self) -> int:
        return self._opened().in_waiting

    def read(self, size: int = 1) -> bytes:
        return self._opened().read(size)

    def write(self, data: bytes, /) -> int:
        return self._opened().write(bytes(data))

    def reset_input_buffer(self) -> None:
        self._opened().discard_input()

    def reset_output_buffer(self) -> None:
        """Writes reach the pen on its next tick; nothing waits to be discarded."""

    def flush(self) -> None:
        """Writes reach the pen on its next tick; nothing to flush."""

    def _update_dtr_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return True
