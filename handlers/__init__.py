"""Telegram-facing handlers, one module per feature, each with `register(app)`."""

from handlers import (
    activity,
    candidates,
    dissolve,
    fallback,
    invite,
    join_question,
    join_requests,
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
    join_requests,
    candidates,
    invite,
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
