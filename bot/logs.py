"""What a log line may say about a chat.

A group's id helps an operator find it; a private chat's id is the person's user id,
which the logs never hold (README, Operations).
"""

from __future__ import annotations


def chat_in_log(chat_id: int) -> str:
    """'chat -100…' for a group or channel, 'a private chat' for a person."""
    return "a private chat" if chat_id > 0 else f"chat {chat_id}"
