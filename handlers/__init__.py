"""Telegram-facing handlers, one module per feature, each with `register(app)`."""

from handlers import (
    activity,
    dissolve,
    fallback,
    join_question,
    linking,
    lists,
    membership,
    moderation,
    newgroup,
    nudges,
    oversight,
    report,
    requests,
    residents,
    settings,
    setup,
    start,
    throttle,
)

#: Registration order matters within a handler group: the first matching handler wins.
MODULES = (
    throttle,
    residents,
    activity,
    membership,
    start,
    setup,
    newgroup,
    linking,
    lists,
    dissolve,
    requests,
    nudges,
    oversight,
    settings,
    moderation,
    report,
    join_question,
    fallback,
)

__all__ = ["MODULES"]
