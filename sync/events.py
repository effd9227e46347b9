"""The immutable change record that both sides keep and that sync ships.

- An event is never edited or deleted. State is derived from the set of events (see
  ``sync.workflow.fold``), so applying the same event twice changes nothing and the order in
  which events arrive does not matter.
- ``validate_event`` is the one gate for events coming from outside (a push, a USB file, a pull).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from sync import jsontext
from sync.hlc import MAX_TEXT as MAX_HLC
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


def new_id() -> str:
    """A new id for an event or an entity: a UUID version 7 (RFC 9562), 48 bits of Unix
    milliseconds and then 74 random bits.

    - Ids made one after another sort together, so every database's id index grows at its end
      instead of at a random page: a push of 20,000 events wrote half the pages at the township
      (measured with ``bench/sync_throughput.py``: see ``docs/benchmarks.md``).
    - Still unique whatever the laptop's clock says: the random part alone makes a clash
      unthinkable; the time part only helps the indexes.
    """
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = ((ms & (2**48 - 1)) << 80) | (0x7 << 76) | (((rand >> 62) & 0xFFF) << 64) | (0b10 << 62) \
        | (rand & (2**62 - 1))
    return str(uuid.UUID(int=value))


def new_event_id() -> str:
    return new_id()


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


_compact = jsontext.text


def data_text(data: dict[str, Any]) -> str:
    """An event's data as stored: compact JSON, Chinese kept as it is (not escaped)."""
    return _compact(data)


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
    if not is_timestamp(raw["hlc"]) or len(raw["hlc"]) > MAX_HLC:
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
    if len(data_text(data)) > MAX_DATA_BYTES:
        raise EventError("event_too_large", "event data is too large")
    return Event(
        id=raw["id"], hlc=raw["hlc"], village=raw["village"], origin=raw["origin"],
        entity=raw["entity"], entity_id=raw["entity_id"], op=raw["op"], data=data, actor=actor,
    )


_ERROR_TEXT = {
    "event_bad_id": "event id must be a UUID",
    "event_bad_hlc": "event hlc is not a hybrid-logical-clock timestamp",
    "event_bad_field": "event fields must be short non-empty strings",
    "event_bad_entity": "unknown entity",
    "event_bad_op": "unknown op",
    "event_too_large": "event data is too large",
}


def _short(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


def _data_utf8(data: dict[str, Any]) -> bytes:
    """``data_text(data)`` as UTF-8; a lone surrogate kept as its three bytes (such an event is
    refused before anything is stored, ``sync.township.operations.bad_text``)."""
    try:
        return jsontext.utf8(data)
    except UnicodeEncodeError:
        return jsontext.text(data).encode("utf-8", "surrogatepass")


def validate_columns(cols: Any) -> tuple[list[bytes | None], dict[int, EventError]]:
    """``validate_event`` for a whole decoded columnar list (``sync.protocol.Columns``) at once.

    - Returns each event's data as stored (``data_text``, UTF-8 encoded; None for a refused
      event) and the refusals by position. Same rules, same codes as ``validate_event``, in the
      same order (``tests/test_sync_protocol.py`` checks they agree), but a value repeated along a
      column (the village, the device, the entity kind) is checked once, and no object is made
      per event.
    - The texts stay bytes, as orjson writes them, and the township binds them to SQLite as they
      are: making a ``str`` of each and encoding it back to UTF-8 for the driver cost ~4,000 CPU
      instructions an event; counting the brackets in bytes costs ~300 more than in a ``str``
      (measured with callgrind: 2,900 fewer in all).
    """
    n = cols.n
    codes: list[str | None] = [None] * n

    def refuse(i: int, code: str) -> None:
        if codes[i] is None:
            codes[i] = code

    if cols.id_hex is None:
        for i, v in enumerate(cols.id):
            if not _is_uuid(v):
                refuse(i, "event_bad_id")
    if not cols.hlc_ok:
        for i, v in enumerate(cols.hlc):
            if not _hlc_ok(v):
                refuse(i, "event_bad_hlc")
    # Each rule is checked once per distinct value; only a column with a bad value is walked.
    for name, rule, code in (("village", _short, "event_bad_field"), ("origin", _short, "event_bad_field"),
                             ("entity", _short, "event_bad_field"), ("entity_id", _short, "event_bad_field"),
                             ("op", _short, "event_bad_field"), ("entity", _known_entity, "event_bad_entity"),
                             ("op", _known_op, "event_bad_op"), ("actor", _actor_ok, "event_bad_field")):
        if name == "entity_id" and cols.eid_hex:
            continue  # travelled as hex digits: every one a canonical UUID, 36 characters
        values = getattr(cols, name)
        bad_values = _bad_values(values, rule)
        if bad_values is None:
            for i, v in enumerate(values):
                if not rule(v):
                    refuse(i, code)
        elif bad_values:
            for i, v in enumerate(values):
                if v in bad_values:
                    refuse(i, code)
    passed = codes.count(None) == n  # the usual batch: each data written in one C-level pass
    try:
        texts: list[bytes | None]
        try:
            texts = list(map(orjson.dumps, cols.data)) if passed else \
                [orjson.dumps(data) if code is None else None for code, data in zip(codes, cols.data)]
        except TypeError:  # what orjson cannot write (an integer beyond 64 bits, a lone surrogate)
            texts = [_data_utf8(data) if code is None else None for code, data in zip(codes, cols.data)]
    except RecursionError:  # data nested far too deep to write (the grouped form never gets here)
        from sync.protocol import ProtocolError

        raise ProtocolError("too_deep", "事件内容嵌套太深。") from None
    if max(map(len, filter(None, texts)), default=0) > MAX_DATA_BYTES:
        for i, text in enumerate(texts):
            # The limit counts characters, as ``validate_event`` does: only a text of more bytes
            # than that can have more characters.
            if text is not None and len(text) > MAX_DATA_BYTES and len(text.decode("utf-8", "surrogatepass")) > MAX_DATA_BYTES:
                codes[i] = "event_too_large"
                texts[i] = None
        passed = False
    if not getattr(cols, "depth_checked", True):
        from sync.protocol import ProtocolError, data_too_deep

        if data_too_deep(texts, cols.data):  # refused as a whole, as the grouped form is
            raise ProtocolError("too_deep", "事件内容嵌套太深。")
    bad = {} if passed else {i: EventError(c, _ERROR_TEXT[c]) for i, c in enumerate(codes) if c is not None}
    return texts, bad


def _known_entity(value: object) -> bool:
    return value in ENTITIES


def _known_op(value: object) -> bool:
    return value in OPS


def _actor_ok(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 64


def _bad_values(values: list[Any], rule: Any) -> set[Any] | None:
    """The distinct values breaking ``rule`` (None: some value cannot be hashed; check each)."""
    try:
        distinct = set(values)
    except TypeError:
        return None
    if rule is _short and set(map(type, distinct)) == {str} and min(map(len, distinct)) > 0 \
            and max(map(len, distinct)) <= 64:
        # Every one a short string, found in C-level passes: a push's entity ids are all
        # different, and a call per value cost ~0.4 µs each (measured in the township's replay).
        return set()
    return {v for v in distinct if not rule(v)}


def _hlc_ok(value: object) -> bool:
    if not isinstance(value, str) or len(value) > MAX_HLC:
        return False
    # The common shape, checked without parsing; anything else gets the full check.
    head = value[:20]
    if len(value) > 21 and value[13] == "-" and value[20] == "-" and head.isascii() and head[:13].isdigit() \
            and head[14:].isdigit():
        return True
    return is_timestamp(value)
