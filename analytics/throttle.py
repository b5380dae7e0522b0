"""Failed-login throttle: sliding windows per account and per client, shared by a process.

A per-browser-session counter is reset by a reload, so it stops nobody. The
app keeps one :class:`LoginThrottle` for the whole server process (every
session of every user) and asks it before checking a password:

* **per account** (the normalised user name, known or not, so the answer
  does not reveal which accounts exist): at most
  ``settings.LOGIN_MAX_FAILURES_ACCOUNT`` failures in
  ``settings.LOGIN_WINDOW_S`` seconds;
* **per client** (the client address): at most
  ``settings.LOGIN_MAX_FAILURES_CLIENT`` failures in the same window, so one
  client cannot spray guesses over many names. A success does not clear it
  (else an attacker with one valid account could reset it between guesses).

While a key is over its limit, attempts are refused without checking the
password (no bcrypt work, no store access). The window slides: the oldest
failure leaving the window frees one attempt.

The state lives in memory, on purpose: one Streamlit process serves every
session, restarts are rare and in the administrator's hands, and keeping it in
the store would add a write to the store on every failed guess (the very path
an attacker controls) and make logins contend with imports for the store's
write lock. Failed logins are still audited in the store. With several app
processes behind a load balancer each process has its own throttle: put the
limit in the proxy too (``docs/DEPLOYMENT.md``).

Memory is bounded: at most ``max_keys`` keys per window (the least recently
failed ones are forgotten first) and ``limit`` timestamps per key.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from analytics import settings
from analytics._text import clip_name


class SlidingWindowLimiter:
    """At most ``limit`` events per key in any ``window_s`` seconds (thread-safe).

    Parameters
    ----------
    limit
        Events allowed in one window.
    window_s
        Window length, seconds.
    max_keys
        Keys kept at most; the least recently used are dropped beyond it.
    clock
        Monotonic clock in seconds (passed in for tests).
    """

    def __init__(self, *, limit: int, window_s: float, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_s <= 0 or max_keys < 1:
            msg = "limit, window_s y max_keys deben ser positivos."
            raise ValueError(msg)
        self.limit = int(limit)
        self.window_s = float(window_s)
        self.max_keys = int(max_keys)
        self._clock = clock
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events

    def wait_seconds(self, key: str) -> float:
        """Seconds until ``key`` may try again (0: it may try now)."""
        with self._lock:
            now = self._clock()
            events = self._prune(key, now)
            if events is None or len(events) < self.limit:
                return 0.0
            return max(0.0, events[-self.limit] + self.window_s - now)

    def record(self, key: str) -> bool:
        """Count one event for ``key``; whether ``key`` is now over its limit."""
        with self._lock:
            now = self._clock()
            events = self._prune(key, now)
            if events is None:
                events = self._events[key] = deque(maxlen=self.limit)
            events.append(now)
            self._events.move_to_end(key)
            while len(self._events) > self.max_keys:
                self._events.popitem(last=False)
            return len(events) >= self.limit

    def reset(self, key: str) -> None:
        """Forget ``key``'s events."""
        with self._lock:
            self._events.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)


def account_key(username: object) -> str:
    """The throttle key of a typed user name: trimmed, lower-case, bounded."""
    return clip_name(str(username or "").strip().lower())


def _limiter(limit: int) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(limit=limit, window_s=settings.LOGIN_WINDOW_S)


@dataclass
class LoginThrottle:
    """The process-wide failed-login throttle (see the module notes)."""

    accounts: SlidingWindowLimiter = field(
        default_factory=lambda: _limiter(settings.LOGIN_MAX_FAILURES_ACCOUNT))
    clients: SlidingWindowLimiter = field(
        default_factory=lambda: _limiter(settings.LOGIN_MAX_FAILURES_CLIENT))

    def wait_seconds(self, username: object, client: str) -> float:
        """Seconds before this user name may be tried from this client (0: now)."""
        return max(self.accounts.wait_seconds(account_key(username)),
                   self.clients.wait_seconds(clip_name(client)))

    def failure(self, username: object, client: str) -> bool:
        """Record a failed login; whether the account or the client is now blocked."""
        by_account = self.accounts.record(account_key(username))
        by_client = self.clients.record(clip_name(client))
        return by_account or by_client

    def success(self, username: object) -> None:
        """A right password: the account's failures are forgotten (the client's are not)."""
        self.accounts.reset(account_key(username))
