"""The rate limiter: never more than the limit in any second, and residents first."""

from __future__ import annotations

import asyncio
import bisect
import time
from typing import Any

from transports.telegram.pacing import Pacing, background


async def _call(pacing: Pacing, log: list[tuple[str, float]], name: str, *, behind: bool) -> None:
    async def callback() -> dict[str, Any]:
        log.append((name, time.monotonic()))
        return {}

    background.set(behind)  # this task only
    await pacing.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_no_second_holds_more_than_the_limit():
    pacing, log = Pacing(50, max_retries=0), []
    await asyncio.gather(*(_call(pacing, log, str(n), behind=n % 2 == 0) for n in range(90)))
    times = sorted(t for _, t in log)
    busiest = max(
        bisect.bisect_right(times, t) - bisect.bisect_right(times, t - 1.0) for t in times
    )
    assert busiest <= 50
    assert len(times) == 90
    assert times[-1] - times[0] < 90 / 50 * 1.1  # and it keeps up its pace


async def test_a_residents_message_goes_before_waiting_background_work():
    pacing, log = Pacing(20, max_retries=0), []
    nudges = [asyncio.create_task(_call(pacing, log, f"nudge {n}", behind=True)) for n in range(5)]
    await asyncio.sleep(0.06)  # the first nudge or two are out, the others wait
    await _call(pacing, log, "reply", behind=False)
    order = [name for name, _ in log]
    assert order.index("reply") <= 2, order  # behind the one being paced at most
    await asyncio.gather(*nudges)
    assert len(log) == 6
