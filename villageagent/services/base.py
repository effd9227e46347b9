"""Shared plumbing of the use cases: one transaction, stamping events, the village context."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator

from sqlite_utils import Database

from sync.events import Event, new_event_id
from sync.hlc import HybridClock
from villageagent.domain.errors import VillageError
from villageagent.services import clock
from villageagent.storage import settings as settings_store
from villageagent.storage.events import Changes, apply_events


@contextmanager
def transaction(db: Database, *, durable: bool = True) -> Iterator[None]:
    """One transaction; a full disk becomes a plain ``disk_full`` error and nothing is saved.

    - ``durable=False`` only for sync bookkeeping that the next sync redoes if a power cut
      loses it (an acknowledgement, a pulled page and its cursor, the outbox): the commit then
      returns without waiting for the disk (``synchronous=NORMAL``; WAL keeps the file whole).
      A cadre's save is always durable, and with it everything committed before it.
    """
    relaxed = not durable and not db.conn.in_transaction
    if relaxed:
        db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        with db.atomic():
            yield
    except sqlite3.OperationalError as exc:
        text = str(exc).lower()
        if "full" in text or "disk i/o" in text:
            raise VillageError("disk_full") from exc
        raise
    finally:
        if relaxed:
            db.conn.execute("PRAGMA synchronous = FULL")


class Stamper:
    """Makes events for this device, inside the caller's transaction."""

    def __init__(self, db: Database):
        self.db = db
        self.settings = settings_store.load(db)
        if not self.settings.configured:
            raise VillageError("village_not_set")
        last = settings_store.get_raw(db, "last_hlc")
        self.clock = HybridClock(self.settings.device_id, wall=clock.wall_ms, last=last)
        self.events: list[Event] = []

    def event(self, entity: str, entity_id: str, op: str, data: dict[str, Any]) -> Event:
        e = Event(
            id=new_event_id(), hlc=self.clock.now(), village=self.settings.village_code,
            origin=self.settings.device_id, entity=entity, entity_id=entity_id, op=op, data=data,
            actor=self.settings.cadre_name[:64],
        )
        self.events.append(e)
        return e

    def commit(self) -> Changes:
        """Apply the stamped events (still inside the caller's transaction)."""
        if not self.events:
            return Changes()
        settings_store.set_raw(self.db, "last_hlc", self.events[-1].hlc)
        return apply_events(self.db, self.events, local=True)


def observe_remote(db: Database, events: list[Event]) -> None:
    """Carry this device's clock past timestamps seen from elsewhere (call in the transaction)."""
    if not events:
        return
    top = max(e.hlc for e in events)
    last = settings_store.get_raw(db, "last_hlc")
    if not last or top > last:
        # Keep only the time part: our own node id is what we stamp with.
        settings_store.set_raw(db, "last_hlc", top)
