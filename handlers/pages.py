"""Lists with buttons, shown a page at a time and turned by their own buttons.

A message with buttons is never split (its buttons are pressed with it), so a list
with buttons must fit one message; one page of it does, whatever the list grows to.
A page press says only which page: it turns only a message that shows that very
button, so a forged press cannot make a card or a question into a list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update

from bot.choices import Choices, GroupPage, Offer, RequestPage
from bot.context import BuurtContext
from handlers.buttons import chosen, no_longer_works, shows

#: A page as it is shown: its text and its buttons.
Listing = tuple[str, Choices | None]
#: The page of a chat's list, or None where the chat has no such list.
Lister = Callable[[BuurtContext, int, int], Awaitable[Listing | None]]
Callback = Callable[[Update, BuurtContext], Coroutine[Any, Any, None]]
#: The kind of choice that turns one list's pages.
Pages = type[RequestPage] | type[GroupPage]


def turners(kind: Pages, page: int, pages: int, back: str, forward: str) -> list[Offer]:
    """The buttons to the page before and after this one, where there are such pages."""
    row: list[Offer] = []
    if page > 0:
        row.append(Offer(back, kind(page - 1)))
    if page < pages - 1:
        row.append(Offer(forward, kind(page + 1)))
    return row


def page_turner(kind: Pages, lister: Lister) -> Callback:
    """The callback for a list's page buttons: the pressed message becomes that page."""

    async def page_pressed(update: Update, context: BuurtContext) -> None:
        found = chosen(update, kind)
        if found is None:
            no_longer_works(update, context)
            return
        query, choice = found
        message = query.message
        listing = (
            await lister(context, message.chat.id, choice.page)
            if message is not None and shows(query)
            else None
        )
        if message is None or listing is None:
            no_longer_works(update, context)
            return
        context.answer(update)
        text, markup = listing
        context.outbox.edit(message.chat.id, message.message_id, text, choices=markup)

    return page_pressed
