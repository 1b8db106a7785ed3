"""Wrapping counters of the pen link: the frame seq (u16) and the u32 clocks.

Both trackers work on whole numpy arrays at once (the decoder's hot path) and keep
their state across calls, so a stream fed in any chunks gives the same answers.

Seq rule (documented in drivers/codec.py too). Every frame that passed COBS, length and
CRC counts, whatever its type: a frame of a type the console ignores was received, not
lost. Each seq is compared with the highest seq seen so far, H, as a signed distance
d = seq - H in [-32768, 32767] (mod 2^16):

- d >= 1: a new frame; the d - 1 frames between H and it are lost (one gap if d >= 2);
  H becomes seq.
- -SEQ_LATE_WINDOW <= d <= 0: a duplicate (d = 0) or a late, reordered frame. It is
  delivered, counts no loss, and H stays, so the frames after it are not miscounted.
- d < -SEQ_LATE_WINDOW: the pen's counter went back (a reboot): no loss is counted and
  H becomes seq, so tracking resumes at once instead of waiting ~32k frames.

A forward jump of up to 32767 cannot be told from loss and counts as loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SEQ_LATE_WINDOW = 64  # how far behind H a frame may be and still count as late, not restart

_U32 = 0xFFFFFFFF
_FEW = 16  # up to this many values, plain Python beats numpy's per-call cost


def _signed16(x: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return ((x + 0x8000) & 0xFFFF) - 0x8000  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class SeqGaps:
    """The gaps found by a scan: index of the frame after each gap, frames lost before
    it, and H (the highest seq before it)."""

    index: npt.NDArray[np.intp]
    lost: npt.NDArray[np.int64]
    high_before: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.index)


_NO_GAPS = SeqGaps(np.zeros(0, np.intp), np.zeros(0, np.int64), np.zeros(0, np.int64))


class SeqTracker:
    """Applies the seq rule to arrays of seqs, carrying H and the last seq across calls."""

    def __init__(self) -> None:
        self._high: int | None = None  # highest seq so far (H)
        self._last = 0  # seq of the last frame (differs from H after a late frame)

    def reset(self) -> None:
        """Forget H: the next frame starts tracking afresh (after a reconnect)."""
        self._high = None

    def see(self, seq: int) -> tuple[int, int]:
        """The rule for one frame: (frames lost just before it, H before it)."""
        high = self._high
        if high is None:
            self._high = self._last = seq
            return 0, seq
        d = ((seq - high + 0x8000) & 0xFFFF) - 0x8000
        self._last = seq
        if d >= 1:
            self._high = seq
            return d - 1, high
        if d < -SEQ_LATE_WINDOW:
            self._high = seq
        return 0, high

    def scan(self, seqs: npt.NDArray[np.uint16]) -> SeqGaps:
        """The rule for many frames at once, in order: where frames were lost."""
        n = len(seqs)
        if n == 0:
            return _NO_GAPS
        high = self._high
        in_step = high is not None and high == self._last and (int(seqs[0]) - high) & 0xFFFF == 1
        # u16 subtraction wraps by itself
        if in_step and (n == 1 or bool(np.all((seqs[1:] - seqs[:-1]) == 1))):
            self._high = self._last = int(seqs[-1])  # the common case: nothing lost
            return _NO_GAPS
        s = seqs.astype(np.int64)
        lost = np.zeros(n, np.int64)
        high_before = np.empty(n, np.int64)
        start = 0
        while start < n:
            start = self._scan_until_special(s, start, lost, high_before)
        index = np.flatnonzero(lost)
        return SeqGaps(index, lost[index], high_before[index])

    def _scan_until_special(
        self,
        s: npt.NDArray[np.int64],
        start: int,
        lost: npt.NDArray[np.int64],
        high_before: npt.NDArray[np.int64],
    ) -> int:
        """Scan s[start:] in bulk up to the first frame that needs the rule frame by frame
        (a restart, or a distance to H beyond ±32767 on the unwrapped axis), apply `see`
        to that one, and return where to resume."""
        if self._high is None:
            lost[start], high_before[start] = self.see(int(s[start]))
            return start + 1
        seg = s[start:]
        base = self._last
        # Positions relative to the last frame, unwrapped by successive signed steps; the
        # running maximum is then H before each frame, as long as every distance to it
        # stays within ±32767 (then it equals the rule's distance mod 2^16).
        steps = np.empty_like(seg)
        steps[0] = seg[0] - base
        np.subtract(seg[1:], seg[:-1], out=steps[1:])
        pos = np.cumsum(_signed16(steps))
        running = np.empty(len(seg) + 1, np.int64)
        running[0] = ((self._high - base + 0x8000) & 0xFFFF) - 0x8000
        np.maximum.accumulate(np.maximum(pos, running[0]), out=running[1:])
        d = pos - running[:-1]
        special = np.flatnonzero((d < -SEQ_LATE_WINDOW) | (d > 0x7FFF))
        end = len(seg) if not special.size else int(special[0])
        lost[start : start + end] = np.where(d[:end] >= 1, d[:end] - 1, 0)
        high_before[start : start + end] = (running[:end] + base) & 0xFFFF
        self._high = int((running[end] + base) & 0xFFFF)
        if end == len(seg):
            self._last = int(seg[-1])
            return len(s)
        if end:
            self._last = int(seg[end - 1])
        lost[start + end], high_before[start + end] = self.see(int(seg[end]))
        return start + end + 1


class Unwrapper:
    """Unwraps a u32 counter (pen clock, stroke count) into monotonic int64 across wraps.

    The first value is taken as is: a session may start anywhere on the counter. Each
    later value is the previous one plus the forward distance mod 2^32.
    """

    def __init__(self) -> None:
        self.last_raw: int | None = None
        self.last = 0  # unwrapped value of last_raw (0 before any value)

    def unwrap(self, raw: npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
        if len(raw) > _FEW:
            column: npt.NDArray[np.int64] = unwrap_columns(raw[:, None], [self])[0]
            return column
        return np.array(self.unwrap_ints(raw.tolist()), np.int64)

    def unwrap_ints(self, raw: list[int]) -> list[int]:
        """The same rule in plain Python: cheaper than numpy for a few values."""
        out: list[int] = []
        last_raw, last = self.last_raw, self.last
        for value in raw:
            last = value if last_raw is None else last + ((value - last_raw) & _U32)
            last_raw = value
            out.append(last)
        self.last_raw, self.last = last_raw, last
        return out

    @staticmethod
    def place_near(raw: int, ref_raw: int | None, ref: int) -> int:
        """Place one u32 value (an event's clock) on the unwrapped axis near a reference:
        within ±2^31 of it, so an event a little before the last sample stays before it."""
        if ref_raw is None:
            return raw
        delta = (raw - ref_raw) & _U32
        if delta >= 0x80000000:
            delta -= 0x100000000
        return ref + delta


def unwrap_columns(
    raw: npt.NDArray[np.integer], unwrappers: list[Unwrapper]
) -> npt.NDArray[np.int64]:
    """Unwrap the columns of an (n, k) u32 array at once, column j by unwrappers[j].
    Returns (k, n): each unwrapped counter contiguous."""
    n, k = raw.shape
    out = np.empty((k, n), np.int64)
    if n == 0:
        return out
    for j, u in enumerate(unwrappers):
        first = int(raw[0, j])
        out[j, 0] = first if u.last_raw is None else u.last + ((first - u.last_raw) & _U32)
        u.last_raw = int(raw[-1, j])
    # u32 subtraction wraps by itself: the forward distance between neighbours.
    np.subtract(raw[1:], raw[:-1], out=out.T[1:], dtype=np.uint32, casting="unsafe")
    np.cumsum(out, axis=1, out=out)
    for j, u in enumerate(unwrappers):
        u.last = int(out[j, -1])
    return out
