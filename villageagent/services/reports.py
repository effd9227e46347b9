"""The monthly summary table (汇总表) reported upward."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from sync.workflow import KINDS, WORKFLOWS
from villageagent.domain.calendar import parse_month
from villageagent.services import clock
from villageagent.storage import reports


@dataclass
class KindSummary:
    kind: str
    received: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    completed_on_time: int = 0
    completed_late: int = 0
    overdue_now: int = 0
    amount_fen: int = 0

    @property
    def completed(self) -> int:
        return self.completed_on_time + self.completed_late

    @property
    def on_time_rate(self) -> float | None:
        return self.completed_on_time / self.completed if self.completed else None


@dataclass
class MonthlySummary:
    month: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    kinds: dict[str, KindSummary]
    supplies: list[dict[str, Any]]
    subsidies_paid_count: int
    subsidies_paid_fen: int
    certificate_fees_fen: int
    logs: dict[str, int]

    @property
    def received(self) -> int:
        return sum(k.received for k in self.kinds.values())

    @property
    def completed_on_time(self) -> int:
        return sum(k.completed_on_time for k in self.kinds.values())

    @property
    def completed_late(self) -> int:
        return sum(k.completed_late for k in self.kinds.values())

    @property
    def overdue_now(self) -> int:
        return sum(k.overdue_now for k in self.kinds.values())


def monthly_summary(db: Database, month: str | None = None) -> MonthlySummary:
    """Counts by kind and status of the errands received in the month, those completed in it on
    time or late, those overdue (as of today, or the month's last day for a past month), money
    and quantities, and the logs. ``month`` is 'YYYY-MM' (default: this month)."""
    today = clock.today()
    month = month or f"{today:%Y-%m}"
    start, end = parse_month(month)
    as_of = min(today, end - dt.timedelta(days=1)) if end <= today else today
    raw = reports.monthly_numbers(db, start, end, as_of)
    kinds = {k: KindSummary(k, by_status={s: 0 for s in WORKFLOWS[k].states}) for k in KINDS}
    for row in raw["by_kind_status"]:
        ks = kinds[row["kind"]]
        ks.received += row["count"]
        ks.by_status[row["status"]] = ks.by_status.get(row["status"], 0) + row["count"]
        if row["status"] != "cancelled":
            ks.amount_fen += row["amount_fen"]
    for kind, c in raw["completed"].items():
        kinds[kind].completed_on_time = c["on_time"]
        kinds[kind].completed_late = c["late"]
    for kind, n in raw["overdue"].items():
        kinds[kind].overdue_now = n
    return MonthlySummary(
        month=f"{start:%Y-%m}", start=start, end=end, as_of=as_of, kinds=kinds, supplies=raw["supplies"],
        subsidies_paid_count=raw["subsidies_paid"]["count"], subsidies_paid_fen=raw["subsidies_paid"]["amount_fen"],
        certificate_fees_fen=raw["certificate_fees_fen"], logs=raw["logs"],
    )
