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


def test_braking_tells_ahead_what_check_will_do_and_counts_nothing():
    brake = Throttle(limit=2, window=60)
    assert not brake.braking(1, update_id=10, now=0)
    assert brake.allow(1, 0) and brake.allow(1, 1)
    assert brake.braking(1, update_id=11, now=2)
    assert brake.braking(1, update_id=11, now=2)  # asking again counts nothing
    assert not brake.braking(2, update_id=12, now=2)  # others go on
    assert not brake.braking(1, update_id=13, now=61.5)  # the first left the window
