"""Residents: register, edit, find."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from villageagent.domain.errors import ValidationError, VillageError
from villageagent.domain.identity import mask_id_number, validate_id_number, validate_name, validate_phone
from villageagent.services import clock
from villageagent.services.base import Stamper, transaction
from villageagent.storage import queries
from villageagent.storage import settings as settings_store
from villageagent.storage.events import Changes
from sync.events import new_id

MAX_ADDRESS = 100


def _check_group(db: Database, group: str) -> str:
    group = (group or "").strip()
    if group and group not in settings_store.load(db).groups:
        raise ValidationError("group", field="group", group=group)
    return group


def _check_address(address: str) -> str:
    address = (address or "").strip()
    if len(address) > MAX_ADDRESS:
        raise ValidationError("text_too_long", field="address", limit=MAX_ADDRESS)
    return address


def register_resident(db: Database, *, name: str, id_number: str, phone: str = "", group: str = "",
                      address: str = "") -> tuple[dict[str, Any], Changes]:
    """Register a resident; the same ID number twice is refused."""
    data = {
        "name": validate_name(name),
        "id_number": validate_id_number(id_number, today=clock.today()),
        "phone": validate_phone(phone),
        "group": _check_group(db, group),
        "address": _check_address(address),
    }
    existing = queries.resident_by_id_number(db, data["id_number"])
    if existing:
        raise ValidationError("resident_exists", field="id_number", masked=mask_id_number(existing["id_number"]),
                              name=existing["name"])
    resident_id = new_id()
    with transaction(db):
        stamper = Stamper(db)
        stamper.event("resident", resident_id, "create", data)
        changes = stamper.commit()
    resident = queries.get_resident(db, resident_id)
    assert resident is not None
    return resident, changes


def update_resident(db: Database, resident_id: str, **fields: Any) -> tuple[dict[str, Any], Changes]:
    """Change some of name, id_number, phone, group, address; only changed fields become events."""
    current = queries.get_resident(db, resident_id)
    if current is None:
        raise VillageError("resident_unknown")
    checks = {
        "name": validate_name,
        "id_number": lambda v: validate_id_number(v, today=clock.today()),
        "phone": validate_phone,
        "group": lambda v: _check_group(db, v),
        "address": _check_address,
    }
    column = {"group": "grp"}
    data: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in checks:
            raise KeyError(key)
        clean = checks[key](value)
        if clean != current[column.get(key, key)]:
            data[key] = clean
    if "id_number" in data:
        other = queries.resident_by_id_number(db, data["id_number"])
        if other and other["id"] != resident_id:
            raise ValidationError("resident_exists", field="id_number", masked=mask_id_number(other["id_number"]),
                                  name=other["name"])
    if not data:
        return current, Changes()
    with transaction(db):
        stamper = Stamper(db)
        stamper.event("resident", resident_id, "update", data)
        changes = stamper.commit()
    resident = queries.get_resident(db, resident_id)
    assert resident is not None
    return resident, changes
