"""What a delivered row means, recorded in the transaction that settles the row.

A flow names it when it queues a message: `outbox.send(..., receipt=CardShown(request.id))`.
The row keeps it in two columns, `remember` (the kind's name) and `remember_id`, so rows
written before receipts had classes settle the same way. The courier knows only this
base: the kinds that know the domain live with the flows (handlers/receipts.py), and the
app factory gives them to the courier as a `Receipts`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.outbox import Outbox
from models.entities import OutboxMessage

log = logging.getLogger(__name__)


@dataclass
class Settling:
    """What a receipt is given: the transaction that deletes its row, the time, the words,
    and an outbox for what follows from it (queued in the same transaction)."""

    session: AsyncSession
    now: datetime
    translator: Translator
    outbox: Outbox = field(default_factory=Outbox)


@dataclass(frozen=True)
class Receipt:
    """One kind of thing a message stands for, by the id of what it shows."""

    #: Stored in the row's `remember` column: never rename one that rows may still hold.
    name: ClassVar[str]
    id: int

    async def sent(self, settling: Settling, message_id: int | None) -> None:
        """It is out; `message_id` is None when it may be out but nobody can say."""

    async def made(self, settling: Settling, link: str) -> None:
        """It made an invite link."""

    async def refused(self, settling: Settling) -> None:
        """The messenger refused it for good."""


class Receipts:
    """The receipt kinds the courier can settle, by their stored names."""

    def __init__(self, kinds: Iterable[type[Receipt]], translator: Translator) -> None:
        self._translator = translator
        self._kinds: dict[str, type[Receipt]] = {}
        for kind in kinds:
            if kind.name in self._kinds:
                raise ValueError(f"two receipt kinds are called {kind.name!r}")
            self._kinds[kind.name] = kind

    def of(self, row: OutboxMessage) -> Receipt | None:
        """The row's receipt, rebuilt from its two columns."""
        if row.remember is None or row.remember_id is None:
            return None
        kind = self._kinds.get(row.remember)
        if kind is None:
            log.warning("outbox row %s has an unknown receipt %r", row.id, row.remember)
            return None
        return kind(row.remember_id)

    def settling(self, session: AsyncSession, now: datetime) -> Settling:
        return Settling(session, now, self._translator)
