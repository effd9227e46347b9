"""Typed settings of this laptop and its village, declared once with defaults."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from sqlite_utils import Database


@dataclass
class VillageSettings:
    village_code: str = ""
    village_name: str = ""
    township_name: str = ""
    groups: list[str] = field(default_factory=lambda: [f"第{i}组" for i in range(1, 9)])
    device_id: str = ""
    device_code: str = ""
    cadre_name: str = ""
    contact_phone: str = ""
    language: str = ""  # "" = follow the system
    printer: str = ""
    next_seq: int = 1

    @property
    def configured(self) -> bool:
        return bool(self.village_code and self.device_id)


_FIELDS = {f.name for f in fields(VillageSettings)}


def load(db: Database) -> VillageSettings:
    values: dict[str, Any] = {}
    for key, raw in db.execute("select key, value from settings").fetchall():
        if key in _FIELDS:
            values[key] = json.loads(raw)
    return VillageSettings(**values)


def save(db: Database, **changes: Any) -> None:
    for key, value in changes.items():
        if key not in _FIELDS:
            raise KeyError(key)
        db.execute("insert or replace into settings (key, value) values (?, ?)",
                   [key, json.dumps(value, ensure_ascii=False)])


def get_raw(db: Database, key: str, default: Any = None) -> Any:
    row = db.execute("select value from settings where key = ?", [key]).fetchone()
    if row is None:
        return default
    try:
        return json.loads(row[0])
    except ValueError:
        return row[0]


def set_raw(db: Database, key: str, value: Any) -> None:
    db.execute("insert or replace into settings (key, value) values (?, ?)",
               [key, json.dumps(value, ensure_ascii=False)])


def take_seq(db: Database) -> int:
    """Next errand sequence number of this device; call inside the saving transaction."""
    current = get_raw(db, "next_seq", 1)
    set_raw(db, "next_seq", int(current) + 1)
    return int(current)
