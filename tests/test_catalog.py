import json

import pytest

from sync.workflow import KINDS
from villageagent import paths
from villageagent.domain.catalog import CatalogError, parse_catalog


def shipped():
    return json.loads(paths.catalog_path().read_text(encoding="utf-8"))


def test_shipped_catalog_is_real_and_complete():
    catalog = parse_catalog(shipped())
    assert catalog.version
    assert len(catalog.items) >= 40
    kinds = {i.kind for i in catalog.items}
    assert kinds == set(KINDS)
    for item in catalog.items:
        assert item.name and item.promised_days >= 1 and item.tier in ("township", "county")
        if item.kind == "certificate":
            assert item.materials, item.code
            assert item.promised_days <= item.legal_days * 0.7, item.code
        if item.kind == "farm_supply":
            assert item.unit and item.unit_price_fen > 0
    names = {i.name for i in catalog.items}
    for expected in ("残疾证办理", "老年优待证办理", "低保申请", "耕地地力保护补贴", "复合肥（50kg/袋）"):
        assert expected in names


def test_catalog_refuses_promise_not_shorter_than_legal():
    raw = shipped()
    cert = next(i for i in raw["items"] if i["kind"] == "certificate")
    cert["promised_days"] = cert["legal_days"]
    with pytest.raises(CatalogError):
        parse_catalog(raw)


@pytest.mark.parametrize("mutate", [
    lambda r: r.pop("version"),
    lambda r: r["items"].append(dict(r["items"][0])),
    lambda r: r["items"][0].update(kind="lottery"),
    lambda r: r["items"][0].update(tier="province"),
    lambda r: r["items"][0].update(fee_fen=-1),
    lambda r: r["items"][0].pop("name"),
])
def test_catalog_refuses_bad_data(mutate):
    raw = shipped()
    mutate(raw)
    with pytest.raises(CatalogError):
        parse_catalog(raw)
