"""What the village knows about its sync with the township (the only SQL for it).

- The township connection (address, device token, pinned certificate) and the pull cursor are
  settings; the batches in flight, the refused events and the sync log have their own tables.
- Waiting to be sent: the local events whose seq is in ``sync_waiting``. Known to the township:
  ``events.pushed = 1`` (pulled from it, or acknowledged before migration m005), or a local
  event with ``pushed = 0`` that is no longer waiting (acknowledged). Refused by the township
  and kept aside with its reason (``sync_quarantine``): ``pushed = 2``. Other events with
  ``pushed = 0`` (the demo's made-up township answers) are neither sent nor known.
- ``check`` is the consistency check: the count and XOR digest of the events the township
  should also hold; the township computes the same over its copy.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sqlite_utils import Database

from sync import jsontext
from sync.protocol import xor_hex_run
from villageagent.storage.settings import get_raw, set_raw

WAITING, KNOWN, REFUSED = 0, 1, 2
_COLS = "id, hlc, village, origin, entity, entity_id, op, data, actor"
_CHUNK = 500


@dataclass
class Connection:
    url: str
    token: str
    fingerprint: str
    village: str
    encoding: str = "deflate"  # how request bodies are compressed, as the township last said it takes

    @property
    def enrolled(self) -> bool:
        return bool(self.url and self.token)


def connection(db: Database) -> Connection:
    return Connection(url=get_raw(db, "sync_url", "") or "", token=get_raw(db, "sync_token", "") or "",
                      fingerprint=get_raw(db, "sync_fingerprint", "") or "",
                      village=get_raw(db, "sync_village", "") or "",
                      encoding=get_raw(db, "sync_encoding", "") or "deflate")


def save_connection(db: Database, conn: Connection) -> None:
    set_raw(db, "sync_url", conn.url)
    set_raw(db, "sync_token", conn.token)
    set_raw(db, "sync_fingerprint", conn.fingerprint)
    set_raw(db, "sync_village", conn.village)
    set_raw(db, "sync_encoding", conn.encoding)


def set_encoding(db: Database, encoding: str) -> None:
    set_raw(db, "sync_encoding", encoding)


def cursor(db: Database) -> int:
    return int(get_raw(db, "sync_cursor", 0) or 0)


def set_cursor(db: Database, value: int) -> None:
    set_raw(db, "sync_cursor", int(value))


def pull_own(db: Database) -> bool:
    """Whether the next pull should include this device's own events (a repair is re-pulling)."""
    return bool(get_raw(db, "sync_pull_own", False))


def set_pull_own(db: Database, value: bool) -> None:
    set_raw(db, "sync_pull_own", bool(value))


def bump_next_seq(db: Database, prefix: str) -> None:
    """After own errands came back from the township, number new ones after the highest seen,
    so a laptop restored from an older backup never hands out a number twice."""
    row = db.execute("select max(number) from errands where number like ? || '%'", [prefix]).fetchone()
    if not row or not row[0]:
        return
    try:
        highest = int(str(row[0])[len(prefix):])
    except ValueError:
        return
    if highest + 1 > int(get_raw(db, "next_seq", 1) or 1):
        set_raw(db, "next_seq", highest + 1)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


# The data as its UTF-8 bytes (``CAST ... AS BLOB``): a push parses them as they are, where reading
# them as text decoded each into a Python string only to encode it again (measured: 5,400 CPU
# instructions an event, of the laptop's ~95,000).
_ROW_COLS = "seq, " + _COLS.replace(" data,", " CAST(data AS BLOB),")


# Which events the township still lacks is kept in ``sync_waiting`` (one row per waiting event,
# its seq: migration m005), not in the event rows: acknowledging a batch then deletes a range of
# small rows, where flipping ``events.pushed`` rewrote every ~400-byte event row (measured:
# 4.2 µs per event, a fifth of the laptop's share of a push). ``events.pushed`` still says
# REFUSED (kept aside) and KNOWN for what came from the township.
_KNOWN_WHERE = "(pushed = 1 or (local = 1 and pushed = 0 and seq not in (select seq from sync_waiting)))"


def waiting_rows(db: Database, limit: int, after_seq: int = 0) -> list[tuple]:
    """The oldest events of this device not yet known to the township (after ``after_seq``), as
    plain rows: (seq, id, hlc, village, origin, entity, entity_id, op, data as UTF-8 JSON bytes,
    actor) — what a push encodes, without an object per event."""
    return db.execute(f"select {_ROW_COLS} from events where seq in (select seq from sync_waiting where seq > ? "
                      f"order by seq limit ?) order by seq", [after_seq, limit]).fetchall()


def rows_by_id(db: Database, ids: list[str]) -> list[tuple]:
    """The still waiting ones of these events, as ``waiting_rows`` gives them, in order."""
    out: list[tuple] = []
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        out.extend(db.execute(f"select {_ROW_COLS} from events where id in ({','.join('?' * len(chunk))}) "
                              f"and seq in (select seq from sync_waiting)", chunk).fetchall())
    out.sort()
    return out


def count_waiting(db: Database) -> int:
    return db.execute("select count(*) from sync_waiting").fetchone()[0]


def any_waiting(db: Database) -> bool:
    return db.execute("select 1 from sync_waiting limit 1").fetchone() is not None


def add_waiting(db: Database, ids: list[str]) -> None:
    """These local events are to be sent (new ones, or ones the township turned out to lack)."""
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        db.execute(f"insert or ignore into sync_waiting (seq) select seq from events where local = 1 and "
                   f"pushed = 0 and id in ({','.join('?' * len(chunk))})", chunk)


def _drop_waiting(db: Database, ids: list[str]) -> None:
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        db.execute(f"delete from sync_waiting where seq in (select seq from events where id in "
                   f"({','.join('?' * len(chunk))}))", chunk)


def _set_pushed(db: Database, ids: list[str], value: int, *, only_from: int | None = None) -> None:
    """Set events' sync state: WAITING (to be sent), KNOWN (the township has them) or REFUSED.

    - ``only_from``: only events now in that state (REFUSED: released from quarantine).
    """
    if only_from == REFUSED:
        ids = [r[0] for i in range(0, len(ids), _CHUNK) for r in db.execute(
            f"select id from events where pushed = 2 and id in ({','.join('?' * len(ids[i:i + _CHUNK]))})",
            ids[i:i + _CHUNK]).fetchall()]
    elif only_from is not None:
        raise ValueError("only_from must be REFUSED")
    if value == REFUSED:
        _drop_waiting(db, ids)
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            db.execute(f"update events set pushed = 2 where id in ({','.join('?' * len(chunk))})", chunk)
        return
    # KNOWN (1) for the pulled (and the acknowledged, on this rare path), WAITING (0) for those
    # to be sent again; only rows whose flag changes are rewritten.
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        db.execute(f"update events set pushed = ? where pushed != ? and id in ({','.join('?' * len(chunk))})",
                   [value, value, *chunk])
    if value == WAITING:
        add_waiting(db, ids)
    else:
        _drop_waiting(db, ids)


def mark_known(db: Database, ids: list[str]) -> None:
    """Acknowledged by, or pulled from, the township."""
    _set_pushed(db, ids, KNOWN)


def mark_acknowledged(db: Database, seqs: list[int], ids: list[str]) -> None:
    """A push's events acknowledged by the township (``seqs`` ascending, ``ids`` in the same order).

    - One delete over their ``seq`` range when the waiting events in that range are exactly
      these (the usual batch: the oldest waiting events, one after another); by id otherwise
      (a batch re-cut after a failure, an event released from quarantine into the range).
    """
    if not seqs:
        return
    inside = db.execute("select seq from sync_waiting where seq between ? and ? order by seq",
                        [seqs[0], seqs[-1]]).fetchall()
    if len(inside) == len(seqs) and all(r[0] == s for r, s in zip(inside, seqs)):
        db.execute("delete from sync_waiting where seq between ? and ?", [seqs[0], seqs[-1]])
    else:
        mark_known(db, ids)


def quarantine(db: Database, refused: list[dict[str, Any]]) -> None:
    """Keep refused events aside with the township's reason; they no longer block the queue."""
    at = _now()
    ids = [r["id"] for r in refused if isinstance(r.get("id"), str)]
    db.conn.executemany(
        "insert or replace into sync_quarantine (event_id, code, message, at) values (?, ?, ?, ?)",
        [(r["id"], str(r.get("code", ""))[:64], str(r.get("message", ""))[:500], at) for r in refused
         if isinstance(r.get("id"), str)])
    _set_pushed(db, ids, REFUSED)


def quarantined(db: Database) -> list[dict[str, Any]]:
    """Refused events with their reasons, newest first, for the cadre to see."""
    rows = db.execute(
        "select q.event_id, q.code, q.message, q.at, e.entity, e.entity_id, e.op, e.data from sync_quarantine q "
        "left join events e on e.id = q.event_id order by q.at desc").fetchall()
    return [{"event_id": r[0], "code": r[1], "message": r[2], "at": r[3], "entity": r[4], "entity_id": r[5],
             "op": r[6], "data": json.loads(r[7]) if r[7] else {}} for r in rows]


def release_quarantine(db: Database, ids: list[str]) -> int:
    """Send refused events again (after the township fixed whatever made it refuse them)."""
    _set_pushed(db, ids, WAITING, only_from=REFUSED)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        db.execute(f"delete from sync_quarantine where event_id in ({','.join('?' * len(chunk))})", chunk)
    return len(ids)


def count_quarantined(db: Database) -> int:
    return db.execute("select count(*) from sync_quarantine").fetchone()[0]


# --- batches in flight ---------------------------------------------------------------------------

def new_batch_id() -> str:
    return uuid.uuid4().hex


def put_outbox(db: Database, batch_id: str, via: str, ids: list[str]) -> None:
    db.execute("insert or replace into sync_outbox (batch_id, via, event_ids, created_at) values (?, ?, ?, ?)",
               [batch_id, via, jsontext.text(ids), _now()])


def outbox(db: Database, via: str, skip: Iterable[str] = ()) -> list[tuple[str, list[str]]]:
    """The batches sent by ``via`` and not yet acknowledged, oldest first, with their event ids;
    those in ``skip`` (on the wire now) left out unread: a push reads the outbox before each batch,
    and parsing the id lists of the ones in flight cost 3% of the laptop's push (measured)."""
    skip = list(skip)
    rows = db.execute(f"select batch_id, event_ids from sync_outbox where via = ? "
                      f"and batch_id not in ({','.join('?' * len(skip))}) order by created_at, batch_id",
                      [via, *skip]).fetchall()
    return [(r[0], jsontext.parse(r[1])) for r in rows]


def outbox_ids(db: Database, batch_id: str) -> list[str] | None:
    row = db.execute("select event_ids from sync_outbox where batch_id = ?", [batch_id]).fetchone()
    return jsontext.parse(row[0]) if row else None


def drop_outbox(db: Database, batch_id: str) -> None:
    db.execute("delete from sync_outbox where batch_id = ?", [batch_id])


# --- the consistency check -----------------------------------------------------------------------

def check(db: Database) -> dict[str, Any]:
    """Count and digest of the events the township should hold too (neither waiting nor refused)."""
    return check_after(db, ())


def check_after(db: Database, acknowledged: Sequence[str]) -> dict[str, Any]:
    """``check`` as it will be once these waiting events (distinct ids) are acknowledged."""
    # The ids come out of SQLite as one run of hex digits, XORed in a few big-integer steps
    # (``xor_hex_run``): 100,000 events in ~25 ms instead of ~160 ms one id at a time. Ids were
    # validated as UUIDs on the way in.
    n, run = db.execute(f"select count(*), group_concat(replace(id, '-', ''), '') from events "
                        f"where {_KNOWN_WHERE}").fetchone()
    digest = xor_hex_run((run or "") + "".join(acknowledged).replace("-", ""))
    return {"count": n + len(acknowledged), "digest": f"{digest:032x}"}


def known_ids(db: Database) -> set[str]:
    return {r[0] for r in db.execute(f"select id from events where {_KNOWN_WHERE}")}


def local_ids_known(db: Database, ids: Iterable[str]) -> list[tuple[str, int]]:
    """(id, local) of the given ids that this database holds."""
    ids = list(ids)
    out: list[tuple[str, int]] = []
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        out.extend(db.execute(f"select id, local from events where id in ({','.join('?' * len(chunk))})",
                              chunk).fetchall())
    return out


# --- the sync log --------------------------------------------------------------------------------

def log(db: Database, kind: str, detail: dict[str, Any]) -> None:
    db.execute("insert into sync_log (at, kind, detail) values (?, ?, ?)",
               [_now(), kind, json.dumps(detail, ensure_ascii=False)])
    # The log is for people; keep the last thousand lines.
    db.execute("delete from sync_log where id <= (select max(id) from sync_log) - 1000")


def recent_log(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    rows = db.execute("select at, kind, detail from sync_log order by id desc limit ?", [limit]).fetchall()
    return [{"at": r[0], "kind": r[1], "detail": json.loads(r[2])} for r in rows]


def last_result(db: Database) -> dict[str, Any]:
    return get_raw(db, "sync_last", {}) or {}


def set_last_result(db: Database, result: dict[str, Any]) -> None:
    set_raw(db, "sync_last", result)
