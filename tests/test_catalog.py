import datetime as dt
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


def test_catalog_versions_order_by_their_numbers():
    from sync.workflow import catalog_version_key as key

    assert key("2026.11-10") > key("2026.11-9") > key("2026.11-2") > key("2026.11-1")
    assert key("2026.12-1") > key("2026.11-10") and key("2027.01-1") > key("2026.12-9")
    assert key("2026.11-1") > key("draft") > key("")


def test_a_village_takes_the_newest_catalog_from_the_township_past_version_nine(village):
    from sync.events import Event, new_event_id
    from sync.hlc import Timestamp
    from villageagent.storage import queries
    from villageagent.storage.events import apply_events
    from villageagent.storage.settings import get_raw

    items = shipped()["items"]

    def publish(version, wall, extra):
        data = {"version": version, "items": [*items, {**items[-1], "code": extra, "name": f"新事项{extra}"}]}
        return Event(new_event_id(), Timestamp(wall, 0, "township").encode(), "LTA01", "township", "catalog",
                     "catalog", "publish", data, "")

    with village.atomic():
        apply_events(village, [publish("2026.11-9", 1_800_000_000_000, "Z900")], local=False)
    assert get_raw(village, "catalog_version") == "2026.11-9"
    with village.atomic():  # the next pull: -10 is newer than -9 (as text it sorted before it)
        apply_events(village, [publish("2026.11-10", 1_800_000_001_000, "Z901")], local=False)
    assert get_raw(village, "catalog_version") == "2026.11-10"
    codes = {i["code"] for i in queries.catalog_items(village)}
    assert "Z901" in codes and "Z900" not in codes


def test_retired_must_be_true_or_false_and_round_trips():
    raw = shipped()
    raw["items"][0]["retired"] = "yes"
    with pytest.raises(CatalogError):
        parse_catalog(raw)
    raw["items"][0]["retired"] = True
    item = parse_catalog(raw).items[0]
    assert item.retired and item.to_dict()["retired"] is True
    assert "retired" not in parse_catalog(shipped()).items[0].to_dict()  # the shipped catalog stays as it was


def test_a_village_stops_offering_a_retired_item_but_keeps_its_errands(village):
    from sync.events import Event, new_event_id
    from sync.hlc import Timestamp
    from villageagent.domain.errors import ValidationError
    from villageagent.services import errands, residents
    from villageagent.storage import queries
    from villageagent.storage.events import apply_events

    from villageagent.domain.identity import make_id_number

    resident, _ = residents.register_resident(village, name="张桂英",
                                              id_number=make_id_number("430223", dt.date(1952, 1, 1), 3))
    old, _ = errands.register_errand(village, resident_id=resident["id"], item_code="B001", amount_fen=12000)
    items = shipped()["items"]
    data = {"version": "2026.11-5", "items": [{**i, "retired": True} if i["code"] == "B001" else i for i in items]}
    with village.atomic():
        apply_events(village, [Event(new_event_id(), Timestamp(1_800_000_000_000, 0, "township").encode(), "LTA01",
                                     "township", "catalog", "catalog", "publish", data, "")], local=False)
    assert "B001" not in {i["code"] for i in queries.catalog_items(village, offered=True)}
    assert "B002" in {i["code"] for i in queries.catalog_items(village, offered=True)}
    assert queries.catalog_item(village, "B001")["retired"] is True  # still known, for the errands logged
    before = queries.count_errands(village)
    with pytest.raises(ValidationError) as info:
        errands.register_errand(village, resident_id=resident["id"], item_code="B001", amount_fen=12000)
    assert info.value.kind == "item_retired" and "已由乡镇停办" in info.value.message("zh")
    assert "stopped" in info.value.message("en")
    assert queries.count_errands(village) == before  # nothing logged
    kept = queries.get_errand(village, old["id"])
    assert kept is not None and kept["item_code"] == "B001" and kept["item_name"] == old["item_name"]
