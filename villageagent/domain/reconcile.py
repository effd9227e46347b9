"""Totals that must add up: farm-supply purchase lists and subsidy roster reconciliation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Any


@dataclass
class PurchaseLine:
    item_code: str
    item_name: str
    unit: str
    households: int = 0
    quantity: float = 0.0
    amount_fen: int = 0
    delivered_quantity: float = 0.0
    collected_fen: int = 0


def purchase_list(orders: Iterable[Mapping[str, Any]]) -> list[PurchaseLine]:
    """One line per item over the non-cancelled orders: households, quantity and money."""
    lines: dict[str, PurchaseLine] = {}
    households: dict[str, set[str]] = {}
    for o in orders:
        if o["status"] == "cancelled":
            continue
        line = lines.setdefault(o["item_code"], PurchaseLine(o["item_code"], o["item_name"], o.get("unit") or ""))
        households.setdefault(o["item_code"], set()).add(o["resident_id"])
        qty = float(o.get("quantity") or 0)
        line.quantity = round(line.quantity + qty, 3)
        line.amount_fen += int(o.get("amount_fen") or 0)
        if o["status"] in ("delivered", "settled"):
            line.delivered_quantity = round(line.delivered_quantity + qty, 3)
        if o["status"] == "settled" or o.get("paid_fen"):
            line.collected_fen += int(o.get("paid_fen") or o.get("amount_fen") or 0)
    for code, line in lines.items():
        line.households = len(households[code])
    return sorted(lines.values(), key=lambda line: line.item_code)


@dataclass
class RosterReconciliation:
    roster_count: int = 0
    roster_fen: int = 0
    paid_count: int = 0
    paid_fen: int = 0
    confirmed_count: int = 0
    problem_count: int = 0
    unpaid_count: int = 0
    unpaid_fen: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return self.paid_fen + self.unpaid_fen == self.roster_fen and self.paid_count + self.unpaid_count == self.roster_count


def reconcile_roster(lines: Iterable[Mapping[str, Any]]) -> RosterReconciliation:
    r = RosterReconciliation()
    for line in lines:
        amount = int(line.get("amount_fen") or 0)
        status = line["status"]
        r.roster_count += 1
        r.roster_fen += amount
        r.by_status[status] = r.by_status.get(status, 0) + 1
        if status in ("paid", "confirmed"):
            r.paid_count += 1
            r.paid_fen += amount
            if status == "confirmed":
                r.confirmed_count += 1
        else:
            r.unpaid_count += 1
            r.unpaid_fen += amount
            if status == "problem":
                r.problem_count += 1
    return r
