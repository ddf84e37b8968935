"""Counting activity: every message and button press in a served chat, never its content."""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from bot.context import BuurtApplication, BuurtContext
from handlers.priority import ACTIVITY
from models import activity


async def count(update: Update, context: BuurtContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or user.is_bot:
        return
    if update.message is None and update.callback_query is None:
        return
    here = context.here
    served = here.neighbourhood_chat or here.group
    if served is not None:
        await activity.record(context.session, served, context.now)


def register(app: BuurtApplication) -> None:
    app.add_handler(TypeHandler(Update, count), group=ACTIVITY)
