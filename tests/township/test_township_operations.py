"""The township's plain functions: storing events, projections, township steps, publishing."""

from __future__ import annotations

import uuid

import pytest

from sync.events import Event
from sync.hlc import Timestamp
from sync.township import models as m
from sync.township import operations as ops

pytestmark = pytest.mark.django_db


def _ev(entity: str, entity_id: str, op: str, data: dict, wall: int, origin: str = "dev1", village: str = "LTA01"):
    return Event(str(uuid.uuid4()), Timestamp(wall, 0, origin.replace("-", "")).encode(), village, origin, entity,
                 entity_id, op, data)


def _errand_events(wall: int = 1_770_000_000_000, origin: str = "dev1") -> tuple[str, list[Event]]:
    rid, eid = str(uuid.uuid4()), str(uuid.uuid4())
    return eid, [
        _ev("resident", rid, "create", {"name": "张桂英", "id_number": "430223195001010011"}, wall, origin),
        _ev("errand", eid, "create", {"number": "LTA01-K7Q-000001", "kind": "certificate", "item_code": "Z001",
                                      "item_name": "残疾证办理", "resident_id": rid, "status": "received",
                                      "promised_date": "2026-04-01", "created_date": "2026-03-16"}, wall + 1, origin),
        _ev("errand", eid, "status", {"to": "submitted"}, wall + 2, origin),
    ]


def _store(events):
    from django.db import transaction

    village = ops.village_for("LTA01", "枫林村")
    with transaction.atomic():
        return ops.store_events(ops._locked(village), events)


def test_store_projects_and_is_idempotent():
    eid, events = _errand_events()
    first = _store(events)
    again = _store(events)
    assert (first.stored, first.duplicates) == (3, 0)
    assert (again.stored, again.duplicates) == (0, 3)
    errand = m.Errand.objects.get(entity_id=eid)
    assert errand.status == "submitted" and errand.number == "LTA01-K7Q-000001"
    village = m.Village.objects.get(code="LTA01")
    assert village.event_count == 3 and village.digest != "0" * 32
    assert m.Resident.objects.get(village=village).name == "张桂英"


def test_a_township_event_the_database_skips_is_an_error_not_counted_as_stored(monkeypatch):
    # The township's own writes (staff steps, rosters, the catalog) go through the same insert;
    # one row skipped must fail the write, never leave the village's count and digest saying it
    # is stored.
    from django.db import IntegrityError

    from sync.township import store

    _, events = _errand_events()
    texts = iter([None, '{"a":1}', '{"a":1}'])
    monkeypatch.setattr(store, "data_text", lambda data: next(texts))  # the first row's data lost
    with pytest.raises(IntegrityError):
        _store(events)
    assert m.Event.objects.count() == 0
    assert m.Village.objects.get(code="LTA01").event_count == 0


def test_take_step_accept_then_return_needs_reason():
    eid, events = _errand_events()
    _store(events)
    errand = ops.take_step(eid, "accepted", actor="clerk1")
    assert errand.status == "accepted"
    with pytest.raises(ops.TownshipError) as info:
        ops.take_step(eid, "returned")
    assert info.value.code == "reason_needed"
    errand = ops.take_step(eid, "returned", reason="缺少户口簿复印件", actor="clerk1")
    assert errand.status == "returned" and errand.reason == "缺少户口簿复印件"
    step = m.Event.objects.filter(entity_id=eid, op="status", origin="township").order_by("seq").last()
    assert step.data == {"to": "returned", "reason": "缺少户口簿复印件"}
    with pytest.raises(ops.TownshipError) as info:
        ops.take_step(eid, "delivered")
    assert info.value.code in ("bad_transition", "not_township_step")


def test_step_sorts_after_a_village_clock_a_year_ahead():
    year = 365 * 24 * 3600 * 1000
    eid, events = _errand_events(wall=1_770_000_000_000 + year)
    _store(events)
    errand = ops.take_step(eid, "accepted")
    assert errand.status == "accepted"
    assert errand.status_hlc > max(e.hlc for e in events)


def test_publish_roster_creates_subsidy_errands_and_residents():
    ops.village_for("LTA01", "枫林村")
    roster = ops.publish_roster("LTA01", item_code="B001", title="2026年3月耕地地力保护补贴", month="2026-03",
                                lines=[ops.RosterLine("430223195001010011", "张桂英", 12000),
                                       ops.RosterLine("430223196002020022", "李建国", 24000)], actor="财政所")
    errands = m.Errand.objects.filter(roster_id=roster.entity_id).order_by("number")
    assert [e.amount_fen for e in errands] == [12000, 24000]
    assert {e.status for e in errands} == {"listed"}
    assert m.Resident.objects.filter(village__code="LTA01").count() == 2


def test_publish_catalog_reaches_every_village():
    ops.village_for("LTA01")
    ops.village_for("LTA02")
    ops.publish_catalog("2026.12-1", [{"code": "Z001", "name": "残疾证办理", "kind": "certificate"}])
    assert m.Event.objects.filter(entity="catalog").count() == 2
    with pytest.raises(ops.TownshipError):
        ops.publish_catalog("2026.12-1", [])
