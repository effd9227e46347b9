"""The console's reads: the inbox, counts, the monthly circular, purchase lists, reconciliation.

- Every list is a queryset the view paginates; aggregates are GROUP BY queries on indexed
  columns (village, status, kind, created_date, closed+promised_date), never Python loops over
  all errands.
- Writes are not here: they go through ``sync.township.operations``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable

from django.db.models import CharField, Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When
from pypinyin import Style, lazy_pinyin

from sync.township import models as m
from sync.township.console.models import ResidentKey
from sync.workflow import KINDS, WORKFLOWS

DUE_SOON_DAYS = 2
LOG_TYPES = ("consultation", "dispute", "concern", "problem")


@dataclass
class InboxFilter:
    """What the inbox shows; empty strings mean "any"."""

    village: str = ""
    kind: str = ""
    status: str = "open"  # open | all | one status
    due: str = ""  # "" | overdue | soon
    month: str = ""  # YYYY-MM of created_date
    q: str = ""


def month_range(month: str) -> tuple[str, str] | None:
    """('2026-03-01', '2026-04-01') for '2026-03'; None when the text is not a month."""
    try:
        start = dt.date(int(month[:4]), int(month[5:7]), 1)
    except (ValueError, IndexError):
        return None
    if len(month) != 7 or month[4] != "-":
        return None
    end = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start.isoformat(), end.isoformat()


def initials_of(name: str) -> str:
    """张桂英 → zgy (letters only, lower case)."""
    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p[:1].isalpha()).lower()[:40]


def refresh_resident_keys() -> int:
    """Add or update the initials of residents that are new or renamed since last time."""
    same = ResidentKey.objects.filter(entity_id=OuterRef("entity_id"), name=OuterRef("name"))
    stale = list(m.Resident.objects.filter(~Exists(same)).values_list("entity_id", "village_id", "name")[:50000])
    if not stale:
        return 0
    ResidentKey.objects.bulk_create(
        [ResidentKey(entity_id=e, village_id=v, name=n, initials=initials_of(n)) for e, v, n in stale],
        batch_size=500, update_conflicts=True, unique_fields=["entity_id"],
        update_fields=["village_id", "name", "initials"])
    return len(stale)


_ID_LIST_LIMIT = 5000


def _residents(qs: QuerySet, column: str = "entity_id") -> Q:
    """Errands of these residents: the ids resolved first, so the errand query uses its
    ``resident_id`` index instead of re-running a subquery for every count (measured: 3x)."""
    ids = list(qs.values_list(column, flat=True)[:_ID_LIST_LIMIT + 1])
    if len(ids) > _ID_LIST_LIMIT:
        return Q(resident_id__in=qs.values(column))
    return Q(resident_id__in=ids)


def _search(q: str) -> Q:
    text = q.strip()[:40]
    if not text:
        return Q()
    if text.isascii() and text.isalpha():
        refresh_resident_keys()
        return _residents(ResidentKey.objects.filter(initials__startswith=text.lower()))
    if text.replace("-", "").isalnum() and any(c.isdigit() for c in text):
        people = m.Resident.objects.filter(Q(id_number__endswith=text.upper()) | Q(phone__endswith=text))
        return Q(number__icontains=text) | _residents(people)
    return _residents(m.Resident.objects.filter(name__contains=text)) | Q(item_name__contains=text)


def _base(f: InboxFilter, today: dt.date, *, skip: str = "") -> QuerySet:
    """The errands matching the filter; ``skip`` leaves one filter out (``dimensions``: all four
    of village, kind, status and deadline, for the counts)."""
    if skip == "dimensions":
        qs = m.Errand.objects.all()
        span = month_range(f.month) if f.month else None
        if span:
            qs = qs.filter(created_date__gte=span[0], created_date__lt=span[1])
        return qs.filter(_search(f.q)) if f.q else qs
    qs = m.Errand.objects.all()
    if f.village and skip != "village":
        qs = qs.filter(village__code=f.village)
    if f.kind and skip != "kind":
        qs = qs.filter(kind=f.kind)
    if skip != "status":
        if f.status == "open":
            qs = qs.filter(closed=False)
        elif f.status and f.status != "all":
            qs = qs.filter(status=f.status)
    if f.due and skip != "due":
        qs = qs.filter(closed=False).exclude(promised_date="")
        if f.due == "overdue":
            qs = qs.filter(promised_date__lt=today.isoformat())
        elif f.due == "soon":
            qs = qs.filter(promised_date__gte=today.isoformat(),
                           promised_date__lte=(today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat())
    span = month_range(f.month) if f.month else None
    if span and skip != "month":
        qs = qs.filter(created_date__gte=span[0], created_date__lt=span[1])
    if f.q and skip != "q":
        qs = qs.filter(_search(f.q))
    return qs


def inbox(f: InboxFilter, today: dt.date) -> QuerySet:
    """The inbox rows, newest first (the view paginates)."""
    return _base(f, today).select_related("village").order_by("-created_date", "-id")


def inbox_counts(f: InboxFilter, today: dt.date) -> dict[str, dict[str, int]]:
    """For each filter, how many errands each of its choices would show (the other filters kept).

    - One GROUP BY over (village, kind, status, closed, deadline bucket) of the rows matching the
      month and the search; the four dimensions are then counted in Python from those few hundred
      groups (four separate GROUP BY queries took ~145 ms at 20,000 errands, this takes a third).
    """
    t = today.isoformat()
    soon_end = (today + dt.timedelta(days=DUE_SOON_DAYS)).isoformat()
    bucket = Case(
        When(closed=False, promised_date__gt="", promised_date__lt=t, then=Value("overdue")),
        When(closed=False, promised_date__gte=t, promised_date__lte=soon_end, then=Value("soon")),
        default=Value(""), output_field=CharField())
    base = _base(f, today, skip="dimensions")
    groups = list(base.annotate(due_bucket=bucket).values("village_id", "kind", "status", "closed", "due_bucket")
                  .annotate(n=Count("id")).order_by())
    codes = dict(m.Village.objects.values_list("id", "code"))

    def ok_village(g: dict) -> bool:
        return not f.village or codes.get(g["village_id"]) == f.village

    def ok_kind(g: dict) -> bool:
        return not f.kind or g["kind"] == f.kind

    def ok_status(g: dict) -> bool:
        return f.status in ("", "all") or (not g["closed"] if f.status == "open" else g["status"] == f.status)

    def ok_due(g: dict) -> bool:
        return not f.due or g["due_bucket"] == f.due

    out: dict[str, dict[str, int]] = {"village": {}, "kind": {}, "status": {"open": 0, "all": 0},
                                      "due": {"overdue": 0, "soon": 0}}
    for g in groups:
        n, v, k, s, d = g["n"], ok_village(g), ok_kind(g), ok_status(g), ok_due(g)
        if k and s and d:
            code = codes.get(g["village_id"], "?")
            out["village"][code] = out["village"].get(code, 0) + n
        if v and s and d:
            out["kind"][g["kind"]] = out["kind"].get(g["kind"], 0) + n
        if v and k and d:
            out["status"][g["status"]] = out["status"].get(g["status"], 0) + n
            out["status"]["all"] += n
            out["status"]["open"] += 0 if g["closed"] else n
        if v and k and s and g["due_bucket"]:
            out["due"][g["due_bucket"]] += n
    out["village"] = dict(sorted(out["village"].items()))
    out["kind"] = {k: out["kind"][k] for k in KINDS if k in out["kind"]}
    return out


def resident_names(resident_ids: Iterable[str]) -> dict[str, m.Resident]:
    ids = [i for i in set(resident_ids) if i]
    return {r.entity_id: r for r in m.Resident.objects.filter(entity_id__in=ids)} if ids else {}


# --- the monthly circular (按月通报) ------------------------------------------------------------

@dataclass
class VillageMonth:
    """One village's line of the circular."""

    code: str
    name: str
    received: int = 0
    received_by_kind: dict[str, int] = field(default_factory=dict)
    completed: int = 0
    on_time: int = 0
    overdue_now: int = 0
    subsidy_paid: int = 0
    subsidy_paid_fen: int = 0
    supply_orders: int = 0
    supply_fen: int = 0
    logs: dict[str, int] = field(default_factory=dict)
    rank: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.completed if self.completed else None

    @property
    def on_time_percent(self) -> str:
        rate = self.on_time_rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


_PAID_AMOUNT = Case(When(paid_fen__gt=0, then=F("paid_fen")), default=F("amount_fen"), output_field=IntegerField())


def circular(month: str, today: dt.date) -> tuple[list[VillageMonth], VillageMonth, list[dict[str, Any]]]:
    """Per village for the month, the total line, and the farm-supply quantities per item.

    - Received: created in the month; completed: reached 办结 (or paid/delivered) in the month;
      on time: completed no later than the promised date; overdue now: open and past its date.
    - Ranked by on-time rate, then by completed (villages with nothing completed last).
    """
    span = month_range(month)
    if span is None:
        raise ValueError(month)
    lo, hi = span
    villages = {v.pk: VillageMonth(v.code, v.name) for v in m.Village.objects.all()}
    received = m.Errand.objects.filter(created_date__gte=lo, created_date__lt=hi)
    for r in received.values("village_id", "kind").annotate(n=Count("id")):
        line = villages[r["village_id"]]
        line.received += r["n"]
        line.received_by_kind[r["kind"]] = r["n"]
    done = m.Errand.objects.filter(done_date__gte=lo, done_date__lt=hi)
    for r in done.values("village_id").annotate(
            n=Count("id"),
            ok=Count("id", filter=Q(done_date__lte=F("promised_date")) | Q(promised_date=""))):
        line = villages[r["village_id"]]
        line.completed, line.on_time = r["n"], r["ok"]
    for r in done.filter(kind="subsidy").values("village_id").annotate(n=Count("id"), fen=Sum(_PAID_AMOUNT)):
        line = villages[r["village_id"]]
        line.subsidy_paid, line.subsidy_paid_fen = r["n"], r["fen"] or 0
    for r in received.filter(kind="farm_supply").exclude(status="cancelled").values("village_id").annotate(
            n=Count("id"), fen=Sum("amount_fen")):
        line = villages[r["village_id"]]
        line.supply_orders, line.supply_fen = r["n"], r["fen"] or 0
    overdue = (m.Errand.objects.filter(closed=False, promised_date__lt=today.isoformat())
               .exclude(promised_date=""))
    for r in overdue.values("village_id").annotate(n=Count("id")):
        villages[r["village_id"]].overdue_now = r["n"]
    logs = m.LogEntry.objects.filter(date__gte=lo, date__lt=hi)
    for r in logs.values("village_id", "type").annotate(n=Count("id")):
        villages[r["village_id"]].logs[r["type"]] = r["n"]
    lines = sorted(villages.values(), key=lambda v: (v.on_time_rate is None, -(v.on_time_rate or 0),
                                                      -v.completed, v.overdue_now, v.code))
    for n, line in enumerate(lines, start=1):
        line.rank = n
    total = VillageMonth("", "合计")
    for line in lines:
        for attr in ("received", "completed", "on_time", "overdue_now", "subsidy_paid", "subsidy_paid_fen",
                     "supply_orders", "supply_fen"):
            setattr(total, attr, getattr(total, attr) + getattr(line, attr))
        for k, n in line.received_by_kind.items():
            total.received_by_kind[k] = total.received_by_kind.get(k, 0) + n
        for k, n in line.logs.items():
            total.logs[k] = total.logs.get(k, 0) + n
    supplies = list(received.filter(kind="farm_supply").exclude(status="cancelled")
                    .values("item_code", "item_name", "unit")
                    .annotate(orders=Count("id"), quantity=Sum("quantity"), fen=Sum("amount_fen"))
                    .order_by("item_code"))
    return lines, total, supplies


# --- farm-supply purchase lists -------------------------------------------------------------------

def purchase_list(status: str = "ordered", month: str = "", round_name: str = "") -> tuple[list[dict], list[dict]]:
    """(per item summed across villages, per item and village) for farm-supply orders."""
    qs = m.Errand.objects.filter(kind="farm_supply")
    if status:
        qs = qs.filter(status=status)
    span = month_range(month) if month else None
    if span:
        qs = qs.filter(created_date__gte=span[0], created_date__lt=span[1])
    if round_name:
        qs = qs.filter(round=round_name)
    per_item = list(qs.values("item_code", "item_name", "unit")
                    .annotate(orders=Count("id"), villages=Count("village", distinct=True),
                              quantity=Sum("quantity"), fen=Sum("amount_fen")).order_by("item_code", "unit"))
    per_village = list(qs.values("item_code", "item_name", "unit", "village__code", "village__name")
                       .annotate(orders=Count("id"), quantity=Sum("quantity"), fen=Sum("amount_fen"))
                       .order_by("item_code", "unit", "village__code"))
    return per_item, per_village


def purchase_ids(status: str, month: str = "", round_name: str = "") -> list[str]:
    qs = m.Errand.objects.filter(kind="farm_supply", status=status)
    span = month_range(month) if month else None
    if span:
        qs = qs.filter(created_date__gte=span[0], created_date__lt=span[1])
    if round_name:
        qs = qs.filter(round=round_name)
    return list(qs.values_list("entity_id", flat=True)[:5000])


# --- subsidy rosters: reconciliation ----------------------------------------------------------------

_PAID_STATES = [s for s in WORKFLOWS["subsidy"].done]


def roster_progress(roster_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per roster: lines, listed amount, paid count and paid amount (fen)."""
    rows = (m.Errand.objects.filter(roster_id__in=roster_ids).values("roster_id")
            .annotate(lines=Count("id"), fen=Sum("amount_fen"),
                      paid=Count("id", filter=Q(status__in=_PAID_STATES)),
                      paid_fen=Sum(_PAID_AMOUNT, filter=Q(status__in=_PAID_STATES)),
                      problems=Count("id", filter=Q(status="problem"))))
    return {r["roster_id"]: {k: (r[k] or 0) for k in ("lines", "fen", "paid", "paid_fen", "problems")}
            for r in rows}


def reconciliation() -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Paid count and amount per village and in total, over every published roster."""
    rows = list(m.Errand.objects.filter(kind="subsidy", roster_id__isnull=False)
                .values("village__code", "village__name")
                .annotate(lines=Count("id"), fen=Sum("amount_fen"),
                          paid=Count("id", filter=Q(status__in=_PAID_STATES)),
                          paid_fen=Sum(_PAID_AMOUNT, filter=Q(status__in=_PAID_STATES)),
                          problems=Count("id", filter=Q(status="problem")))
                .order_by("village__code"))
    total = {k: 0 for k in ("lines", "fen", "paid", "paid_fen", "problems")}
    for r in rows:
        for k in total:
            r[k] = r[k] or 0
            total[k] += r[k]
        r["unpaid_fen"] = r["fen"] - r["paid_fen"]
    total["unpaid_fen"] = total["fen"] - total["paid_fen"]
    return rows, total


def kinds() -> tuple[str, ...]:
    return KINDS
