import datetime as dt

import pytest

from villageagent.domain.errors import ValidationError, VillageError
from villageagent.domain.identity import make_id_number
from villageagent.services import errands, logs, reports, residents, supplies
from villageagent.storage import queries

ID1 = make_id_number("430223", dt.date(1956, 5, 2), 11)
ID2 = make_id_number("430223", dt.date(1980, 9, 9), 22)


def snapshot(db):
    return {t: db.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("events", "residents", "errands", "logs", "rosters")}


@pytest.fixture
def people(village, fixed_today):
    a, _ = residents.register_resident(village, name="张桂英", id_number=ID1, phone="13907331234", group="第1组")
    b, _ = residents.register_resident(village, name="李建国", id_number=ID2, phone="15873312345", group="第3组")
    return a, b


def test_register_resident_records_an_event(village, fixed_today):
    r, changes = residents.register_resident(village, name="张桂英", id_number=ID1, phone="13907331234", group="第1组")
    assert r["initials"] == "zgy" and r["id_number"] == ID1
    assert changes.touched("resident") and changes.new_events == 1
    ev = queries.timeline(village, r["id"])
    assert ev[0]["op"] == "create" and ev[0]["data"]["name"] == "张桂英"


@pytest.mark.parametrize("kwargs,kind", [
    ({"id_number": "123"}, "id_length"),
    ({"phone": "12345"}, "phone"),
    ({"name": ""}, "name"),
    ({"group": "第99组"}, "group"),
])
def test_bad_resident_input_changes_nothing(village, fixed_today, kwargs, kind):
    before = snapshot(village)
    args = {"name": "王强", "id_number": ID2, "phone": "", "group": "第2组", **kwargs}
    with pytest.raises(ValidationError) as err:
        residents.register_resident(village, **args)
    assert err.value.kind == kind
    assert snapshot(village) == before


def test_same_id_number_twice_refused(people, village):
    before = snapshot(village)
    with pytest.raises(ValidationError) as err:
        residents.register_resident(village, name="张桂英", id_number=ID1)
    assert err.value.kind == "resident_exists"
    assert "430223********" in err.value.message("zh")
    assert snapshot(village) == before


def test_update_resident_only_changed_fields(people, village):
    a, _ = people
    r, changes = residents.update_resident(village, a["id"], phone="13800001111", name="张桂英")
    assert r["phone"] == "13800001111"
    last = queries.timeline(village, a["id"])[-1]
    assert last["op"] == "update" and last["data"] == {"phone": "13800001111"}
    _, none = residents.update_resident(village, a["id"], phone="13800001111")
    assert not none
    with pytest.raises(ValidationError):
        residents.update_resident(village, a["id"], id_number=ID2)  # belongs to 李建国


def test_register_certificate_errand(people, village, fixed_today):
    a, _ = people
    e, changes = errands.register_errand(village, resident_id=a["id"], item_code="Z003",
                                         materials_received=["居民身份证原件及复印件"], note="本人来办")
    assert e["number"] == "LTA01-K7Q-000001"
    assert e["status"] == "received" and e["kind"] == "certificate"
    # 老年优待证: 5 working days from Monday 2026-03-16.
    assert e["promised_date"] == "2026-03-23"
    assert [m["received"] for m in e["materials"]] == [True, False]
    e2, _ = errands.register_errand(village, resident_id=a["id"], item_code="Z005", submit=True)
    assert e2["number"] == "LTA01-K7Q-000002" and e2["status"] == "submitted"


def test_supply_money_is_quantity_times_price_in_fen(people, village):
    a, _ = people
    e, _ = errands.register_errand(village, resident_id=a["id"], item_code="N001", quantity="3")
    assert e["quantity"] == 3 and e["amount_fen"] == 3 * 16500 and e["unit"] == "袋"


@pytest.mark.parametrize("kwargs,kind", [
    ({"item_code": "NOPE"}, "item_unknown"),
    ({"item_code": "N001", "quantity": "0"}, "quantity"),
    ({"item_code": "N001", "quantity": "很多"}, "quantity"),
    ({"item_code": "Z003", "materials_received": ["户口簿"]}, "item_unknown"),
    ({"item_code": "Z003", "note": "字" * 501}, "text_too_long"),
    ({"item_code": "B001", "amount_fen": -5}, "money"),
])
def test_bad_errand_input_changes_nothing(people, village, kwargs, kind):
    a, _ = people
    before = snapshot(village)
    with pytest.raises(ValidationError) as err:
        errands.register_errand(village, resident_id=a["id"], **kwargs)
    assert err.value.kind == kind
    assert snapshot(village) == before


def test_unknown_resident_refused(village, fixed_today):
    with pytest.raises(VillageError) as err:
        errands.register_errand(village, resident_id="nobody", item_code="Z003")
    assert err.value.kind == "resident_unknown"


def test_advance_only_legal_village_steps(people, village):
    a, _ = people
    e, _ = errands.register_errand(village, resident_id=a["id"], item_code="Z003")
    assert errands.next_steps(village, e["id"]) == ["submitted", "cancelled"]
    before = snapshot(village)
    with pytest.raises(VillageError) as err:
        errands.advance_status(village, e["id"], "ready")
    assert err.value.kind == "bad_transition"
    with pytest.raises(VillageError) as err:
        errands.advance_status(village, e["id"], "cancelled")
    assert err.value.kind == "reason_needed"
    assert snapshot(village) == before
    e, _ = errands.advance_status(village, e["id"], "submitted")
    with pytest.raises(VillageError) as err:
        errands.advance_status(village, e["id"], "accepted")
    assert err.value.kind == "not_your_step"


def test_certificate_handed_back_after_township_ready(people, village):
    from sync.events import Event, new_event_id
    from sync.hlc import Timestamp

    a, _ = people
    e, _ = errands.register_errand(village, resident_id=a["id"], item_code="Z003", submit=True)
    late = Timestamp(int(dt.datetime(2026, 3, 18, 10).timestamp() * 1000), 0, "township").encode()
    late2 = Timestamp(int(dt.datetime(2026, 3, 19, 10).timestamp() * 1000), 0, "township").encode()
    supplies.apply_township_events(village, [
        Event(new_event_id(), late, "LTA01", "township", "errand", e["id"], "status", {"to": "accepted"}),
        Event(new_event_id(), late2, "LTA01", "township", "errand", e["id"], "status", {"to": "ready"}),
    ])
    e = queries.get_errand(village, e["id"])
    assert e["status"] == "ready" and e["done_date"] == "2026-03-19" and e["closed"] == 1
    e, _ = errands.advance_status(village, e["id"], "delivered", signed_by="张桂英")
    assert e["status"] == "delivered" and e["signed_by"] == "张桂英"
    # The clock moved past the township's stamps: the hand-back sorts after them.
    steps = [t for t in queries.timeline(village, e["id"]) if t["op"] == "status"]
    assert [s["data"]["to"] for s in steps] == ["submitted", "accepted", "ready", "delivered"]


def test_notes_and_updates(people, village):
    a, _ = people
    e, _ = errands.register_errand(village, resident_id=a["id"], item_code="Z001")
    e, _ = errands.add_note(village, e["id"], "已电话通知补交照片")
    e, _ = errands.update_errand(village, e["id"], materials_received=["近期一寸免冠照片2张"], note="照片已交")
    assert e["note"] == "照片已交"
    assert [m["name"] for m in e["materials"] if m["received"]] == ["近期一寸免冠照片2张"]
    ops = [t["op"] for t in queries.timeline(village, e["id"])]
    assert ops == ["create", "note", "update"]


def test_search_by_every_key(people, village):
    a, b = people
    e, _ = errands.register_errand(village, resident_id=a["id"], item_code="Z003")
    errands.register_errand(village, resident_id=b["id"], item_code="N002", quantity=2)

    def names(text):
        r = errands.search(village, text)
        return {x["name"] for x in r.residents}, {x["number"] for x in r.errands}

    assert names("张")[0] == {"张桂英"}
    assert names("桂英")[0] == {"张桂英"}
    assert names("zgy") == ({"张桂英"}, {e["number"]})
    assert names("ZG")[0] == {"张桂英"}
    assert names(ID1[-4:])[0] == {"张桂英"}
    assert names(ID2[-6:])[0] == {"李建国"}
    assert names("1587331")[0] == {"李建国"}
    assert names("2345")[0] == {"李建国"}  # phone tail
    assert names("LTA01-K7Q-000001")[1] == {e["number"]}
    assert names("lta01-k7q-00000")[1] == {"LTA01-K7Q-000001", "LTA01-K7Q-000002"}
    assert names("王") == (set(), set())
    assert names("  ") == (set(), set())


def test_overdue_and_due_soon(people, village, fixed_today):
    from villageagent.services import clock

    a, _ = people
    e, _ = errands.register_errand(village, resident_id=a["id"], item_code="Z005")  # 1 working day
    assert [x["id"] for x in errands.due_soon(village)] == [e["id"]]
    assert errands.overdue(village) == []
    clock.set_today(lambda: dt.date(2026, 3, 20))
    assert [x["id"] for x in errands.overdue(village)] == [e["id"]]


def test_purchase_list_aggregates_per_item(people, village):
    a, b = people
    errands.register_errand(village, resident_id=a["id"], item_code="N001", quantity=2)
    errands.register_errand(village, resident_id=b["id"], item_code="N001", quantity=3)
    x, _ = errands.register_errand(village, resident_id=b["id"], item_code="N002", quantity=1)
    c, _ = errands.register_errand(village, resident_id=a["id"], item_code="N002", quantity=4)
    errands.advance_status(village, c["id"], "cancelled", reason="不要了")
    lines = {line.item_code: line for line in supplies.purchase_list_for(village)}
    assert lines["N001"].quantity == 5 and lines["N001"].households == 2 and lines["N001"].amount_fen == 5 * 16500
    assert lines["N002"].quantity == 1 and lines["N002"].amount_fen == 13000
    for target in ("purchased", "delivered", "settled"):
        errands.advance_status(village, x["id"], target)
    lines = {line.item_code: line for line in supplies.purchase_list_for(village)}
    assert lines["N002"].delivered_quantity == 1 and lines["N002"].collected_fen == 13000


def test_roster_reconciles(people, village):
    a, b = people
    roster_id, _ = supplies.create_roster(village, item_code="B001", title="2026年耕地地力保护补贴", month="2026-03",
                                          lines=[(a["id"], 52800), (b["id"], 31000)])
    lines = queries.roster_lines(village, roster_id)
    assert len(lines) == 2
    r = supplies.roster_reconciliation(village, roster_id)
    assert (r.roster_count, r.roster_fen, r.paid_count, r.unpaid_fen) == (2, 83800, 0, 83800)
    first = next(line for line in lines if line["resident_id"] == a["id"])
    errands.advance_status(village, first["id"], "paid")
    errands.advance_status(village, first["id"], "confirmed")
    r = supplies.roster_reconciliation(village, roster_id)
    assert (r.paid_count, r.paid_fen, r.confirmed_count, r.unpaid_fen) == (1, 52800, 1, 31000)
    assert r.balanced
    with pytest.raises(VillageError):
        supplies.roster_reconciliation(village, "missing")


def test_logs(people, village):
    a, _ = people
    lid, _ = logs.add_log(village, type_="consultation", summary="咨询医保缴费标准", outcome="已解答", resident_id=a["id"])
    logs.add_log(village, type_="dispute", summary="宅基地界线纠纷", date="2026-03-02")
    rows = queries.list_logs(village, month="2026-03")
    assert {r["type"] for r in rows} == {"consultation", "dispute"}
    assert next(r for r in rows if r["id"] == lid)["resident_name"] == "张桂英"
    before = snapshot(village)
    for kwargs in ({"type_": "gossip", "summary": "x"}, {"type_": "concern", "summary": ""},
                   {"type_": "concern", "summary": "x", "date": "2026-02-30"}):
        with pytest.raises(ValidationError):
            logs.add_log(village, **kwargs)
    assert snapshot(village) == before


def test_monthly_summary(people, village, fixed_today):
    from sync.events import Event, new_event_id
    from sync.hlc import Timestamp
    from villageagent.services import clock

    a, b = people
    on_time, _ = errands.register_errand(village, resident_id=a["id"], item_code="Z003", submit=True)
    late, _ = errands.register_errand(village, resident_id=b["id"], item_code="Z005", submit=True)
    errands.register_errand(village, resident_id=b["id"], item_code="N001", quantity=2)
    logs.add_log(village, type_="concern", summary="路灯坏了")

    def township_ready(errand_id, day):
        ts = [Timestamp(int(dt.datetime(2026, 3, day, h).timestamp() * 1000), 0, "township").encode() for h in (9, 10)]
        supplies.apply_township_events(village, [
            Event(new_event_id(), ts[0], "LTA01", "township", "errand", errand_id, "status", {"to": "accepted"}),
            Event(new_event_id(), ts[1], "LTA01", "township", "errand", errand_id, "status", {"to": "ready"})])

    township_ready(on_time["id"], 18)
    township_ready(late["id"], 25)
    clock.set_today(lambda: dt.date(2026, 3, 31))
    s = reports.monthly_summary(village, "2026-03")
    cert = s.kinds["certificate"]
    assert cert.received == 2 and cert.by_status["ready"] == 2
    assert (cert.completed_on_time, cert.completed_late) == (1, 1)
    assert s.kinds["farm_supply"].received == 1 and s.kinds["farm_supply"].overdue_now == 1
    assert s.supplies[0]["quantity"] == 2 and s.supplies[0]["amount_fen"] == 33000
    assert s.logs == {"concern": 1}
    assert s.received == 3
    empty = reports.monthly_summary(village, "2026-02")
    assert empty.received == 0
    with pytest.raises(ValidationError):
        reports.monthly_summary(village, "2026-3-1")


def test_services_refuse_before_village_is_set(db, fixed_today):
    with pytest.raises(VillageError) as err:
        residents.register_resident(db, name="王强", id_number=ID2)
    assert err.value.kind == "village_not_set"
