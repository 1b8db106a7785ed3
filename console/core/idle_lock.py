"""Idle auto-lock (HIPAA §164.312(a)(2)(iii)): the screen locks after inactivity.

Qt-free: the window feeds it activity and polls it on a timer. Locking only covers the
screen; the link, its heartbeat and the recorder run on their own threads and never
look at this.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from console.core.accounts import Accounts, Role, User

DEFAULT_IDLE_LOCK_S = 15 * 60


class IdleLock:
    def __init__(
        self,
        timeout_s: float = DEFAULT_IDLE_LOCK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("the idle lock timeout must be positive (seconds)")
        self.timeout_s = timeout_s
        self._clock = clock
        self._last_activity = clock()
        self.user: User | None = None
        self.at_cart: User | None = None  # who last signed in or unlocked: at the screen now
        self.locked = False

    def sign_in(self, user: User) -> None:
        self.user = self.at_cart = user
        self.locked = False
        self._last_activity = self._clock()

    def sign_out(self) -> None:
        """Nobody is signed in; locked until someone signs in (`sign_in`)."""
        self.user = self.at_cart = None
        self.locked = True

    def operator(self) -> User | None:
        """Who answers for what is done at the screen now: nobody while it is locked (anyone
        may answer an alarm there), else whoever signed in or last unlocked it (a supervisor
        may unlock a practitioner's screen). Once the timeout has passed it is nobody, even
        before the screen's next poll locks it."""
        return None if self.locked or self.seconds_left() <= 0 else self.at_cart

    def activity(self) -> None:
        if not self.locked:
            self._last_activity = self._clock()

    def seconds_left(self) -> float:
        return max(0.0, self.timeout_s - (self._clock() - self._last_activity))

    def lock_now(self) -> bool:
        """Lock at once (the operator walks away); True when this call locked it."""
        if self.locked or self.user is None:
            return False
        self.locked = True
        return True

    def poll(self) -> bool:
        """Lock when the timeout has passed; True when this call locked it."""
        if self.locked or self.user is None or self.seconds_left() > 0:
            return False
        self.locked = True
        return True

    def unlock(self, accounts: Accounts, name: str, password: str) -> User | None:
        """The same user, or any supervisor, may unlock; returns who did, else None."""
        if self.user is None:
            return None
        if name.strip().lower() != self.user.name.lower():
            candidate = accounts.check_password(name, password)
            if candidate is None or candidate.role is not Role.SUPERVISOR:
                return None
        else:
            candidate = accounts.check_password(name, password)
            if candidate is None:
                return None
        self.locked = False
        self._last_activity = self._clock()
        self.at_cart = candidate
        return candidate
