"""Aggregate queries: the monthly summary table (汇总表)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlite_utils import Database


def monthly_numbers(db: Database, start: dt.date, end: dt.date, as_of: dt.date) -> dict[str, Any]:
    """Raw figures for [start, end); ``as_of`` is the day overdue is judged on."""
    s, e = start.isoformat(), end.isoformat()
    by_kind_status = [
        {"kind": k, "status": st, "count": n, "amount_fen": a}
        for k, st, n, a in db.execute(
            "select kind, status, count(*), coalesce(sum(amount_fen), 0) from errands "
            "where created_date >= ? and created_date < ? group by kind, status order by kind, status", [s, e])
    ]
    completed = {
        k: {"on_time": on_time or 0, "late": late or 0}
        for k, on_time, late in db.execute(
            "select kind, sum(done_date <= promised_date), sum(done_date > promised_date) from errands "
            "where done_date >= ? and done_date < ? group by kind", [s, e])
    }
    overdue = {
        k: n for k, n in db.execute(
            "select kind, count(*) from errands where closed = 0 and promised_date < ? and created_date < ? "
            "group by kind", [as_of.isoformat(), e])
    }
    supplies = [
        {"item_code": c, "item_name": name, "unit": unit, "households": hh, "quantity": q or 0, "amount_fen": a or 0}
        for c, name, unit, hh, q, a in db.execute(
            "select item_code, item_name, unit, count(distinct resident_id), sum(quantity), sum(amount_fen) "
            "from errands where kind = 'farm_supply' and status != 'cancelled' and created_date >= ? "
            "and created_date < ? group by item_code order by item_code", [s, e])
    ]
    subsidies_paid = {
        "count": 0, "amount_fen": 0,
    }
    row = db.execute(
        "select count(*), coalesce(sum(amount_fen), 0) from errands where kind = 'subsidy' "
        "and status in ('paid', 'confirmed') and done_date >= ? and done_date < ?", [s, e]).fetchone()
    subsidies_paid["count"], subsidies_paid["amount_fen"] = row[0], row[1]
    fees = db.execute(
        "select coalesce(sum(amount_fen), 0) from errands where kind = 'certificate' and status != 'cancelled' "
        "and created_date >= ? and created_date < ?", [s, e]).fetchone()[0]
    logs = {t: n for t, n in db.execute(
        "select type, count(*) from logs where date >= ? and date < ? group by type", [s, e])}
    return {
        "by_kind_status": by_kind_status, "completed": completed, "overdue": overdue,
        "supplies": supplies, "subsidies_paid": subsidies_paid, "certificate_fees_fen": fees, "logs": logs,
    }
