"""The service catalog (事项目录): what the village can do for a resident, and by when.

- The catalog is data (``resources/catalog/catalog.json``), versioned so the township can
  publish a new one; this module only validates and describes it.
- Each item: code, name, kind, promised working days (承诺时限, at least 30% shorter than the
  legal limit), required materials, fee in fen, handling tier (township or county), and for
  supplies/subsidies a unit and unit price or standard amount in fen.
- ``retired`` (停办): the township stopped the service. The item stays in the catalog, so the
  errands already logged for it keep their name, materials and receipts, but no new errand or
  roster can be logged for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.workflow import KINDS

TIERS = ("township", "county")


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class CatalogItem:
    code: str
    name: str
    kind: str
    promised_days: int
    legal_days: int
    materials: tuple[str, ...]
    fee_fen: int
    tier: str
    department: str = ""
    unit: str = ""
    unit_price_fen: int = 0
    category: str = ""
    retired: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code, "name": self.name, "kind": self.kind,
            "promised_days": self.promised_days, "legal_days": self.legal_days,
            "materials": list(self.materials), "fee_fen": self.fee_fen, "tier": self.tier,
            "department": self.department, "unit": self.unit, "unit_price_fen": self.unit_price_fen,
            "category": self.category,
        }
        if self.retired:
            out["retired"] = True
        return out


@dataclass(frozen=True)
class Catalog:
    version: str
    items: tuple[CatalogItem, ...]

    def by_code(self) -> dict[str, CatalogItem]:
        return {i.code: i for i in self.items}


def parse_item(raw: dict[str, Any]) -> CatalogItem:
    try:
        item = CatalogItem(
            code=str(raw["code"]), name=str(raw["name"]), kind=str(raw["kind"]),
            promised_days=int(raw["promised_days"]), legal_days=int(raw.get("legal_days", raw["promised_days"])),
            materials=tuple(str(m) for m in raw.get("materials", [])), fee_fen=int(raw.get("fee_fen", 0)),
            tier=str(raw.get("tier", "township")), department=str(raw.get("department", "")),
            unit=str(raw.get("unit", "")), unit_price_fen=int(raw.get("unit_price_fen", 0)),
            category=str(raw.get("category", "")), retired=raw.get("retired", False),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"bad catalog item {raw!r}: {exc}") from None
    if not isinstance(item.retired, bool):
        raise CatalogError(f"item {item.code}: retired must be true or false")
    if item.kind not in KINDS:
        raise CatalogError(f"item {item.code}: unknown kind {item.kind}")
    if item.tier not in TIERS:
        raise CatalogError(f"item {item.code}: unknown tier {item.tier}")
    if item.promised_days < 1 or item.fee_fen < 0 or item.unit_price_fen < 0:
        raise CatalogError(f"item {item.code}: days and money must be positive")
    if item.legal_days and item.promised_days > item.legal_days * 0.7 + 1e-9 and item.kind == "certificate":
        raise CatalogError(f"item {item.code}: the promise must be at least 30% shorter than the legal limit")
    return item


def parse_catalog(raw: dict[str, Any]) -> Catalog:
    if not isinstance(raw, dict) or "version" not in raw or not isinstance(raw.get("items"), list):
        raise CatalogError("a catalog has a version and a list of items")
    items = tuple(parse_item(i) for i in raw["items"])
    codes = [i.code for i in items]
    if len(set(codes)) != len(codes):
        raise CatalogError("catalog item codes must be unique")
    return Catalog(version=str(raw["version"]), items=items)
