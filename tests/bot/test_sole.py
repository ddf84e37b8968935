"""The one-worker lock, where a running bot cannot show it: the database out of reach."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.sole import SoleWorker

NOWHERE = "postgresql+asyncpg://nobody@127.0.0.1:9/none"


async def test_at_start_a_database_out_of_reach_is_reported():
    lock = SoleWorker(NOWHERE)
    with pytest.raises(ConnectionRefusedError):
        await lock.acquire()
    await lock.release()


async def test_after_a_lost_lock_an_outage_is_waited_out_and_told_once(
    caplog: pytest.LogCaptureFixture,
):
    lock = SoleWorker(NOWHERE, poll=0.05)
    with caplog.at_level(logging.WARNING, logger="bot.sole"), pytest.raises(TimeoutError):
        await asyncio.wait_for(lock.acquire(patient=True), 1)  # some twenty tries
    await lock.release()
    told = [r.getMessage() for r in caplog.records if r.name == "bot.sole"]
    assert told == ["the database cannot be reached (ConnectionRefusedError); waiting to take over"]
