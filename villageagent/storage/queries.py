"""Read queries over the projections: search, lists by page, deadlines, per-resident views.

- Search uses indexed range scans only (prefix of name, initials, reversed ID number and
  phone for tails, errand number): fast at 100,000 errands without FTS.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

_HIGH = "\U0010ffff"
_ERRAND_COLS = (
    "e.id, e.number, e.kind, e.item_code, e.item_name, e.resident_id, e.quantity, e.unit, e.amount_fen, "
    "e.paid_fen, e.materials, e.note, e.status, e.reason, e.tier, e.promised_date, e.created_date, "
    "e.done_date, e.closed, e.roster_id, e.round, e.signed_by, e.created_hlc, e.updated_hlc, e.status_hlc, "
    "r.name as resident_name, r.id_number as resident_id_number, r.phone as resident_phone, r.grp as resident_group"
)


def _rows(db: Database, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    cur = db.execute(sql, list(params))
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _prefix(column: str) -> str:
    return f"({column} >= ? and {column} < ?)"


def _range(text: str) -> list[str]:
    return [text, text + _HIGH]


@dataclass(frozen=True)
class Query:
    """How a search text is read: which indexed columns it may match."""

    text: str
    name: bool
    initials: bool
    digits: bool
    number: bool


_CJK = re.compile(r"[\u3400-\u9fff]")


def classify(text: str) -> Query:
    t = text.strip()
    return Query(
        text=t,
        name=bool(_CJK.search(t)),
        initials=t.isascii() and t.isalpha(),
        digits=bool(re.fullmatch(r"\d{3,17}[\dXx]?", t)),
        number=bool(re.fullmatch(r"[A-Za-z0-9]+-[A-Za-z0-9-]*", t)) or (t.isascii() and t.isalnum()),
    )


def matching_resident_ids(db: Database, text: str, limit: int = 2000) -> list[str]:
    q = classify(text)
    if not q.text:
        return []
    clauses: list[str] = []
    params: list[Any] = []
    if q.name:
        clauses.append(_prefix("name"))
        params += _range(q.text)
    if q.initials:
        clauses.append(_prefix("initials"))
        params += _range(q.text.lower())
    if q.digits and len(q.text) >= 4:
        tail = q.text.upper()[::-1]
        clauses.append(_prefix("id_rev"))
        params += _range(tail)
        clauses.append(_prefix("phone_rev"))
        params += _range(tail)
        if q.text.startswith("1"):
            clauses.append(_prefix("phone"))
            params += _range(q.text)
    if not clauses:
        return []
    ids = [r[0] for r in db.execute(
        f"select id from residents where {' or '.join(clauses)} limit {int(limit)}", params)]
    if q.name and len(ids) < 50:
        # Given names without the surname ("桂英"): a scan of the residents table, which is
        # small beside the errands (a village has at most a few thousand residents).
        extra = [r[0] for r in db.execute(
            "select id from residents where instr(name, ?) > 1 limit ?", [q.text, limit])]
        ids += [i for i in extra if i not in set(ids)]
    return ids


@dataclass
class ErrandFilter:
    kind: str | None = None
    status: str | None = None
    overdue: bool = False
    due_soon: bool = False
    month: str | None = None  # "YYYY-MM" of created_date
    resident_id: str | None = None
    roster_id: str | None = None
    item_code: str | None = None
    text: str = ""
    open_only: bool = False


def _errand_where(db: Database, f: ErrandFilter, today: dt.date) -> tuple[str, list[Any]] | None:
    clauses: list[str] = []
    params: list[Any] = []
    if f.kind:
        clauses.append("e.kind = ?")
        params.append(f.kind)
    if f.status:
        clauses.append("e.status = ?")
        params.append(f.status)
    if f.item_code:
        clauses.append("e.item_code = ?")
        params.append(f.item_code)
    if f.overdue:
        clauses.append("e.closed = 0 and e.promised_date < ?")
        params.append(today.isoformat())
    if f.due_soon:
        clauses.append("e.closed = 0 and e.promised_date >= ? and e.promised_date <= ?")
        params += [today.isoformat(), (today + dt.timedelta(days=2)).isoformat()]
    if f.open_only:
        clauses.append("e.closed = 0")
    if f.month:
        from villageagent.domain.calendar import parse_month

        start, end = parse_month(f.month)
        clauses.append("e.created_date >= ? and e.created_date < ?")
        params += [start.isoformat(), end.isoformat()]
    if f.resident_id:
        clauses.append("e.resident_id = ?")
        params.append(f.resident_id)
    if f.roster_id:
        clauses.append("e.roster_id = ?")
        params.append(f.roster_id)
    text = f.text.strip()
    if text:
        q = classify(text)
        ors: list[str] = []
        rids = matching_resident_ids(db, text)
        if rids:
            ors.append(f"e.resident_id in ({','.join('?' * len(rids))})")
            params += rids
        if q.number:
            ors.append(_prefix("e.number"))
            params += _range(text.upper())
        if q.digits:
            ors.append(_prefix("e.number_rev"))
            params += _range(text[::-1])
        if not ors:
            return None
        clauses.append("(" + " or ".join(ors) + ")")
    return (" and ".join(clauses) or "1"), params


def list_errands(db: Database, f: ErrandFilter | None = None, *, today: dt.date | None = None,
                 offset: int = 0, limit: int = 100, order: str = "recent") -> list[dict[str, Any]]:
    """A page of errands with their resident, newest first (or by promised date)."""
    today = today or dt.date.today()
    where = _errand_where(db, f or ErrandFilter(), today)
    if where is None:
        return []
    sql_where, params = where
    order_sql = {"recent": "e.created_hlc desc", "promised": "e.promised_date, e.created_hlc",
                 "number": "e.number"}[order]
    rows = _rows(db, f"select {_ERRAND_COLS} from errands e left join residents r on r.id = e.resident_id "
                     f"where {sql_where} order by {order_sql} limit ? offset ?", params + [limit, offset])
    for row in rows:
        row["materials"] = json.loads(row["materials"])
    return rows


def count_errands(db: Database, f: ErrandFilter | None = None, *, today: dt.date | None = None) -> int:
    where = _errand_where(db, f or ErrandFilter(), today or dt.date.today())
    if where is None:
        return 0
    sql_where, params = where
    return int(db.execute(f"select count(*) from errands e where {sql_where}", params).fetchone()[0])


def get_errand(db: Database, errand_id: str) -> dict[str, Any] | None:
    rows = _rows(db, f"select {_ERRAND_COLS} from errands e left join residents r on r.id = e.resident_id "
                     "where e.id = ?", [errand_id])
    if not rows:
        return None
    rows[0]["materials"] = json.loads(rows[0]["materials"])
    return rows[0]


def find_errand_by_number(db: Database, number: str) -> dict[str, Any] | None:
    row = db.execute("select id from errands where number = ?", [number.strip().upper()]).fetchone()
    return get_errand(db, row[0]) if row else None


def timeline(db: Database, entity_id: str) -> list[dict[str, Any]]:
    rows = _rows(db, "select id, hlc, origin, op, data, actor, applied, local from events "
                     "where entity_id = ? order by hlc, id", [entity_id])
    for row in rows:
        row["data"] = json.loads(row["data"])
    return rows


def get_resident(db: Database, resident_id: str) -> dict[str, Any] | None:
    rows = _rows(db, "select * from residents where id = ?", [resident_id])
    return rows[0] if rows else None


def resident_by_id_number(db: Database, id_number: str) -> dict[str, Any] | None:
    rows = _rows(db, "select * from residents where id_number = ? order by created_hlc limit 1", [id_number])
    return rows[0] if rows else None


def _resident_filter(db: Database, text: str, group: str | None, alias: str = "") -> tuple[list[str], list[Any]] | None:
    """Clauses and parameters for residents matching ``text`` and ``group``; None when nothing can."""
    params: list[Any] = []
    clauses: list[str] = []
    if text.strip():
        ids = matching_resident_ids(db, text)
        if not ids:
            return None
        clauses.append(f"{alias}id in ({','.join('?' * len(ids))})")
        params += ids
    if group:
        clauses.append(f"{alias}grp = ?")
        params.append(group)
    return clauses, params


def list_residents(db: Database, text: str = "", *, offset: int = 0, limit: int = 100,
                   group: str | None = None) -> list[dict[str, Any]]:
    found = _resident_filter(db, text, group)
    if found is None:
        return []
    clauses, params = found
    where = " and ".join(clauses) or "1"
    return _rows(db, f"select * from residents where {where} order by initials, name limit ? offset ?",
                 params + [limit, offset])


def count_residents(db: Database, text: str = "") -> int:
    if text.strip():
        return len(matching_resident_ids(db, text, limit=100000))
    return int(db.execute("select count(*) from residents").fetchone()[0])


def deadline_list(db: Database, today: dt.date, *, overdue: bool, limit: int = 500) -> list[dict[str, Any]]:
    f = ErrandFilter(overdue=overdue, due_soon=not overdue)
    return list_errands(db, f, today=today, limit=limit, order="promised")


def catalog_items(db: Database, kind: str | None = None, *, offered: bool = False) -> list[dict[str, Any]]:
    """The catalog's items; ``offered``: only those a new errand may be logged for (not retired)."""
    sql = "select data from catalog_items" + (" where kind = ?" if kind else "") + " order by kind, code"
    items = [json.loads(r[0]) for r in db.execute(sql, [kind] if kind else [])]
    return [i for i in items if not i.get("retired")] if offered else items


def catalog_item(db: Database, code: str) -> dict[str, Any] | None:
    row = db.execute("select data from catalog_items where code = ?", [code]).fetchone()
    return json.loads(row[0]) if row else None


def supply_orders(db: Database, item_code: str | None = None, round_name: str | None = None) -> list[dict[str, Any]]:
    clauses = ["e.kind = 'farm_supply'"]
    params: list[Any] = []
    if item_code:
        clauses.append("e.item_code = ?")
        params.append(item_code)
    if round_name:
        clauses.append("e.round = ?")
        params.append(round_name)
    return _rows(db, f"select {_ERRAND_COLS} from errands e left join residents r on r.id = e.resident_id "
                     f"where {' and '.join(clauses)} order by e.item_code, r.grp, r.name", params)


def supply_rounds(db: Database) -> list[str]:
    return [r[0] for r in db.execute(
        "select distinct round from errands where kind = 'farm_supply' and round != '' order by round desc")]


def rosters(db: Database) -> list[dict[str, Any]]:
    return _rows(db, "select * from rosters order by created_hlc desc")


def roster_lines(db: Database, roster_id: str) -> list[dict[str, Any]]:
    return _rows(db, f"select {_ERRAND_COLS} from errands e left join residents r on r.id = e.resident_id "
                     "where e.roster_id = ? order by r.grp, r.name", [roster_id])


def list_logs(db: Database, *, month: str | None = None, type_: str | None = None,
              offset: int = 0, limit: int = 200) -> list[dict[str, Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if month:
        from villageagent.domain.calendar import parse_month

        start, end = parse_month(month)
        clauses.append("l.date >= ? and l.date < ?")
        params += [start.isoformat(), end.isoformat()]
    if type_:
        clauses.append("l.type = ?")
        params.append(type_)
    where = " and ".join(clauses) or "1"
    return _rows(db, "select l.*, r.name as resident_name from logs l left join residents r on r.id = l.resident_id "
                     f"where {where} order by l.date desc, l.created_hlc desc limit ? offset ?",
                 params + [limit, offset])


# --- Desktop list paging (added for the UI; keyset paging so page 900 costs what page 1 does) ---

def errand_page(db: Database, f: ErrandFilter | None = None, *, today: dt.date | None = None,
                after: tuple[str, str] | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """A page of errands, newest first, continuing after the (created_hlc, id) of the last row shown.

    - Overdue and due-soon lists are ordered by promised date instead (the most urgent first),
      with ``after`` being (promised_date, id).
    """
    today = today or dt.date.today()
    f = f or ErrandFilter()
    where = _errand_where(db, f, today)
    if where is None:
        return []
    sql_where, params = where
    if len(params) > 1000 and "e.resident_id in (" in sql_where:
        # Many matching residents ("z", ~2,000 of 25,000): walking the newest-first index and
        # testing membership finds a page sooner than sorting their ~8,000 errands (6 ms vs 37 ms).
        # Fewer ("cd", ~400) are sparse in that index: their own index and a sort win (2.5 vs 8 ms).
        sql_where = sql_where.replace("e.resident_id in (", "+e.resident_id in (")
    by_promise = f.overdue or f.due_soon
    key = ("e.promised_date", "e.id") if by_promise else ("e.created_hlc", "e.id")
    if after is not None:
        op = ">" if by_promise else "<"
        sql_where += f" and ({key[0]} {op} ? or ({key[0]} = ? and {key[1]} {op} ?))"
        params = params + [after[0], after[0], after[1]]
    direction = "" if by_promise else " desc"
    rows = _rows(db, f"select {_ERRAND_COLS} from errands e left join residents r on r.id = e.resident_id "
                     f"where {sql_where} order by {key[0]}{direction}, {key[1]}{direction} limit ?",
                 params + [limit])
    for row in rows:
        row["materials"] = json.loads(row["materials"])
    return rows


def errand_page_key(row: dict[str, Any], f: ErrandFilter | None = None) -> tuple[str, str]:
    """The ``after`` key of a row returned by ``errand_page`` under the same filter."""
    if f is not None and (f.overdue or f.due_soon):
        return (row["promised_date"], row["id"])
    return (row["created_hlc"], row["id"])


def resident_page(db: Database, text: str = "", *, group: str | None = None,
                  after: tuple[str, str, str] | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Residents ordered by pinyin initials and name, each with the number of their errands."""
    found = _resident_filter(db, text, group, alias="r.")
    if found is None:
        return []
    clauses, params = found
    if after is not None:
        clauses.append("(r.initials > ? or (r.initials = ? and (r.name > ? or (r.name = ? and r.id > ?))))")
        params += [after[0], after[0], after[1], after[1], after[2]]
    where = " and ".join(clauses) or "1"
    return _rows(db, "select r.*, (select count(*) from errands e where e.resident_id = r.id) as errand_count "
                     f"from residents r where {where} order by r.initials, r.name, r.id limit ?", params + [limit])


def supply_rounds_and_items(db: Database) -> list[dict[str, Any]]:
    """The farm-supply order rounds with the items ordered in each (for picking an order round)."""
    return _rows(db, "select round, item_code, item_name, count(*) as orders from errands "
                     "where kind = 'farm_supply' group by round, item_code order by round desc, item_code")
