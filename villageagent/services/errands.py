"""Errands: register, step through each kind's workflow, notes, deadlines, search."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from sync.workflow import FARM_SUPPLY, SUBSIDY, VILLAGE, workflow
from villageagent.domain.catalog import parse_item
from villageagent.domain.errand import (
    amount_for, check_village_step, errand_number, promised_date, validate_note, validate_quantity,
)
from villageagent.domain.errors import ValidationError, VillageError
from villageagent.services import clock
from villageagent.services.base import Stamper, transaction
from villageagent.storage import queries
from villageagent.storage import settings as settings_store
from villageagent.storage.events import Changes
from sync.events import new_id


def _item(db: Database, item_code: str):
    raw = queries.catalog_item(db, item_code.strip())
    if raw is None:
        raise ValidationError("item_unknown", field="item", item=item_code)
    return parse_item(raw)


def preview_promised_date(db: Database, item_code: str, on: dt.date | None = None) -> dt.date:
    """The date the promise falls on if the errand is logged today (shown while typing)."""
    return promised_date(_item(db, item_code), on or clock.today())


def register_errand(db: Database, *, resident_id: str, item_code: str, quantity: Any = None,
                    amount_fen: int | None = None, materials_received: list[str] | None = None,
                    note: str = "", round_name: str = "", roster_id: str | None = None,
                    submit: bool = False) -> tuple[dict[str, Any], Changes]:
    """Log an errand for a resident. The number and the promised date are computed here.

    - Supplies need a quantity; money is derived from the catalog unless given (fen).
    - ``materials_received`` are ticked on the item's checklist; unknown names are refused.
    - ``submit`` also takes the first step for certificates (报送乡镇) in the same transaction.
    """
    with transaction(db):
        stamper = Stamper(db)
        errand_id = stage_errand(db, stamper, resident_id=resident_id, item_code=item_code, quantity=quantity,
                                 amount_fen=amount_fen, materials_received=materials_received, note=note,
                                 round_name=round_name, roster_id=roster_id, submit=submit)
        changes = stamper.commit()
    errand = queries.get_errand(db, errand_id)
    assert errand is not None
    return errand, changes


def stage_errand(db: Database, stamper: Stamper, *, resident_id: str, item_code: str, quantity: Any = None,
                 amount_fen: int | None = None, materials_received: list[str] | None = None,
                 note: str = "", round_name: str = "", roster_id: str | None = None,
                 submit: bool = False) -> str:
    """Check an errand and stamp its events into ``stamper`` (the caller's transaction)."""
    item = _item(db, item_code)
    if item.retired:
        raise ValidationError("item_retired", field="item", item=item.name)
    if queries.get_resident(db, resident_id) is None:
        raise VillageError("resident_unknown")
    qty = validate_quantity(quantity) if item.kind == FARM_SUPPLY else (
        validate_quantity(quantity) if quantity not in (None, "") else None)
    if amount_fen is not None and (isinstance(amount_fen, bool) or not isinstance(amount_fen, int)
                                   or amount_fen < 0 or amount_fen > 10**11):
        raise ValidationError("money", field="amount", text=str(amount_fen))
    received = set(materials_received or [])
    unknown = received - set(item.materials)
    if unknown:
        raise ValidationError("item_unknown", field="materials", item="、".join(sorted(unknown)))
    note = validate_note(note)
    today = clock.today()
    errand_id = new_id()
    seq = settings_store.take_seq(db)
    s = stamper.settings
    data = {
        "number": errand_number(s.village_code, s.device_code, seq),
        "kind": item.kind, "item_code": item.code, "item_name": item.name, "resident_id": resident_id,
        "quantity": qty, "unit": item.unit, "amount_fen": amount_for(item, qty, amount_fen),
        "materials": [{"name": m, "received": m in received} for m in item.materials],
        "note": note, "tier": item.tier, "promised_date": promised_date(item, today).isoformat(),
        "created_date": today.isoformat(), "round": round_name.strip()[:40],
        "status": workflow(item.kind).initial,
    }
    if roster_id:
        data["roster_id"] = roster_id
    stamper.event("errand", errand_id, "create", data)
    if submit and item.kind == "certificate":
        stamper.event("errand", errand_id, "status", {"to": "submitted"})
    return errand_id


def _errand(db: Database, errand_id: str) -> dict[str, Any]:
    errand = queries.get_errand(db, errand_id)
    if errand is None:
        raise VillageError("errand_unknown", number=errand_id)
    return errand


def next_steps(db: Database, errand_id: str) -> list[str]:
    """The statuses the cadre may move this errand to now."""
    errand = _errand(db, errand_id)
    return workflow(errand["kind"]).next_states(errand["status"], VILLAGE)


def advance_status(db: Database, errand_id: str, target: str, *, reason: str = "", signed_by: str = "",
                   paid_fen: int | None = None) -> tuple[dict[str, Any], Changes]:
    """Take one legal village-side step; an illegal one is refused and changes nothing.

    - Handing a certificate back (``delivered``) records who signed for it.
    - Settling a supply order records the money collected (defaults to the order's amount).
    """
    errand = _errand(db, errand_id)
    step = check_village_step(errand["kind"], errand["status"], target, reason)
    data: dict[str, Any] = {"to": target}
    if step.reason:
        data["reason"] = step.reason
    if target == "delivered" and errand["kind"] == "certificate":
        signed = (signed_by or errand["resident_name"] or "").strip()
        data["signed_by"] = signed[:40]
    if target == "settled" or (errand["kind"] == SUBSIDY and target == "paid"):
        paid = errand["amount_fen"] if paid_fen is None else paid_fen
        if not isinstance(paid, int) or paid < 0:
            raise ValidationError("money", field="paid", text=str(paid_fen))
        data["paid_fen"] = paid
    with transaction(db):
        stamper = Stamper(db)
        stamper.event("errand", errand_id, "status", data)
        changes = stamper.commit()
    return _errand(db, errand_id), changes


def add_note(db: Database, errand_id: str, text: str) -> tuple[dict[str, Any], Changes]:
    _errand(db, errand_id)
    text = validate_note(text)
    if not text:
        raise ValidationError("text_too_long", field="note", limit=500)
    with transaction(db):
        stamper = Stamper(db)
        stamper.event("errand", errand_id, "note", {"text": text})
        changes = stamper.commit()
    return _errand(db, errand_id), changes


def update_errand(db: Database, errand_id: str, *, materials_received: list[str] | None = None,
                  note: str | None = None, quantity: Any = None) -> tuple[dict[str, Any], Changes]:
    """Tick materials, change the note or a supply quantity (money follows the quantity)."""
    errand = _errand(db, errand_id)
    data: dict[str, Any] = {}
    if materials_received is not None:
        names = [m["name"] for m in errand["materials"]]
        unknown = set(materials_received) - set(names)
        if unknown:
            raise ValidationError("item_unknown", field="materials", item="、".join(sorted(unknown)))
        data["materials"] = [{"name": n, "received": n in set(materials_received)} for n in names]
    if note is not None:
        data["note"] = validate_note(note)
    if quantity is not None and errand["kind"] == FARM_SUPPLY:
        item = _item(db, errand["item_code"])
        qty = validate_quantity(quantity)
        data["quantity"] = qty
        data["amount_fen"] = amount_for(item, qty, None)
    if not data:
        return errand, Changes()
    with transaction(db):
        stamper = Stamper(db)
        stamper.event("errand", errand_id, "update", data)
        changes = stamper.commit()
    return _errand(db, errand_id), changes


@dataclass
class SearchResult:
    residents: list[dict[str, Any]]
    errands: list[dict[str, Any]]


def search(db: Database, text: str, limit: int = 50) -> SearchResult:
    """By name, pinyin initials (张桂英 → zgy), last 4+ digits of the ID number, phone, or errand number."""
    text = text.strip()
    if not text:
        return SearchResult([], [])
    residents = queries.list_residents(db, text, limit=limit)
    errands = queries.list_errands(db, queries.ErrandFilter(text=text), today=clock.today(), limit=limit)
    return SearchResult(residents, errands)


def overdue(db: Database, limit: int = 500) -> list[dict[str, Any]]:
    return queries.deadline_list(db, clock.today(), overdue=True, limit=limit)


def due_soon(db: Database, limit: int = 500) -> list[dict[str, Any]]:
    return queries.deadline_list(db, clock.today(), overdue=False, limit=limit)
