"""Telegram-facing handlers, one module per feature, each with `register(app)`."""

from handlers import (
    dissolve,
    fallback,
    linking,
    lists,
    membership,
    newgroup,
    requests,
    residents,
    setup,
    start,
)

#: Registration order matters within a handler group: the first matching handler wins.
MODULES = (
    residents,
    membership,
    start,
    setup,
    newgroup,
    linking,
    lists,
    dissolve,
    requests,
    fallback,
)

__all__ = ["MODULES"]
