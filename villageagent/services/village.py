"""Setting up this laptop's village, its settings and the service catalog."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from villageagent import paths
from villageagent.domain.catalog import Catalog, parse_catalog
from villageagent.domain.errand import new_device_code, validate_village_code
from villageagent.domain.errors import ValidationError
from villageagent.services.base import transaction
from villageagent.storage import settings as settings_store
from villageagent.storage.events import replace_catalog
from villageagent.storage.settings import VillageSettings


def load_shipped_catalog(path: Path | None = None) -> Catalog:
    with open(path or paths.catalog_path(), encoding="utf-8") as fh:
        return parse_catalog(json.load(fh))


def setup_village(db: Database, *, code: str, name: str, township: str = "", groups: list[str] | None = None,
                  cadre_name: str = "", contact_phone: str = "", device_id: str | None = None,
                  device_code: str | None = None) -> VillageSettings:
    """First start: the village this laptop serves, the device's own id, the shipped catalog.

    - Calling it again changes the village's names but never the device id or the numbering.
    """
    code = validate_village_code(code)
    name = name.strip()
    if not 1 <= len(name) <= 30:
        raise ValidationError("name", field="village_name")
    current = settings_store.load(db)
    with transaction(db):
        changes: dict[str, Any] = {"village_code": code, "village_name": name, "township_name": township.strip(),
                                   "cadre_name": cadre_name.strip(), "contact_phone": contact_phone.strip()}
        if groups is not None:
            changes["groups"] = [g.strip() for g in groups if g.strip()]
        if not current.device_id:
            changes["device_id"] = device_id or uuid.uuid4().hex[:16]
            changes["device_code"] = device_code or new_device_code()
        settings_store.save(db, **changes)
        if not db.execute("select count(*) from catalog_items").fetchone()[0]:
            catalog = load_shipped_catalog()
            replace_catalog(db, catalog.version, [i.to_dict() for i in catalog.items])
    return settings_store.load(db)


def update_settings(db: Database, **changes: Any) -> VillageSettings:
    """Language, printer, cadre name, contact, groups; the village code has its own checks."""
    allowed = {"village_name", "township_name", "groups", "cadre_name", "contact_phone", "language", "printer"}
    unknown = set(changes) - allowed
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    if "groups" in changes:
        changes["groups"] = [g.strip() for g in changes["groups"] if g and g.strip()]
    with transaction(db):
        settings_store.save(db, **changes)
    return settings_store.load(db)


def get_settings(db: Database) -> VillageSettings:
    return settings_store.load(db)
