"""The audit log as people read it: each entry with the names and the time zone it needs.

An entry stores its target as "<kind> <id>", so that it survives the target's
deletion. Reading it looks the names up now; a name that is gone stays None.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models.entities import AuditEntry, Group, Neighbourhood, User
from models.oversight import recent

TITLED = {"group": Group, "neighbourhood": Neighbourhood}


@dataclass(frozen=True)
class Action:
    entry: AuditEntry
    actor: str | None  # the display name of whoever acted
    kind: str  # what was acted on: group, neighbourhood, request or user
    number: int | None
    name: str | None  # its title, or the person's display name
    neighbourhood: Neighbourhood | None  # where it happened: its title and time zone


async def _name(session: AsyncSession, kind: str, number: int | None) -> str | None:
    if number is None:
        return None
    if kind == "user":
        user = await session.get(User, number)
        return user.first_name if user else None
    entity = TITLED.get(kind)
    found = await session.get(entity, number) if entity else None
    return found.title if isinstance(found, Group | Neighbourhood) else None


async def actions(session: AsyncSession, n: int, ids: list[int] | None) -> list[Action]:
    """The latest n actions in these neighbourhoods (None: all), newest first."""
    found = []
    for entry in await recent(session, n, ids):
        kind, _, rest = entry.target.partition(" ")
        number = int(rest) if rest.isdigit() else None
        actor = await session.get(User, entry.actor_id)
        home = (
            await session.get(Neighbourhood, entry.neighbourhood_id)
            if entry.neighbourhood_id is not None
            else None
        )
        found.append(
            Action(
                entry=entry,
                actor=actor.first_name if actor else None,
                kind=kind,
                number=number,
                name=await _name(session, kind, number),
                neighbourhood=home,
            )
        )
    return found
