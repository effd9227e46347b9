"""Farm-supply orders (农资代购) and subsidy rosters (补贴代发): totals that must reconcile."""

from __future__ import annotations


from sqlite_utils import Database

from sync.events import Event, new_event_id, new_id
from villageagent.domain.errors import ValidationError, VillageError
from villageagent.domain.reconcile import PurchaseLine, RosterReconciliation, purchase_list, reconcile_roster
from villageagent.services.base import Stamper, observe_remote, transaction
from villageagent.storage import queries
from villageagent.storage.events import Changes, apply_events


def purchase_list_for(db: Database, item_code: str | None = None, round_name: str | None = None) -> list[PurchaseLine]:
    """One line per item: households, quantity, money, delivered and collected."""
    return purchase_list(queries.supply_orders(db, item_code, round_name))


def roster_reconciliation(db: Database, roster_id: str) -> RosterReconciliation:
    if not any(r["id"] == roster_id for r in queries.rosters(db)):
        raise VillageError("roster_unknown")
    return reconcile_roster(queries.roster_lines(db, roster_id))


def create_roster(db: Database, *, item_code: str, title: str, month: str,
                  lines: list[tuple[str, int]]) -> tuple[str, Changes]:
    """A roster logged at the village (rosters normally arrive from the township by sync).

    ``lines`` are (resident_id, amount_fen); each becomes a subsidy errand of the roster.
    """
    item = queries.catalog_item(db, item_code)
    if item is None or item["kind"] != "subsidy":
        raise ValidationError("item_unknown", field="item", item=item_code)
    from villageagent.services.errands import stage_errand

    roster_id = new_id()
    with transaction(db):
        stamper = Stamper(db)
        stamper.event("roster", roster_id, "create", {"item_code": item_code, "title": title.strip()[:60],
                                                      "month": month})
        for resident_id, amount in lines:
            stage_errand(db, stamper, resident_id=resident_id, item_code=item_code, amount_fen=amount,
                         roster_id=roster_id)
        changes = stamper.commit()
    return roster_id, changes


def apply_township_events(db: Database, events: list[Event]) -> Changes:
    """Events that came from the township (a pull or a USB answer file), in one transaction."""
    with transaction(db):
        observe_remote(db, events)
        return apply_events(db, events, local=False)


__all__ = ["purchase_list_for", "roster_reconciliation", "create_roster", "apply_township_events", "new_event_id"]
