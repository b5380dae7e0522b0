"""The failed-login throttle (analytics.throttle) and the client address the app counts."""

from __future__ import annotations

import types

import pytest

from analytics import settings, throttle


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_blocks_then_frees_one_attempt_at_a_time() -> None:
    clock = Clock()
    lim = throttle.SlidingWindowLimiter(limit=3, window_s=60, clock=clock)
    assert lim.record("k") is False  # t = 0
    clock.now += 5
    assert lim.record("k") is False  # t = 5
    assert lim.wait_seconds("k") == 0
    clock.now += 5
    assert lim.record("k")  # t = 10: third failure within 60 s, blocked
    assert lim.wait_seconds("k") == pytest.approx(50)  # until the first one leaves
    clock.now += 50
    assert lim.wait_seconds("k") == 0  # t = 60: one attempt freed...
    assert lim.record("k")  # ...and used: blocked again until the second one leaves
    assert lim.wait_seconds("k") == pytest.approx(5)
    assert lim.wait_seconds("otra") == 0
    lim.reset("k")
    assert lim.wait_seconds("k") == 0


def test_memory_is_bounded_by_max_keys() -> None:
    clock = Clock()
    lim = throttle.SlidingWindowLimiter(limit=2, window_s=60, max_keys=100, clock=clock)
    for i in range(10_000):
        lim.record(f"usuario{i}")
    assert len(lim) == 100
    clock.now += 61
    lim.record("nuevo")
    assert lim.wait_seconds("usuario9999") == 0


def test_login_throttle_per_account_and_per_client() -> None:
    clock = Clock()
    guard = throttle.LoginThrottle(
        accounts=throttle.SlidingWindowLimiter(limit=3, window_s=300, clock=clock),
        clients=throttle.SlidingWindowLimiter(limit=5, window_s=300, clock=clock))
    for _ in range(3):
        guard.failure(" Ana ", "10.0.0.1")
    assert guard.wait_seconds("ana", "10.0.0.2") > 0  # the account, from any client
    assert guard.wait_seconds("jefa", "10.0.0.1") == 0
    assert guard.failure("jefa", "10.0.0.1") is False
    assert guard.failure("otro", "10.0.0.1") is True  # 5th failure of this client
    assert guard.wait_seconds("nadie", "10.0.0.1") > 0  # spraying names does not help
    guard.success("jefa")  # a success clears the account, not the client
    assert guard.wait_seconds("jefa", "10.0.0.1") > 0
    assert guard.wait_seconds("jefa", "10.0.0.9") == 0


def test_defaults_are_far_below_the_measured_attack_rate() -> None:
    """~120 guesses a minute got through: now at most LOGIN_MAX_FAILURES_ACCOUNT per window."""
    guard = throttle.LoginThrottle()
    allowed = 0
    for _ in range(120):
        if guard.wait_seconds("ana", "10.0.0.1") == 0:
            allowed += 1
            guard.failure("ana", "10.0.0.1")
    assert allowed == settings.LOGIN_MAX_FAILURES_ACCOUNT
    assert settings.LOGIN_WINDOW_S >= 60


def test_account_key_is_normalised_and_bounded() -> None:
    assert throttle.account_key("  JEFA ") == "jefa"
    assert len(throttle.account_key("x" * 5_000_000)) == settings.MAX_NAME_CHARS


@pytest.mark.parametrize(("ip", "headers", "expected"), [
    ("190.40.1.2", {"X-Forwarded-For": "1.1.1.1"}, "190.40.1.2"),
    (None, {"X-Real-IP": "190.40.1.2", "X-Forwarded-For": "6.6.6.6, 190.40.1.2"}, "190.40.1.2"),
    (None, {"X-Forwarded-For": "6.6.6.6, 190.40.1.3"}, "190.40.1.3"),
    (None, {}, "local"),
], ids=["remote-peer-ignores-headers", "proxy-real-ip", "proxy-last-forwarded", "local"])
def test_client_address(monkeypatch: pytest.MonkeyPatch, ip: str | None,
                        headers: dict[str, str], expected: str) -> None:
    import streamlit as st

    from ui import login

    monkeypatch.setattr(st, "context", types.SimpleNamespace(ip_address=ip, headers=headers))
    assert login.client_address() == expected
