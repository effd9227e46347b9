"""Errands: numbers that fit a paper slip, validation of what a cadre enters, log types."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sync.workflow import CERTIFICATE, FARM_SUPPLY, SUBSIDY, VILLAGE, WORKFLOWS, workflow
from villageagent.domain.calendar import add_working_days
from villageagent.domain.catalog import CatalogItem
from villageagent.domain.errors import ValidationError, VillageError

_DEVICE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
_VILLAGE_CODE = re.compile(r"^[A-Za-z0-9]{2,12}$")
MAX_NOTE = 500

LOG_TYPES = ("consultation", "dispute", "concern", "problem")
LOG_TYPE_ZH = {"consultation": "政策咨询", "dispute": "矛盾调解", "concern": "社情民意", "problem": "实事办理"}


def new_device_code() -> str:
    return "".join(secrets.choice(_DEVICE_ALPHABET) for _ in range(3))


def validate_village_code(code: str) -> str:
    code = code.strip().upper()
    if not _VILLAGE_CODE.match(code):
        raise ValidationError("village_code", field="code")
    return code


def errand_number(village_code: str, device_code: str, seq: int) -> str:
    """LTA01-K7Q-000123: unique without coordination (each device numbers its own errands)."""
    return f"{village_code}-{device_code}-{seq:06d}"


def promised_date(item: CatalogItem, created: dt.date) -> dt.date:
    return add_working_days(created, item.promised_days)


def validate_quantity(value: Any) -> float:
    try:
        q = float(value)
    except (TypeError, ValueError):
        raise ValidationError("quantity", field="quantity") from None
    if not q > 0 or q > 1_000_000:
        raise ValidationError("quantity", field="quantity")
    return round(q, 3)


def validate_note(text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise ValidationError("text_too_long", field="note", limit=MAX_NOTE)
    return text


@dataclass(frozen=True)
class Transition:
    current: str
    target: str
    reason: str


def check_village_step(kind: str, current: str, target: str, reason: str = "") -> Transition:
    """Refuse an illegal or township-only step, or a step that needs a reason without one."""
    wf = workflow(kind)
    step = wf.step(current, target)
    from sync.workflow import STATUS_ZH

    if step is None:
        raise VillageError("bad_transition", current=STATUS_ZH.get(current, current), target=STATUS_ZH.get(target, target))
    if VILLAGE not in step.by:
        raise VillageError("not_your_step", target=STATUS_ZH.get(target, target), who="乡镇")
    reason = (reason or "").strip()
    if step.needs_reason and not reason:
        raise ValidationError("reason_needed", field="reason")
    if len(reason) > MAX_NOTE:
        raise ValidationError("text_too_long", field="reason", limit=MAX_NOTE)
    return Transition(current, target, reason)


def amount_for(item: CatalogItem, quantity: float | None, amount_fen: int | None) -> int:
    """Money an errand carries: supplies cost quantity × unit price; subsidies carry their amount;
    certificates carry the published fee."""
    if item.kind == FARM_SUPPLY:
        if amount_fen is not None:
            return amount_fen
        return int(round((quantity or 0) * item.unit_price_fen))
    if item.kind == SUBSIDY:
        return amount_fen if amount_fen is not None else item.unit_price_fen
    return item.fee_fen


def is_closed(kind: str, status: str) -> bool:
    return status in WORKFLOWS[kind].closed


def is_done(kind: str, status: str) -> bool:
    return status in WORKFLOWS[kind].done


__all__ = [
    "CERTIFICATE", "SUBSIDY", "FARM_SUPPLY", "LOG_TYPES", "errand_number", "promised_date",
    "check_village_step", "amount_for", "is_closed", "is_done",
]
