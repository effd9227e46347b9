"""The event log and the projections derived from it.

- ``apply_events`` is the single write path: it stores new events (a known id is a no-op) and
  re-derives every touched entity from all of its events, in the caller's transaction.
- Because the projection of an entity is a pure fold of its event set, applying the same
  events again, or in another order, leaves the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from sqlite_utils import Database

from sync.events import Event
from sync.workflow import WORKFLOWS, Folded, catalog_version_key, fold, hlc_wall_ms
from villageagent.domain.identity import pinyin_full, pinyin_initials
from villageagent.storage.settings import get_raw, set_raw
from villageagent.storage.sync_state import add_waiting


@dataclass
class Changes:
    """What a service changed, by entity kind; carried by the app-wide data_did_change signal."""

    entities: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    new_events: int = 0

    def add(self, entity: str, entity_id: str) -> None:
        self.entities[entity].add(entity_id)

    def merge(self, other: "Changes") -> "Changes":
        for k, v in other.entities.items():
            self.entities[k] |= v
        self.new_events += other.new_events
        return self

    def touched(self, entity: str) -> bool:
        return bool(self.entities.get(entity))

    def __bool__(self) -> bool:
        return any(self.entities.values())


def row_to_event(row: dict[str, Any]) -> Event:
    return Event(
        id=row["id"], hlc=row["hlc"], village=row["village"], origin=row["origin"],
        entity=row["entity"], entity_id=row["entity_id"], op=row["op"],
        data=json.loads(row["data"]), actor=row["actor"],
    )


def entity_events(db: Database, entity_id: str) -> list[Event]:
    rows = db.execute(
        "select id, hlc, village, origin, entity, entity_id, op, data, actor from events "
        "where entity_id = ? order by hlc, id", [entity_id]).fetchall()
    cols = ("id", "hlc", "village", "origin", "entity", "entity_id", "op", "data", "actor")
    return [row_to_event(dict(zip(cols, r))) for r in rows]


def known_ids(db: Database, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in db.execute(f"select id from events where id in ({marks})", chunk))
    return found


def apply_events(db: Database, events: Iterable[Event], *, local: bool | Callable[[Event], bool]) -> Changes:
    """Store the events that are new and re-project the entities they touch. Call inside a
    transaction (``with db.atomic()``).

    - ``local`` says whether the events were made on this device (so sync must push them); a
      function decides per event (bulk loads that mix both).
    """
    batch = {e.id: e for e in events}
    changes = Changes()
    if not batch:
        return changes
    new_ids = set(batch) - known_ids(db, list(batch))
    fresh = [batch[i] for i in batch if i in new_ids]
    if not fresh:
        return changes
    flag = bool(local)
    local_of: Callable[[Event], bool] = local if callable(local) else (lambda _e: flag)
    db.conn.executemany(
        "insert into events (id, hlc, village, origin, entity, entity_id, op, data, actor, local, pushed) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        [(e.id, e.hlc, e.village, e.origin, e.entity, e.entity_id, e.op, e.data_json(), e.actor, int(local_of(e)))
         for e in fresh],
    )
    changes.new_events = len(fresh)
    made_here = [e.id for e in fresh if local_of(e)]
    if made_here:
        add_waiting(db, made_here)  # to be sent to the township
    by_entity: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in fresh:
        by_entity[(e.entity, e.entity_id)].append(e)
    stored = _event_counts(db, [eid for _, eid in by_entity])
    for (entity, entity_id), new in by_entity.items():
        # An entity whose only events are this batch's needs no read-back.
        all_events = new if stored.get(entity_id, 0) == len(new) else entity_events(db, entity_id)
        folded = fold(all_events)
        _project(db, entity, entity_id, folded)
        _mark_applied(db, folded)
        changes.add(entity, entity_id)
    return changes


def _event_counts(db: Database, entity_ids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for i in range(0, len(entity_ids), 500):
        chunk = entity_ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        counts.update(db.execute(
            f"select entity_id, count(*) from events where entity_id in ({marks}) group by entity_id", chunk).fetchall())
    return counts


def _mark_applied(db: Database, folded: Folded) -> None:
    # An event skipped earlier may apply now that an earlier-sorting event has arrived, and
    # the other way round; the fold decides, so record its verdict for every event.
    db.conn.executemany("update events set applied = ? where id = ?",
                        [(int(ok), eid) for eid, ok in folded.applied.items()])


def _local_date(hlc: str) -> str:
    return dt.datetime.fromtimestamp(hlc_wall_ms(hlc) / 1000).date().isoformat()


def _project(db: Database, entity: str, entity_id: str, folded: Folded) -> None:
    s = folded.state
    if entity == "resident":
        if "name" not in s or "id_number" not in s:
            return
        phone = s.get("phone", "") or ""
        db.execute(
            "insert or replace into residents (id, name, id_number, id_rev, initials, pinyin, phone, phone_rev, "
            "grp, address, created_hlc, updated_hlc) values (?,?,?,?,?,?,?,?,?,?,?,?)",
            [entity_id, s["name"], s["id_number"], s["id_number"][::-1], pinyin_initials(s["name"]),
             pinyin_full(s["name"]), phone, phone[::-1], s.get("group", ""), s.get("address", ""),
             s["created_hlc"], s.get("updated_hlc", s["created_hlc"])],
        )
    elif entity == "errand":
        kind = s.get("kind")
        if kind not in WORKFLOWS or "number" not in s or "status" not in s:
            return
        wf = WORKFLOWS[kind]
        number = s["number"]
        db.execute(
            "insert or replace into errands (id, number, number_rev, kind, item_code, item_name, resident_id, "
            "quantity, unit, amount_fen, paid_fen, materials, note, status, reason, tier, promised_date, "
            "created_date, done_date, closed, roster_id, round, signed_by, origin, created_hlc, updated_hlc, "
            "status_hlc) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [entity_id, number, number[::-1], kind, s.get("item_code", ""), s.get("item_name", ""),
             s.get("resident_id", ""), s.get("quantity"), s.get("unit", ""), int(s.get("amount_fen") or 0),
             int(s.get("paid_fen") or 0), json.dumps(s.get("materials", []), ensure_ascii=False),
             s.get("note", ""), s["status"], s.get("reason", ""), s.get("tier", "township"),
             s.get("promised_date", ""), s.get("created_date") or _local_date(s["created_hlc"]),
             _local_date(s["done_hlc"]) if "done_hlc" in s else None, int(s["status"] in wf.closed),
             s.get("roster_id"), s.get("round", ""), s.get("signed_by", ""), s.get("origin", ""),
             s["created_hlc"], s.get("updated_hlc", s["created_hlc"]), s.get("status_hlc", s["created_hlc"])],
        )
    elif entity == "log":
        if "type" not in s:
            return
        db.execute(
            "insert or replace into logs (id, type, resident_id, summary, outcome, date, created_hlc, updated_hlc) "
            "values (?,?,?,?,?,?,?,?)",
            [entity_id, s["type"], s.get("resident_id"), s.get("summary", ""), s.get("outcome", ""),
             s.get("date", ""), s["created_hlc"], s.get("updated_hlc", s["created_hlc"])],
        )
    elif entity == "roster":
        if "item_code" not in s:
            return
        db.execute(
            "insert or replace into rosters (id, item_code, title, month, note, created_hlc) values (?,?,?,?,?,?)",
            [entity_id, s["item_code"], s.get("title", ""), s.get("month", ""), s.get("note", ""), s["created_hlc"]],
        )
    elif entity == "catalog":
        items = s.get("items")
        version = s.get("version")
        if not isinstance(items, list) or not version:
            return
        current = get_raw(db, "catalog_version")
        if current and catalog_version_key(current) >= catalog_version_key(version):
            return
        replace_catalog(db, str(version), items)


def replace_catalog(db: Database, version: str, items: list[dict[str, Any]]) -> None:
    db.execute("delete from catalog_items")
    db.conn.executemany(
        "insert into catalog_items (code, version, name, kind, data) values (?,?,?,?,?)",
        [(i["code"], version, i["name"], i["kind"], json.dumps(i, ensure_ascii=False)) for i in items],
    )
    set_raw(db, "catalog_version", version)


def max_hlc(db: Database) -> str | None:
    row = db.execute("select max(hlc) from events").fetchone()
    return row[0] if row else None
