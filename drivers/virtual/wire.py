"""The virtual pen's transmitter: seq numbering, a deliberately noisy wire, and the log.

Every frame the pen sends goes through here, so the log of what left (and whether it
left intact) is complete by construction. With `noise` > 0 that fraction of frames is
damaged (one bit flipped, caught by the CRC) or dropped, at random but reproducibly from
the seed. While `jammed`, every byte that would have gone out is replaced by noise with
no 0x00 in it, so the host sees bytes but no frame (a line fault). Not thread-safe on its
own: the pen calls it under its lock. Never imports Qt.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from drivers import codec
from drivers.messages import Info
from drivers.virtual.records import SENT_DTYPE, PenLogs, SentEvent


class PenWire:
    def __init__(self, seq0: int, noise: float, seed: int, keep_logs: bool) -> None:
        self.logs = PenLogs()
        self._seq = seq0
        self._noise = noise
        self._rng = np.random.default_rng([seed, 1])
        self._keep_logs = keep_logs
        self._out = bytearray()
        self.jammed = False

    def take(self) -> bytes:
        """The bytes sent since the last call."""
        out = bytes(self._out)
        self._out.clear()
        return out

    def _next_seq(self) -> int:
        seq = self._seq & 0xFFFF
        self._seq += 1
        return seq

    def _garbage(self, size: int) -> bytes:
        """Line noise: bytes 1..255, never a frame delimiter."""
        return self._rng.integers(1, 256, size, dtype=np.uint8).tobytes()

    def _put(self, frame: bytes) -> bool:
        """Queue one encoded frame, maybe damaged or lost on the way; True if intact."""
        if self.jammed:
            self._out += self._garbage(len(frame))
            return False
        if self._noise and self._rng.random() < self._noise:
            if self._rng.random() < 0.5:
                return False  # lost on the wire
            damaged = bytearray(frame)  # one bit flipped anywhere but the delimiter
            i = int(self._rng.integers(0, len(frame) - 1))
            damaged[i] ^= 1 << int(self._rng.integers(0, 8))
            self._out += damaged
            return False
        self._out += frame
        return True

    def info(self, info: Info) -> None:
        self._put(codec.encode_info(info, self._next_seq()))

    def ack(self, ack_seq: int, result: int, value: int) -> None:
        self._put(codec.encode_ack(self._next_seq(), ack_seq, result, value))

    def event(self, t_us: int, code: int, arg: int) -> None:
        seq = self._next_seq()
        intact = self._put(codec.encode_event(seq, t_us, code, arg))
        self.logs.events.append(SentEvent(seq, t_us, int(code), int(arg), intact))

    def telemetry(self, rows: npt.NDArray[np.void]) -> None:
        n = len(rows)
        first = self._seq
        self._seq += n
        if self.jammed:
            self._out += self._garbage(len(codec.encode_telemetry(rows, first & 0xFFFF)))
            intact = np.zeros(n, bool)
        elif not self._noise:
            self._out += codec.encode_telemetry(rows, first & 0xFFFF)
            intact = np.ones(n, bool)
        else:
            intact = np.array(
                [
                    self._put(codec.encode_telemetry(rows[i : i + 1], (first + i) & 0xFFFF))
                    for i in range(n)
                ],
                dtype=bool,
            )
        if self._keep_logs:
            log = np.zeros(n, SENT_DTYPE)
            log["row"] = rows
            log["seq"] = (first + np.arange(n)) & 0xFFFF
            log["intact"] = intact
            self.logs.telemetry.append(log)

    def sent_telemetry(self) -> npt.NDArray[np.void]:
        if not self.logs.telemetry:
            return np.zeros(0, SENT_DTYPE)
        merged = np.concatenate(self.logs.telemetry)
        self.logs.telemetry = [merged]
        return merged.copy()
