"""What a worker thread can reach: used to prove that no worker thread holds a Qt object.

A Qt object whose last reference dies on a worker thread is finalised there, which can
deadlock against the GUI thread (issue 15). style.md's rule is stronger than "never
touch": a worker thread must not even hold a reference, in a closure or a bound method.
This walks everything reachable from each worker thread's stack frames and target, the
way the cyclic collector would see it, and names the path to any Qt object found.
"""

from __future__ import annotations

import gc
import sys
import threading
import types
from typing import Any

_OPAQUE = (type, types.ModuleType, types.CodeType, types.FrameType, str, bytes, int, float)


def _is_qt(obj: object) -> bool:
    module = getattr(type(obj), "__module__", "") or ""
    return module.startswith(("PySide6", "shiboken6"))


def qt_paths(thread: threading.Thread, limit: int = 300_000) -> list[str]:
    """Paths (type names, root first) from `thread` to each Qt object it can reach."""
    skip = {id(vars(m)) for m in list(sys.modules.values()) if m is not None}
    roots: list[tuple[object, str]] = []
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        name = f"{frame.f_code.co_name}()"
        roots += [(v, f"{name}.{k}") for k, v in frame.f_locals.items()]
        frame = frame.f_back
    for attr in ("_target", "_args", "_kwargs"):
        roots.append((getattr(thread, attr, None), f"thread.{attr}"))
    seen: set[int] = set()
    found: list[str] = []
    todo: list[tuple[Any, str]] = roots
    while todo and len(seen) < limit:
        obj, path = todo.pop()
        if id(obj) in seen or id(obj) in skip or isinstance(obj, _OPAQUE) or obj is None:
            continue
        seen.add(id(obj))
        if _is_qt(obj):
            found.append(f"{path} -> {type(obj).__name__}")
            continue
        if isinstance(obj, threading.Thread) and obj is not thread:
            continue  # another thread is checked on its own
        for ref in gc.get_referents(obj):
            todo.append((ref, f"{path} -> {type(ref).__name__}"))
    return found


def worker_threads() -> list[threading.Thread]:
    """The app's threads: not the main thread, nor pytest-timeout's watchdog."""
    return [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and t.is_alive() and "pytest_timeout" not in t.name
    ]
