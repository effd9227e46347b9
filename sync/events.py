"""The immutable change record that both sides keep and that sync ships.

- An event is never edited or deleted. State is derived from the set of events (see
  ``sync.workflow.fold``), so applying the same event twice changes nothing and the order in
  which events arrive does not matter.
- ``validate_event`` is the one gate for events coming from outside (a push, a USB file, a pull).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from sync.hlc import is_timestamp

ENTITIES = ("resident", "errand", "log", "roster", "catalog")
OPS = ("create", "update", "status", "note", "publish")
MAX_DATA_BYTES = 16 * 1024


@dataclass(frozen=True)
class Event:
    id: str
    hlc: str
    village: str
    origin: str
    entity: str
    entity_id: str
    op: str
    data: dict[str, Any] = field(default_factory=dict)
    actor: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def data_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.hlc, self.id)


def new_event_id() -> str:
    return str(uuid.uuid4())


class EventError(ValueError):
    """An event from outside is malformed; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _is_uuid(text: object) -> bool:
    if not isinstance(text, str) or len(text) != 36:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def validate_event(raw: object) -> Event:
    """Turn a decoded JSON object into an Event, or raise EventError."""
    if not isinstance(raw, dict):
        raise EventError("event_not_object", "each event must be a JSON object")
    expected = {"id", "hlc", "village", "origin", "entity", "entity_id", "op", "data", "actor"}
    missing = {"id", "hlc", "village", "origin", "entity", "entity_id", "op"} - raw.keys()
    if missing:
        raise EventError("event_missing_field", f"event lacks {', '.join(sorted(missing))}")
    extra = raw.keys() - expected
    if extra:
        raise EventError("event_unknown_field", f"unknown event field {', '.join(sorted(extra))}")
    if not _is_uuid(raw["id"]):
        raise EventError("event_bad_id", "event id must be a UUID")
    if not is_timestamp(raw["hlc"]):
        raise EventError("event_bad_hlc", "event hlc is not a hybrid-logical-clock timestamp")
    for key in ("village", "origin", "entity", "entity_id", "op"):
        value = raw[key]
        if not isinstance(value, str) or not value or len(value) > 64:
            raise EventError("event_bad_field", f"event {key} must be a short non-empty string")
    if raw["entity"] not in ENTITIES:
        raise EventError("event_bad_entity", f"unknown entity {raw['entity']!r}")
    if raw["op"] not in OPS:
        raise EventError("event_bad_op", f"unknown op {raw['op']!r}")
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise EventError("event_bad_data", "event data must be an object")
    actor = raw.get("actor", "")
    if not isinstance(actor, str) or len(actor) > 64:
        raise EventError("event_bad_field", "event actor must be a short string")
    if len(json.dumps(data, ensure_ascii=False)) > MAX_DATA_BYTES:
        raise EventError("event_too_large", "event data is too large")
    return Event(
        id=raw["id"], hlc=raw["hlc"], village=raw["village"], origin=raw["origin"],
        entity=raw["entity"], entity_id=raw["entity_id"], op=raw["op"], data=data, actor=actor,
    )
