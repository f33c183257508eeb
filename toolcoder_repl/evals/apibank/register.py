"""Register the demo toolset ("bank", base URL `local:apibank`) on first run.

The OpenAPI document is generated in-process (no server needed) and goes through the normal
OpenAPI import. Registration happens once: a row in `demo_registrations` remembers it, so a
user who runs `toolcoder tools remove bank` does not get it back. Nothing here may stop the
program: any failure is logged (without details that could hold secrets) and ignored.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

log = logging.getLogger(__name__)

TOOLSET = "bank"
BASE_URL = "local:apibank"


def ensure_registered(catalog) -> None:
    """Cheap when the toolset exists (one query); never raises."""
    try:
        if catalog.toolset(TOOLSET) is not None:
            return
        db = getattr(catalog, "db", None)
        if db is not None and _marked(db):
            return  # registered before and removed by the user since
        from ...toolset.importer import import_spec_dict
        from .openapi import openapi_spec

        import_spec_dict(catalog, openapi_spec(), name=TOOLSET, base_url=BASE_URL, auth="none",
                         source="demo:apibank")
        if db is not None:
            db["demo_registrations"].upsert(
                {"name": TOOLSET, "registered_at": datetime.now(timezone.utc).isoformat()},
                pk="name")
    except Exception as exc:  # noqa: BLE001 - the demo must never break the program
        log.warning("demo toolset '%s' not registered (%s)", TOOLSET, type(exc).__name__)


def _marked(db) -> bool:
    if "demo_registrations" not in db.table_names():
        return False
    return bool(list(db["demo_registrations"].rows_where("name = ?", [TOOLSET], limit=1)))
