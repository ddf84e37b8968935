"""The per-person brake, with a controlled clock."""

from __future__ import annotations

from handlers.throttle import Throttle


def test_twenty_a_minute_then_one_notice_then_forgiven():
    brake = Throttle()
    assert all(brake.allow(1, t) for t in range(20))
    assert not brake.allow(1, 20)
    assert brake.first_refusal(1) and not brake.first_refusal(1)
    assert brake.allow(2, 20)  # others are not slowed down
    assert brake.allow(1, 61) and brake.allow(1, 61.5)  # two of the twenty left the window
    assert not brake.allow(1, 61.6)
    assert all(brake.allow(1, 200 + t) for t in range(20))  # a quiet minute forgives all
    assert not brake.allow(1, 220) and brake.first_refusal(1)
