"""Model protocol and backends."""

from .base import Message, Model, Usage, complete
from .spec import FIRST_RUN_HELP, load_model

__all__ = ["FIRST_RUN_HELP", "Message", "Model", "Usage", "complete", "load_model"]
