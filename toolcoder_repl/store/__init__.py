"""The SQLite database: one file in the home folder, WAL mode, written through sqlite-utils."""

from .db import Store, open_db

__all__ = ["Store", "open_db"]
