"""Give the C heap's free memory back to the system, so the console's RSS follows what it
really holds over a day at the cart.

The console is one long-lived process. The review window, exports and the recorder's
chunks allocate and free tens of megabytes at a time (numpy arrays, Qt items). With
glibc's defaults the threshold above which an allocation gets its own mmap grows each
time such a block is freed (up to 32 MB), so later large blocks come from the main heap,
and the heap's free holes stay in RSS: the 30-minute soak grew 18 MB while the memory in
use stayed flat (heap free 13.8 -> 18.5 MB in four minutes of reviews). Two remedies,
both glibc-only and a no-op elsewhere:

- `pin_mmap_threshold`: a fixed threshold (setting it turns the dynamic one off), so a
  large temporary block is mmapped and returned whole when freed;
- `release_free_heap`: `malloc_trim(0)`, which hands free pages inside the heap back.
  The GUI calls it once a minute from its collector timer (`console.gui.gc_timer`); it
  takes a few milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

M_MMAP_THRESHOLD = -3  # mallopt parameter numbers, from glibc's malloc.h
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018  (glibc only: musl and others have none)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def pin_mmap_threshold(nbytes: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Fix the size above which blocks are mmapped; False where glibc is not the libc."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_MMAP_THRESHOLD, nbytes))


def release_free_heap() -> bool:
    """Return the heap's free pages to the system; True if any were released."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))
