"""The shell's timer: chores wait for the start, repeat after they end, and survive failures."""

from __future__ import annotations

import asyncio

from bot.timer import Timer


async def test_chores_asked_before_the_start_wait_for_it() -> None:
    timer, ran = Timer(), asyncio.Event()

    async def chore() -> None:
        ran.set()

    timer.once(0, chore, "early")
    await asyncio.sleep(0.05)
    assert not ran.is_set() and timer.names() == ["early"]
    timer.start()
    await asyncio.wait_for(ran.wait(), 1)
    await asyncio.sleep(0)
    assert timer.names() == []  # a one-off is gone once it ran
    await timer.stop()


async def test_a_failing_round_comes_again_and_a_cancelled_one_does_not() -> None:
    timer, runs, third = Timer(), list[int](), asyncio.Event()

    async def round_() -> None:
        runs.append(len(runs))
        if len(runs) == 3:
            third.set()
        if len(runs) == 1:
            raise RuntimeError("the database is away")

    timer.start()
    timer.every(0.01, round_, "round", first=0)
    await asyncio.wait_for(third.wait(), 2)
    timer.cancel("round")
    await asyncio.sleep(0.05)
    done = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == done and timer.names() == []
    await timer.stop()


async def test_stop_cancels_what_waits() -> None:
    timer, ran = Timer(), list[int]()

    async def chore() -> None:
        ran.append(1)

    timer.start()
    timer.once(10, chore, "later")
    await timer.stop()
    assert ran == [] and timer.names() == []
