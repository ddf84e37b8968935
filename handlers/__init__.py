"""Telegram-facing handlers, one module per feature, each with `register(app)`."""

from handlers import residents, setup, start

#: Registration order matters: residents tracking runs in its own group first.
MODULES = (residents, start, setup)

__all__ = ["MODULES"]
