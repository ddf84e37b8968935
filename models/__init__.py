"""The domain: entities and the operations on them. No Telegram imports here."""

from models.base import Base
from models.entities import Neighbourhood, Resident, User

__all__ = ["Base", "Neighbourhood", "Resident", "User"]
