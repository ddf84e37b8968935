"""Telegram, through python-telegram-bot: the one package that may import `telegram`."""
