"""The other logs cadres keep: policy consultations, disputes mediated, residents' concerns."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from villageagent.domain.calendar import parse_date
from villageagent.domain.errand import LOG_TYPES
from villageagent.domain.errors import ValidationError, VillageError
from villageagent.services import clock
from villageagent.services.base import Stamper, transaction
from villageagent.storage import queries
from villageagent.storage.events import Changes
from sync.events import new_id

MAX_SUMMARY = 500


def add_log(db: Database, *, type_: str, summary: str, outcome: str = "", date: str | None = None,
            resident_id: str | None = None) -> tuple[str, Changes]:
    if type_ not in LOG_TYPES:
        raise ValidationError("log_type", field="type", type=type_)
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError("text_too_long", field="summary", limit=MAX_SUMMARY)
    if len(summary) > MAX_SUMMARY or len(outcome or "") > MAX_SUMMARY:
        raise ValidationError("text_too_long", field="summary", limit=MAX_SUMMARY)
    day = parse_date(date) if date else clock.today()
    if resident_id and queries.get_resident(db, resident_id) is None:
        raise VillageError("resident_unknown")
    log_id = new_id()
    data: dict[str, Any] = {"type": type_, "summary": summary, "outcome": (outcome or "").strip(),
                            "date": day.isoformat(), "resident_id": resident_id}
    with transaction(db):
        stamper = Stamper(db)
        stamper.event("log", log_id, "create", data)
        changes = stamper.commit()
    return log_id, changes
