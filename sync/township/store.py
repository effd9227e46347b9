"""Storing events at the township and re-deriving the projections they touch.

- ``insert_pushed`` stores a village device's pushed batch: one ``INSERT ... ON CONFLICT DO
  NOTHING`` per chunk straight from the decoded columns, so an id stored before is skipped
  without being looked up first. The batch is acknowledged once its events are stored.
- ``project_village`` then re-folds (``sync.workflow.fold``) every entity touched by events after
  ``Village.projected_seq`` into the errand/resident/log/roster rows and moves the mark. On
  ``township-center serve`` a background ``Projector`` does that right after the pushes (so a
  push does not wait for the console's tables), and every console page, staff action and
  ``stats`` first calls ``catch_up``, so what staff see and act on is never behind the events.
  Elsewhere (tests, ``import``) a push is projected before ``exchange`` returns.
- ``store_events`` is the write path for events made at the township (staff steps, rosters,
  the catalog) and for tests: it stores and projects in the caller's transaction.
- The inserts are raw ``executemany`` (portable SQL for SQLite and PostgreSQL) rather than the
  ORM: a push stores thousands of rows and the ORM spent most of its time compiling them.
- ``writing``: on SQLite one writer at a time within the process, queued on a lock, instead of
  SQLite's busy-wait, which sleeps up to 100 ms between tries (measured: a third of a push with
  two requests in flight).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any, Iterable, Iterator, Sequence

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from sync.events import Event as WireEvent
from sync import jsontext
from sync.events import data_text
from sync.hlc import Timestamp
from sync.protocol import dash_uuid, xor_hex_run
from sync.township import models as m
from sync.workflow import WORKFLOWS, fold

_CHUNK = 500
PROJECT_CHUNK = 5000  # events per projection transaction (a push waits at most that long for it)

log = logging.getLogger("sync.township")
_write_lock = threading.RLock()


@contextmanager
def writing(*, durable: bool = True) -> Iterator[None]:
    """A write transaction; on SQLite, writers of this process queue on a lock first.

    - Taken even inside a transaction already open on the connection: a test's live server
      shares one in-memory SQLite connection between its request threads, and a second writer
      must then wait for the first to commit, not nest inside its transaction (where it read
      the village's counters before the first one's update: a lost update).
    - ``durable=False`` (a village's push): the commit returns before the disk has it
      (SQLite ``synchronous=NORMAL``, PostgreSQL ``synchronous_commit=off``). A power cut in the
      next seconds can then roll the last pushes back, never corrupt anything; every laptop
      still holds those events, and its next sync's consistency check finds them missing and
      sends them again (``docs/sync-protocol.md``). Everything else (staff steps, rosters,
      enrollment) commits durably, and with it every push committed before it.
    """
    if connection.vendor == "sqlite":
        with _write_lock:
            relaxed = not durable and not connection.in_atomic_block
            if relaxed:
                connection.ensure_connection()
                with connection.cursor() as cur:
                    cur.execute("PRAGMA synchronous=NORMAL")
            try:
                with transaction.atomic():
                    yield
            finally:
                if relaxed:
                    try:
                        with connection.cursor() as cur:
                            cur.execute("PRAGMA synchronous=FULL")
                    except Exception:  # noqa: BLE001 - a fresh connection starts durable again
                        connection.close()
    else:
        # Only a transaction of its own: inside a caller's, SET LOCAL would make the caller's
        # whole transaction (staff work, say) skip the flush too.
        relaxed = not durable and not connection.in_atomic_block
        with transaction.atomic():
            if relaxed:
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL synchronous_commit TO OFF")
            yield


def _xor_ids(ids: Iterable[Any]) -> int:
    """The XOR of event ids (canonical text, 32 hex digits or UUIDs) as one big-integer fold."""
    return xor_hex_run("".join(map(str, ids)).replace("-", ""))


@dataclass
class Stored:
    stored: int = 0
    duplicates: int = 0
    touched: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _local_date(hlc: str) -> str:
    wall = Timestamp.decode(hlc).wall_ms
    when = dt.datetime.fromtimestamp(wall / 1000, tz=dt.timezone.utc)
    return timezone.localtime(when).date().isoformat()


def _lookup(column: str, values: Sequence[Any]) -> list[tuple[Any, int]]:
    """(value, village_id) of stored events whose ``column`` is one of ``values`` (raw SQL: the
    ORM's per-query overhead dominated a push)."""
    q = connection.ops.quote_name
    out: list[tuple[Any, int]] = []
    if connection.vendor == "sqlite" and values:
        # One statement text whatever the number of values (the values go as one JSON array):
        # compiled once per connection, where an IN list of its own length was compiled, and
        # its 500 placeholders rewritten by Django's cursor, on every call.
        connection.ensure_connection()
        with closing(connection.connection.cursor()) as raw:
            raw.execute(f"SELECT DISTINCT {q(column)}, {q('village_id')} FROM {q(m.Event._meta.db_table)} "
                        f"WHERE {q(column)} IN (SELECT value FROM json_each(?))", (jsontext.text(list(values)),))
            return raw.fetchall()
    with connection.cursor() as cur:
        for i in range(0, len(values), _CHUNK):
            chunk = values[i:i + _CHUNK]
            cur.execute(f"SELECT DISTINCT {q(column)}, {q('village_id')} FROM {q(m.Event._meta.db_table)} "
                        f"WHERE {q(column)} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            out.extend(cur.fetchall())
    return out


def _uuid_param(text: str) -> Any:
    # Ids passed here were validated as UUIDs; Django keeps them as 32 lowercase hex on SQLite.
    return uuid.UUID(text) if connection.vendor == "postgresql" else text.replace("-", "").lower()


def event_owners(ids: Sequence[str]) -> dict[str, int]:
    """Stored event id -> its village (pk)."""
    return {str(uuid.UUID(str(v))): village for v, village in _lookup("event_id", [_uuid_param(i) for i in ids])}


def entity_owners(entity_ids: Sequence[str]) -> dict[str, set[int]]:
    """Entity id -> the villages (pks) that have events for it."""
    out: dict[str, set[int]] = defaultdict(set)
    for entity_id, village in _lookup("entity_id", list(entity_ids)):
        out[entity_id].add(village)
    return out


def store_events(village: m.Village, events: Sequence[WireEvent], *, batch: m.Batch | None = None) -> Stored:
    """Insert the events not yet known (by id) and re-derive what they touch.

    - The caller holds the village lock inside a transaction and has checked the events belong
      to this village.
    """
    result = Stored()
    unique = {e.id: e for e in events}
    known = event_owners(list(unique))
    fresh = [e for i, e in unique.items() if i not in known]
    result.duplicates = len(unique) - len(fresh)
    if not fresh:
        return result
    caught_up = village.projected_seq >= max_seq(village.pk)
    inserted = _insert_rows(village, _keys([e.id for e in fresh], None),
                            ([e.hlc for e in fresh], [e.origin for e in fresh], [e.entity for e in fresh],
                             [e.entity_id for e in fresh], [e.op for e in fresh],
                             [data_text(e.data) for e in fresh], [e.actor for e in fresh]), batch)
    if inserted != len(fresh):  # a row skipped (``INSERT OR IGNORE``): never counted as stored
        raise IntegrityError(f"{len(fresh) - inserted} of {len(fresh)} new events were not stored")
    result.stored = len(fresh)
    fields = _count_stored(village, [e.id for e in fresh], [e.hlc for e in fresh])
    if caught_up:  # these events are projected below: nothing after the mark is left unprojected
        village.projected_seq = max_seq(village.pk)
        fields.append("projected_seq")
    village.save(update_fields=fields)
    by_entity = _events_of(village, sorted({e.entity_id for e in fresh}))
    _project(village, by_entity)
    for entity, entity_id in by_entity:
        result.touched[entity].add(entity_id)
    return result


def _count_stored(village: m.Village, ids: Sequence[str], hlcs: Sequence[str]) -> list[str]:
    """Add newly stored events to the village's count, digest and HLC mark; the fields changed."""
    village.event_count += len(ids)
    village.digest = f"{int(village.digest, 16) ^ _xor_ids(ids):032x}"
    top = max(hlcs)
    if top > (village.hlc_last or ""):
        village.hlc_last = top
    return ["event_count", "digest", "hlc_last"]


def max_seq(village_pk: int) -> int:
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"SELECT MAX({q('seq')}) FROM {q(m.Event._meta.db_table)} WHERE {q('village_id')} = %s",
                    [village_pk])
        row = cur.fetchone()
    return int(row[0] or 0)


# --- the push path's own rows, in plain SQL ---------------------------------------------------------
#
# A sync round trip is a dozen statements; through the ORM, compiling them cost ~3 ms of the
# ~4 ms a small push took the township (measured in process). These are the same statements,
# written once.

def _json_param(mark: str = "%s") -> str:
    """The placeholder of a JSON value in plain SQL: jsonb on PostgreSQL, text on SQLite."""
    return f"CAST({mark} AS jsonb)" if connection.vendor == "postgresql" else mark


_READERS: dict[tuple[type[models.Model], str], tuple[list[str], str, list[tuple[int, Any, list[Any]]]]] = {}


def _reader(model: type[models.Model]) -> tuple[list[str], str, list[tuple[int, Any, list[Any]]]]:
    """(attribute names, the SELECT list, the converters per column) of ``model``, made once."""
    key = (model, connection.vendor)
    found = _READERS.get(key)
    if found is None:
        q = connection.ops.quote_name
        fields = model._meta.concrete_fields
        converters = []
        for i, f in enumerate(fields):
            col = f.get_col(model._meta.db_table)
            conv = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
            if conv:
                converters.append((i, col, conv))
        found = _READERS[key] = ([f.attname for f in fields], ", ".join(q(f.column) for f in fields), converters)
    return found


def _raw_one(model: type[models.Model], where: str, params: Sequence[Any], *, lock: bool = False) -> Any:
    """One row of ``model`` as an instance, or None.

    - Read with the driver's cursor and built with ``Model.from_db``, the field converters
      applied as the ORM would (dates on SQLite): ``QuerySet.raw`` cost ~0.3 ms a row, and a sync
      round trip reads three (measured in process).
    """
    names, columns, converters = _reader(model)
    sql = f"SELECT {columns} FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {where}"
    if lock and connection.vendor == "postgresql":
        sql += " FOR UPDATE"
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, col, conv in converters:
        for f in conv:
            values[i] = f(values[i], col, connection)
    return model.from_db(connection.alias, names, values)


def device_by_token_hash(token_hash: str) -> m.Device | None:
    """The device with this token hash, its village loaded, or None."""
    q = connection.ops.quote_name
    device = _raw_one(m.Device, f"{q('token_hash')} = %s", [token_hash])
    if device is not None:
        device.village = village_row(device.village_id)
    return device


def village_row(pk: int, *, lock: bool = False) -> m.Village:
    """The village as stored now (``lock``: held until the transaction ends, on PostgreSQL; on
    SQLite the caller's write transaction already excludes other writers)."""
    return _raw_one(m.Village, f"{connection.ops.quote_name('id')} = %s", [pk], lock=lock)


def batch_ack(device_pk: int, batch_id: str) -> dict[str, Any] | None:
    """The acknowledgement a device's batch got, or None if the township never had it."""
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"SELECT {q('ack')} FROM {q(m.Batch._meta.db_table)} WHERE {q('device_id')} = %s "
                    f"AND {q('batch_id')} = %s", [device_pk, batch_id])
        row = cur.fetchone()
    if row is None:
        return None
    return json.loads(row[0]) if isinstance(row[0], (str, bytes)) else row[0]


def new_batch(device: m.Device, batch_id: str, via: str) -> m.Batch:
    """Insert the batch's row (its acknowledgement follows with ``finish_batch``)."""
    q = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {q(m.Batch._meta.db_table)} ({q('batch_id')}, {q('device_id')}, {q('received_at')}, "
                    f"{q('via')}, {q('accepted')}, {q('duplicates')}, {q('refused')}, {q('ack')}) "
                    f"VALUES (%s, %s, %s, %s, 0, 0, 0, {_json_param()}) RETURNING {q('id')}",
                    [batch_id, device.pk, now, via, "{}"])
        pk = cur.fetchone()[0]
    batch = m.Batch(pk=pk, batch_id=batch_id, device=device, via=via)
    batch._state.adding = False
    return batch


def finish_batch(batch: m.Batch, accepted: int, duplicates: int, refused: int, ack: dict[str, Any]) -> None:
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {q(m.Batch._meta.db_table)} SET {q('accepted')} = %s, {q('duplicates')} = %s, "
                    f"{q('refused')} = %s, {q('ack')} = {_json_param()} WHERE {q('id')} = %s",
                    [accepted, duplicates, refused, data_text(ack), batch.pk])
    batch.accepted, batch.duplicates, batch.refused, batch.ack = accepted, duplicates, refused, ack


def save_counts(village: m.Village) -> None:
    """Write the village's count, digest and HLC mark (as ``_count_stored`` left them)."""
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {q(m.Village._meta.db_table)} SET {q('event_count')} = %s, {q('digest')} = %s, "
                    f"{q('hlc_last')} = %s WHERE {q('id')} = %s",
                    [village.event_count, village.digest, village.hlc_last, village.pk])


def device_synced(device_pk: int, cursor: int | None, pending: int | None) -> None:
    """A device's sync mark: when, how far it pulled, how many events it said were waiting."""
    q = connection.ops.quote_name
    sets, params = [f"{q('last_sync_at')} = %s"], [connection.ops.adapt_datetimefield_value(timezone.now())]
    if cursor is not None:
        sets.append(f"{q('last_cursor')} = %s")
        params.append(cursor)
    if pending is not None:
        sets.append(f"{q('pending_reported')} = %s")
        params.append(max(0, min(int(pending), 2**31 - 1)))
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {q(m.Device._meta.db_table)} SET {', '.join(sets)} WHERE {q('id')} = %s",
                    [*params, device_pk])


def events_after(village_pk: int, cursor: int, *, exclude_origin: str, limit: int,
                 budget: int) -> tuple[list[tuple], int, bool]:
    """The pull's rows: (seq, id, hlc, origin, entity, entity_id, op, data, actor) of the
    village's events after ``cursor`` in order, at most ``limit``, leaving out ``exclude_origin``'s;
    the village's highest seq; and whether ``budget`` cut them short: the rows stop before the
    one whose data would take their data past ``budget`` bytes (UTF-8), always at least one.
    Plain SQL: through the ORM an empty pull cost ~1 ms."""
    q = connection.ops.quote_name
    table = q(m.Event._meta.db_table)
    size = (f"octet_length({q('data')}::text)" if connection.vendor == "postgresql"
            else f"length(CAST({q('data')} AS BLOB))")
    cols = ", ".join(q(c) for c in ("seq", "event_id", "hlc", "origin", "entity", "entity_id", "op", "data", "actor"))
    cols += f", {size}"
    where = f"{q('village_id')} = %s AND {q('seq')} > %s"
    params: list[Any] = [village_pk, cursor]
    if exclude_origin:
        where += f" AND {q('origin')} <> %s"
        params.append(exclude_origin)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {cols} FROM {table} WHERE {where} ORDER BY {q('seq')} LIMIT %s", [*params, limit])
        rows = cur.fetchall()
    out: list[tuple] = []
    taken, cut = 0, False
    for seq, eid, hlc, origin, entity, entity_id, op, data, actor, nbytes in rows:
        taken += nbytes or 0
        if out and taken > budget:
            cut = True
            break
        if isinstance(eid, uuid.UUID):
            eid = str(eid)
        elif len(eid) == 32:  # SQLite keeps the 32 hex digits
            eid = dash_uuid(eid)
        if isinstance(data, (str, bytes)):
            data = json.loads(data)
        out.append((seq, eid, hlc, origin, entity, entity_id, op, data, actor))
    return out, max_seq(village_pk), cut


# --- a pushed batch -------------------------------------------------------------------------------

def insert_pushed(village: m.Village, ids: Sequence[str], hexes: Sequence[str] | None, columns: Columns,
                  batch: m.Batch) -> list[int]:
    """Store a pushed batch's events, skipping ids stored before; the positions actually stored.

    - ``columns``: (hlc, origin, entity, entity_id, op, data_text, actor), one list each, in the
      order of ``ids`` (canonical UUID text; ``hexes`` the same as 32 hex digits, or None). The
      caller holds the village's lock and has dropped repeated ids within the batch.
    - Counts, digest and HLC mark of the village are updated for the stored ones.
    """
    if not ids:
        return []
    keys = _keys(ids, hexes)
    inserted = _insert_rows(village, keys, columns, batch)
    if inserted == len(ids):
        fresh = list(range(len(ids)))
    else:  # some were stored before: those rows belong to another batch
        q = connection.ops.quote_name
        mine: set[str] = set()
        for i in range(0, len(keys), _CHUNK):
            chunk = list(keys[i:i + _CHUNK])
            with connection.cursor() as cur:
                cur.execute(f"SELECT {q('event_id')} FROM {q(m.Event._meta.db_table)} WHERE {q('batch_id')} = %s "
                            f"AND {q('event_id')} IN ({', '.join(['%s'] * len(chunk))})", [batch.pk, *chunk])
                mine.update(str(r[0]).replace("-", "").lower() for r in cur.fetchall())
        fresh = [i for i, k in enumerate(keys) if str(k).replace("-", "").lower() in mine]
    if fresh:
        plain = hexes if hexes is not None else ids
        hlcs = columns[0]
        _count_stored(village, [plain[i] for i in fresh], [hlcs[i] for i in fresh])
        save_counts(village)
    return fresh


def _keys(ids: Sequence[str], hexes: Sequence[str] | None) -> Sequence[Any]:
    """Event ids as the event_id column takes them: UUIDs on PostgreSQL, 32 hex digits on SQLite."""
    if connection.vendor == "postgresql":
        return [uuid.UUID(i) for i in ids]
    return hexes if hexes is not None else [i.replace("-", "").lower() for i in ids]


ROWS_PER_INSERT = 100
# On SQLite fewer rows per statement, and what is left over in rows by powers of two: so few
# statement texts in all that each is compiled once per connection (a 100-row one took ~3,700,000
# CPU instructions to compile, a 25-row one 720,000; per row, 19,900 against 20,700 to run).
SQLITE_ROWS_PER_INSERT = 25


# (hlc, origin, entity, entity_id, op, data as JSON text (or its UTF-8 bytes), actor): one sequence
# each, event by event.
Columns = tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[str], Sequence[str],
                Sequence[str] | Sequence[bytes | None], Sequence[str]]


_SQLITE_INSERTS: dict[tuple[int, tuple[int, ...]], str] = {}


def _insert_rows(village: m.Village, keys: Sequence[Any], columns: Columns, batch: m.Batch | None) -> int:
    """``INSERT ... ON CONFLICT DO NOTHING`` of event rows; the number inserted.

    - Rows already stored (by id) are skipped (``ON CONFLICT DO NOTHING``; ``INSERT OR IGNORE`` on
      SQLite).
    - Plain SQL instead of ``bulk_create``: the ORM spent most of a push compiling one VALUES
      tuple per row (measured: 3.7 s of 6 s for 16,000 rows).
    - ``ROWS_PER_INSERT`` rows per statement rather than ``executemany`` (one statement per row):
      5.2 against 6.5 µs per row in SQLite (measured on 40,000 events).
    - ``keys``: the ids as ``_keys`` gives them; ``columns``: the rest, in the same order.
    - Each statement's parameters are laid out row by row with C-level passes (``zip`` and
      ``chain``): a Python step per row cost ~3,000 CPU instructions more (measured).
    - On SQLite a value the same in every row (the time received; the origin and the actor of
      a usual push) is bound once per statement, as a numbered parameter that every row names:
      binding it per row cost ~900 CPU instructions a value (measured).
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    q = connection.ops.quote_name
    names = ["event_id", "hlc", "origin", "entity", "entity_id", "op", "data", "actor"]
    vpk, bpk = int(village.pk), int(batch.pk) if batch is not None else None
    cols = [*names, "received_at", "village_id", "applied", "batch_id"]
    head = f"INSERT INTO {q(m.Event._meta.db_table)} ({', '.join(q(c) for c in cols)}) VALUES "
    conflict = f" ON CONFLICT ({q('event_id')}) DO NOTHING"
    values: list[Sequence[Any]] = [keys, *columns]
    total = len(keys)
    inserted = 0
    connection.ensure_connection()
    if connection.vendor != "sqlite":
        values[6] = [t.decode("utf-8") if type(t) is bytes else t for t in columns[5]]  # a push's data: bytes
        # What is the same for every row goes into the statement once, not bound per row
        # (measured: 12 parameters per row cost 1.5 µs more than 8). Both are integers from our own rows.
        one = f"(%s, %s, %s, %s, %s, %s, {_json_param()}, %s, %s, {vpk}, TRUE, {'NULL' if bpk is None else bpk})"

        with connection.cursor() as cur:
            for i in range(0, total, ROWS_PER_INSERT):
                j = min(total, i + ROWS_PER_INSERT)
                params = list(chain.from_iterable(zip(*(v[i:j] for v in values), repeat(now, j - i))))
                cur.execute(head + ", ".join([one] * (j - i)) + conflict, params)
                inserted += max(cur.rowcount, 0)
        return inserted
    # SQLite, on the driver's own cursor with its own placeholders: Django's wrapper rewrites
    # every %s of a 900-parameter statement on each call.
    # The village and the batch are bound too (once), not written into the statement: its text is
    # then the same for every push, and the driver's statement cache compiles it once per
    # connection, not once per batch (~2,000,000 CPU instructions each time, measured).
    shared = [k for k in (2, 7) if total and len(set(values[k])) == 1]  # origin, actor
    own = [k for k in range(len(names)) if k not in shared]
    first = 4 + len(shared)  # ?1 the time received, ?2 the village, ?3 the batch, the shared values, each row's

    def statement(count: int) -> str:
        key = (count, tuple(shared))
        text = _SQLITE_INSERTS.get(key)
        if text is None:
            rows = []
            for r in range(count):
                mark = {k: f"?{first + r * len(own) + n}" for n, k in enumerate(own)}
                mark.update({k: f"?{4 + n}" for n, k in enumerate(shared)})
                # The data may come as UTF-8 bytes (a push, ``validate_columns``): stored as the
                # text they are, with no conversion (a text stays as it is).
                mark[6] = f"CAST({mark[6]} AS TEXT)"
                rows.append(f"({', '.join(mark[k] for k in range(len(names)))}, ?1, ?2, TRUE, ?3)")
            # ``OR IGNORE`` rather than the ``ON CONFLICT`` clause: the same rows skipped (a stored
            # id; no other constraint of the table can fail for rows checked as these are), for
            # ~2,300 fewer CPU instructions a row (measured). A row skipped for anything else
            # would be stored nowhere, and the push refuses it by name (``receive_batch``).
            text = _SQLITE_INSERTS[key] = "INSERT OR IGNORE" + head.removeprefix("INSERT") + ", ".join(rows)
        return text

    fixed = [now, vpk, bpk, *(values[k][0] for k in shared)]
    per_row = [values[k] for k in own]
    data = per_row[own.index(6)]
    if data and type(data[0]) is bytes:
        # As bytearrays: the driver binds those straight away, where each ``bytes`` first went
        # through its search for an adapter, which fails by raising and clearing an error
        # (~3,300 CPU instructions a value, measured; ~200 for the copy).
        per_row[own.index(6)] = list(map(bytearray, data)) if None not in data else \
            [None if t is None else bytearray(t) for t in data]
    with closing(connection.connection.cursor()) as cur:
        i = 0
        while i < total:
            left = total - i
            count = SQLITE_ROWS_PER_INSERT if left >= SQLITE_ROWS_PER_INSERT else 1 << (left.bit_length() - 1)
            j = i + count
            params = fixed + list(chain.from_iterable(zip(*(v[i:j] for v in per_row))))
            cur.execute(statement(count), params)
            inserted += max(cur.rowcount, 0)
            i = j
    return inserted


# --- projections after the acknowledgement --------------------------------------------------------

def project_village(village: m.Village, limit: int = PROJECT_CHUNK) -> int:
    """Project up to ``limit`` events after the village's mark; the number covered (0: caught up).

    - The caller holds the village's lock in a transaction. Each touched entity is folded from
      all of its events, so projecting an event twice, or late, changes nothing.
    """
    q = connection.ops.quote_name
    table = q(m.Event._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {q('seq')}, {q('entity')}, {q('entity_id')} FROM {table} WHERE {q('village_id')} = %s "
                    f"AND {q('seq')} > %s ORDER BY {q('seq')} LIMIT %s", [village.pk, village.projected_seq, limit])
        pending = cur.fetchall()
    if not pending:
        return 0
    upto = pending[-1][0]
    by_entity = _events_of(village, sorted({r[2] for r in pending}))
    _project(village, by_entity)
    village.projected_seq = upto
    m.Village.objects.filter(pk=village.pk).update(projected_seq=upto)
    return len(pending)


def _events_of(village: m.Village, entity_ids: Sequence[str]) -> dict[tuple[str, str], list[WireEvent]]:
    """Every stored event of these entities of the village, by (entity, entity id)."""
    q = connection.ops.quote_name
    by_entity: dict[tuple[str, str], list[WireEvent]] = defaultdict(list)
    for i in range(0, len(entity_ids), _CHUNK):
        chunk = list(entity_ids[i:i + _CHUNK])
        with connection.cursor() as cur:
            cur.execute(f"SELECT {q('event_id')}, {q('hlc')}, {q('origin')}, {q('entity')}, {q('entity_id')}, "
                        f"{q('op')}, {q('data')}, {q('actor')} FROM {q(m.Event._meta.db_table)} "
                        f"WHERE {q('village_id')} = %s AND {q('entity_id')} IN ({', '.join(['%s'] * len(chunk))})",
                        [village.pk, *chunk])
            for eid, hlc, origin, entity, entity_id, op, data, actor in cur.fetchall():
                by_entity[(entity, entity_id)].append(WireEvent(
                    id=str(uuid.UUID(str(eid))), hlc=hlc, village=village.code, origin=origin, entity=entity,
                    entity_id=entity_id, op=op, data=data if isinstance(data, dict) else json.loads(data),
                    actor=actor))
    return by_entity


def behind() -> list[int]:
    """Villages (pks) with events not yet projected."""
    later = m.Event.objects.filter(village=OuterRef("pk"), seq__gt=OuterRef("projected_seq"))
    return list(m.Village.objects.filter(Exists(later)).values_list("pk", flat=True))


def catch_up(village_pks: Iterable[int] | None = None, *, chunks: int | None = None) -> int:
    """Project what is pending (all villages, or these); each chunk its own transaction."""
    done = 0
    for pk in list(village_pks) if village_pks is not None else behind():
        n = 0
        while chunks is None or n < chunks:
            with writing(durable=False):  # derived from stored events: redone if a power cut loses it
                village = m.Village.objects.select_for_update().get(pk=pk)
                covered = project_village(village)
            if not covered:
                break
            done += covered
            n += 1
    return done


class Projector:
    """The background projection of ``township-center serve``.

    - Woken by each stored push; waits until pushes have paused for ``quiet`` seconds (so a
      sync in progress keeps the database to itself), but never lets the console's tables fall
      more than ``max_lag`` seconds behind; a console page catches up by itself anyway.
    - Also catches up once at start (a server stopped before projecting).
    """

    RETRY_FIRST = 0.2  # seconds before trying again after a failed projection, doubling ...
    RETRY_MAX = 5.0  # ... up to this

    def __init__(self, quiet: float = 0.5, max_lag: float = 10.0):
        self.quiet = quiet
        self.max_lag = max_lag
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._last_push = 0.0
        self._since: float | None = None
        self._thread = threading.Thread(target=self._run, name="township-projector", daemon=True)

    def start(self) -> "Projector":
        global _projector
        _projector = self
        self._wake.set()
        self._thread.start()
        return self

    def stop(self) -> None:
        global _projector
        _projector = None
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def finish(self, seconds: float) -> int:
        """Project what is pending, for at most about ``seconds`` (the server is stopping)."""
        deadline = time.monotonic() + seconds
        done = 0
        try:
            while time.monotonic() < deadline:
                covered = catch_up(chunks=1)
                if not covered:
                    break
                done += covered
        except Exception:  # noqa: BLE001 - the next start catches up
            log.exception("projection at shutdown failed")
        return done

    def notify(self) -> None:
        now = time.monotonic()
        self._last_push = now
        if self._since is None:
            self._since = now
        self._wake.set()

    def _run(self) -> None:
        from django.db import close_old_connections

        retry = self.RETRY_FIRST
        while not self._stop.is_set():
            self._wake.wait(timeout=5.0)
            self._wake.clear()
            while not self._stop.is_set():
                now = time.monotonic()
                if self._since is not None and now - self._last_push < self.quiet and now - self._since < self.max_lag:
                    self._stop.wait(self.quiet - (now - self._last_push))
                    continue
                self._since = None
                try:
                    close_old_connections()
                    if not catch_up(chunks=1):
                        break
                    retry = self.RETRY_FIRST
                except Exception:  # noqa: BLE001 - kept running; the console catches up on its own
                    # Soon at first (a lock held a moment too long), then less and less often.
                    log.exception("projection failed; will retry in %.1f s", retry)
                    self._stop.wait(retry)
                    retry = min(self.RETRY_MAX, retry * 2)


_projector: Projector | None = None


def pushed(village_pk: int) -> None:
    """A push was stored: project now, or leave it to the running ``Projector``."""
    if _projector is not None:
        _projector.notify()
    else:
        catch_up([village_pk])


def _json_adapter() -> Any:
    """JSON for a raw insert: compact UTF-8 text on SQLite (Django's default escapes every
    Chinese character to six bytes), the driver's adapter on PostgreSQL."""
    if connection.vendor == "sqlite":
        return data_text
    return lambda v: connection.ops.adapt_json_value(v, None)


def _upsert(model: Any, rows: list[dict[str, Any]], fields: list[str]) -> None:
    """Insert or update projection rows by ``entity_id`` (raw, as ``_insert_rows``)."""
    meta = model._meta
    names = ["entity_id", *fields]
    q = connection.ops.quote_name
    columns = [q(meta.get_field(n).column) for n in names]
    json_cols = {i for i, n in enumerate(names) if isinstance(meta.get_field(n), models.JSONField)}
    sql = (f"INSERT INTO {q(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({q('entity_id')}) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in columns[1:]))
    as_json = _json_adapter()
    params = []
    for obj in rows:
        values = []
        for i, n in enumerate(names):
            if i in json_cols:
                values.append(as_json(obj[n]))
            else:
                values.append(obj[n])
        params.append(values)
    with connection.cursor() as cur:
        for i in range(0, len(params), _CHUNK * 4):
            cur.executemany(sql, params[i:i + _CHUNK * 4])


_ERRAND_FIELDS = [
    "number", "kind", "item_code", "item_name", "resident_id", "status", "reason", "tier", "quantity", "unit",
    "amount_fen", "paid_fen", "note", "promised_date", "created_date", "done_date", "closed", "roster_id",
    "round", "origin", "created_hlc", "updated_hlc", "status_hlc", "state", "village",
]
_RESIDENT_FIELDS = ["name", "id_number", "phone", "group", "address", "created_hlc", "updated_hlc", "village"]
_LOG_FIELDS = ["type", "resident_id", "summary", "outcome", "date", "created_hlc", "village"]
_ROSTER_FIELDS = ["item_code", "title", "month", "note", "created_hlc", "village"]


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ("" if value is None else str(value)[:limit])


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _project(village: m.Village, by_entity: dict[tuple[str, str], list[WireEvent]]) -> None:
    errands: list[dict[str, Any]] = []
    residents: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    rosters: list[dict[str, Any]] = []
    applied_off: list[str] = []
    for (entity, entity_id), events in by_entity.items():
        folded = fold(events)
        applied_off.extend(i for i, ok in folded.applied.items() if not ok)
        s = folded.state
        if "created_hlc" not in s:
            continue  # updates whose create has not arrived yet: kept, projected once it does
        if entity == "errand":
            kind = s.get("kind")
            if kind not in WORKFLOWS or "status" not in s:
                continue
            wf = WORKFLOWS[kind]
            quantity = s.get("quantity")
            errands.append(dict(
                village=village.pk, entity_id=entity_id, number=_text(s.get("number"), 40), kind=kind,
                item_code=_text(s.get("item_code"), 16), item_name=_text(s.get("item_name"), 60),
                resident_id=_text(s.get("resident_id"), 64), status=s["status"], reason=_text(s.get("reason"), 500),
                tier=_text(s.get("tier") or "township", 16),
                quantity=float(quantity) if isinstance(quantity, (int, float)) else None,
                unit=_text(s.get("unit"), 16), amount_fen=_int(s.get("amount_fen")), paid_fen=_int(s.get("paid_fen")),
                note=_text(s.get("note"), 500), promised_date=_text(s.get("promised_date"), 10),
                created_date=_text(s.get("created_date"), 10) or _local_date(s["created_hlc"]),
                done_date=_local_date(s["done_hlc"]) if "done_hlc" in s else None,
                closed=s["status"] in wf.closed, roster_id=s.get("roster_id") or None, round=_text(s.get("round"), 40),
                origin=_text(s.get("origin") or events[0].origin, 64), created_hlc=s["created_hlc"],
                updated_hlc=s.get("updated_hlc", s["created_hlc"]), status_hlc=s.get("status_hlc", s["created_hlc"]),
                state=s,
            ))
        elif entity == "resident":
            residents.append(dict(
                village=village.pk, entity_id=entity_id, name=_text(s.get("name"), 40),
                id_number=_text(s.get("id_number"), 18), phone=_text(s.get("phone"), 20),
                group=_text(s.get("group"), 40), address=_text(s.get("address"), 200),
                created_hlc=s["created_hlc"], updated_hlc=s.get("updated_hlc", s["created_hlc"]),
            ))
        elif entity == "log":
            logs.append(dict(
                village=village.pk, entity_id=entity_id, type=_text(s.get("type"), 16),
                resident_id=s.get("resident_id") if isinstance(s.get("resident_id"), str) else None,
                summary=_text(s.get("summary"), 500), outcome=_text(s.get("outcome"), 200),
                date=_text(s.get("date"), 10), created_hlc=s["created_hlc"],
            ))
        elif entity == "roster":
            rosters.append(dict(
                village=village.pk, entity_id=entity_id, item_code=_text(s.get("item_code"), 16),
                title=_text(s.get("title"), 60), month=_text(s.get("month"), 7), note=_text(s.get("note"), 200),
                created_hlc=s["created_hlc"],
            ))
    for model, rows, fields in ((m.Errand, errands, _ERRAND_FIELDS), (m.Resident, residents, _RESIDENT_FIELDS),
                                (m.LogEntry, logs, _LOG_FIELDS), (m.Roster, rosters, _ROSTER_FIELDS)):
        if rows:
            _upsert(model, rows, fields)
    if applied_off:
        # The fold keeps an illegal step in the timeline without applying it; mark it so.
        for i in range(0, len(applied_off), _CHUNK):
            m.Event.objects.filter(event_id__in=applied_off[i:i + _CHUNK]).update(applied=False)
