"""Help requests: asks and offers, and the one path each takes to done.

open → claimed → done, or cancelled. Every change is a conditional UPDATE on
the state it expects, so of twenty neighbours pressing "I'll do it" at once,
exactly one becomes the claimer, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from models.base import page_of
from models.entities import Request, RequestKind, RequestState, User
from models.people import is_person

TEXT_MAX = 500
BENEFICIARY_MAX = 64
LIVE = (RequestState.OPEN, RequestState.CLAIMED)


class RequestError(Exception):
    """A change that cannot be made; `code` says why, for the reply."""

    def __init__(self, code: str, request: Request | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.request = request


@dataclass(frozen=True)
class Draft:
    kind: RequestKind
    text: str
    on_behalf_of: str | None = None
    due: date | None = None


async def open_count(session: AsyncSession, asker_id: int, chat_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Request)
            .where(
                Request.asker_id == asker_id,
                Request.chat_id == chat_id,
                Request.state.in_(LIVE),
            )
        )
        or 0
    )


async def post(
    session: AsyncSession,
    draft: Draft,
    *,
    asker_id: int,
    chat_id: int,
    neighbourhood_id: int,
    group_id: int | None,
    limit: int,
    now: datetime,
) -> Request:
    if not draft.text or len(draft.text) > TEXT_MAX:
        raise RequestError("text")
    if draft.on_behalf_of is not None and len(draft.on_behalf_of) > BENEFICIARY_MAX:
        raise RequestError("beneficiary")
    if await open_count(session, asker_id, chat_id) >= limit:
        raise RequestError("limit")
    request = Request(
        kind=draft.kind,
        text=draft.text,
        on_behalf_of=draft.on_behalf_of,
        due=draft.due,
        asker_id=asker_id,
        chat_id=chat_id,
        neighbourhood_id=neighbourhood_id,
        group_id=group_id,
        created_at=now,
    )
    session.add(request)
    await session.flush()
    return await load(session, request.id)


async def load(session: AsyncSession, request_id: int) -> Request:
    """A request with its people, fresh from the database."""
    request = await session.scalar(
        select(Request)
        .where(Request.id == request_id)
        # One statement: a single request's two people come joined, not as two more lookups.
        .options(joinedload(Request.asker), joinedload(Request.claimer))
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise RequestError("unknown")
    return request


async def _move(
    session: AsyncSession, request_id: int, expected: RequestState, **values: object
) -> bool:
    result = await session.execute(
        update(Request)
        .where(Request.id == request_id, Request.state == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim(session: AsyncSession, request_id: int, user_id: int, *, now: datetime) -> Request:
    request = await load(session, request_id)
    if not is_person(user_id):
        raise RequestError("anonymous", request)
    if request.asker_id == user_id:
        raise RequestError("own", request)
    moved = await _move(
        session,
        request_id,
        RequestState.OPEN,
        state=RequestState.CLAIMED,
        claimer_id=user_id,
        claimed_at=now,
    )
    request = await load(session, request_id)
    if not moved:
        raise RequestError("taken" if request.state == RequestState.CLAIMED else "stale", request)
    return request


async def release(session: AsyncSession, request_id: int, user_id: int) -> Request:
    request = await load(session, request_id)
    if request.state != RequestState.CLAIMED:
        raise RequestError("stale", request)
    if request.claimer_id != user_id:
        raise RequestError("not_claimer", request)
    if not await _move(
        session,
        request_id,
        RequestState.CLAIMED,
        state=RequestState.OPEN,
        claimer_id=None,
        claimed_at=None,
    ):
        raise RequestError("stale", request)
    return await load(session, request_id)


async def finish(session: AsyncSession, request_id: int, user_id: int, *, now: datetime) -> Request:
    """Done, said by the claimer or the asker."""
    request = await load(session, request_id)
    if request.state != RequestState.CLAIMED:
        raise RequestError("stale", request)
    if user_id not in (request.claimer_id, request.asker_id):
        raise RequestError("not_involved", request)
    if not await _move(
        session,
        request_id,
        RequestState.CLAIMED,
        state=RequestState.DONE,
        closed_at=now,
        closed_by=user_id,
    ):
        raise RequestError("stale", request)
    return await load(session, request_id)


async def cancel(
    session: AsyncSession,
    request_id: int,
    user_id: int,
    *,
    moderator: bool = False,
    reason: str | None = None,
    now: datetime,
) -> Request:
    """By the asker; or by a moderator (coordinator, facilitator), who gives a reason."""
    request = await load(session, request_id)
    if request.state not in LIVE:
        raise RequestError("stale", request)
    if request.asker_id != user_id and not moderator:
        raise RequestError("not_asker", request)
    values: dict[str, object] = {
        "state": RequestState.CANCELLED,
        "closed_at": now,
        "closed_by": user_id,
        "cancel_reason": reason[:255] if reason else None,
    }
    if not await _move(session, request_id, RequestState(request.state), **values):
        raise RequestError("stale", request)
    return await load(session, request_id)


async def set_card(session: AsyncSession, request_id: int, message_id: int) -> None:
    await session.execute(
        update(Request).where(Request.id == request_id).values(card_message_id=message_id)
    )


async def live_in_chat(session: AsyncSession, chat_id: int, page: int) -> tuple[list[Request], int]:
    """One page of a chat's open and claimed requests, newest first, and the page count."""
    return await page_of(
        session,
        select(Request)
        .where(Request.chat_id == chat_id, Request.state.in_(LIVE))
        .order_by(Request.created_at.desc(), Request.id.desc())
        .options(selectinload(Request.asker), selectinload(Request.claimer)),
        page,
    )


@dataclass(frozen=True)
class Mine:
    asks: list[Request]
    claims: list[Request]
    helped_this_month: list[Request]


async def mine(session: AsyncSession, user_id: int, now: datetime) -> Mine:
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    people = (selectinload(Request.asker), selectinload(Request.claimer))
    asks = await session.scalars(
        select(Request)
        .where(Request.asker_id == user_id, Request.state.in_(LIVE))
        .order_by(Request.created_at.desc())
        .options(*people)
    )
    claims = await session.scalars(
        select(Request)
        .where(Request.claimer_id == user_id, Request.state == RequestState.CLAIMED)
        .order_by(Request.claimed_at.desc())
        .options(*people)
    )
    helped = await session.scalars(
        select(Request)
        .where(
            # The helper of an ask, but the giver of an offer: its taker was helped.
            ((Request.kind == RequestKind.ASK) & (Request.claimer_id == user_id))
            | ((Request.kind == RequestKind.OFFER) & (Request.asker_id == user_id)),
            Request.state == RequestState.DONE,
            Request.closed_at >= month_start,
        )
        .order_by(Request.closed_at.desc())
        .options(*people)
    )
    return Mine(list(asks), list(claims), list(helped))


async def close_with_group(session: AsyncSession, group_id: int, now: datetime) -> list[Request]:
    """A group ends: what was still open or being helped with in it ends with it, by no one."""
    found = list(
        await session.scalars(
            select(Request)
            .where(Request.group_id == group_id, Request.state.in_(LIVE))
            .order_by(Request.id)
            .options(selectinload(Request.asker), selectinload(Request.claimer))
        )
    )
    for request in found:
        request.state, request.closed_at = RequestState.CANCELLED, now
        request.closed_by, request.cancel_reason = None, None
    return found


def ended_with_its_group(request: Request) -> bool:
    """Cancelled by no one: its group ended (people who cancel are recorded)."""
    return (
        request.state == RequestState.CANCELLED
        and request.closed_by is None
        and request.group_id is not None
    )


async def asked_in_group(session: AsyncSession, group_id: int) -> int:
    """Every request a group saw, whatever became of it."""
    count = await session.scalar(
        select(func.count()).select_from(Request).where(Request.group_id == group_id)
    )
    return count or 0


async def done_in_group(session: AsyncSession, group_id: int) -> tuple[int, list[str]]:
    """How many requests a group completed, and its helpers' first names (for the goodbye)."""
    count = (
        await session.scalar(
            select(func.count())
            .select_from(Request)
            .where(Request.group_id == group_id, Request.state == RequestState.DONE)
        )
        or 0
    )
    names = await session.scalars(
        select(User.first_name)
        .join(Request, Request.claimer_id == User.id)
        .where(Request.group_id == group_id, Request.state == RequestState.DONE)
        .group_by(User.id, User.first_name)
        .order_by(func.min(Request.closed_at))
    )
    return count, list(names)


async def follow_migration(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup: its requests, and their cards, live there now."""
    result = await session.execute(
        update(Request).where(Request.chat_id == old_chat_id).values(chat_id=new_chat_id)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
