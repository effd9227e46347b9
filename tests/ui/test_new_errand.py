"""The main flow: a new errand for a resident who was never registered, then the receipt."""

from __future__ import annotations

from PySide6.QtCore import Qt

from villageagent.domain.identity import make_id_number
from villageagent.storage import queries


def test_new_errand_for_a_new_resident_saves_both_and_opens_the_receipt(window, store, type_text, fixed_today):
    dialog = window.new_errand()
    dialog.search_delay_ms = 0
    type_text(dialog.resident_search, "王秀兰")
    assert "没有找到" in dialog.resident_list.item(0).text()
    dialog.new_resident_button.click()
    assert dialog.form.name.text() == "王秀兰"  # carried over from the search box
    id_number = make_id_number("430223", __import__("datetime").date(1949, 10, 1), 7)
    type_text(dialog.form.id_number, id_number)
    assert dialog.form.messages["id_number"].state == "ok"
    assert "1949-10-01" in dialog.form.messages["id_number"].text()
    type_text(dialog.form.phone, "13812345678")
    dialog.item_search.setText("老年优待证")
    assert dialog.item is not None and dialog.item["name"] == "老年优待证办理"
    assert "承诺办结日期" in dialog.promise.text() and "2026-03-23" in dialog.promise.text()  # 5 working days
    dialog.materials.item(0).setCheckState(Qt.Checked)

    dialog.save_button.click()

    resident = queries.resident_by_id_number(store, id_number)
    assert resident is not None and resident["name"] == "王秀兰" and resident["phone"] == "13812345678"
    errands = queries.list_errands(store, queries.ErrandFilter(resident_id=resident["id"]))
    assert len(errands) == 1
    errand = errands[0]
    assert errand["item_name"] == "老年优待证办理" and errand["promised_date"] == "2026-03-23"
    assert [m["received"] for m in errand["materials"]] == [True, False]
    # The list shows it at the top, and the receipt opened for it.
    screen = window.screens["errands"]
    assert screen.model.row_at(0)["id"] == errand["id"]
    receipts = [w for w in window.findChildren(object) if type(w).__name__ == "ReceiptDialog"]
    assert receipts and receipts[-1].errand["id"] == errand["id"]
    assert "王秀兰" in receipts[-1].html and errand["number"] in receipts[-1].html


def test_an_id_number_already_registered_selects_that_resident(window, store, add_resident, type_text):
    existing = add_resident("张桂英")
    dialog = window.new_errand()
    dialog.new_resident_button.click()
    type_text(dialog.form.name, "张桂英")
    type_text(dialog.form.id_number, existing["id_number"])
    assert dialog.resident is not None and dialog.resident["id"] == existing["id"]
    assert "已登记" in dialog.message.text()


def test_saving_without_a_resident_or_item_says_what_is_missing(window, store):
    dialog = window.new_errand()
    dialog.save_only.click()
    assert "请先选择办事村民" in dialog.message.text()
    assert queries.count_errands(store) == 0


def test_farm_supply_quantity_drives_the_money_shown_and_saved(window, store, add_resident):
    resident = add_resident("李四")
    dialog = window.new_errand(kind="farm_supply", resident_id=resident["id"])
    assert dialog.resident["id"] == resident["id"]
    code = next(c["code"] for c in dialog.catalog if c["kind"] == "farm_supply")
    assert dialog.choose_item(code)
    dialog.quantity.setValue(3)
    price = int(dialog.item["unit_price_fen"])
    assert f"{price * 3 // 100}." in dialog.money_label.text()
    dialog.save_only.click()
    errand = queries.list_errands(store, queries.ErrandFilter(resident_id=resident["id"]))[0]
    assert errand["quantity"] == 3 and errand["amount_fen"] == price * 3 and errand["round"] == "2026年春耕"


def test_an_item_the_township_stopped_is_not_offered_for_a_new_errand(window, store, add_resident):
    import json

    from sync.events import Event, new_event_id
    from sync.hlc import Timestamp
    from villageagent import paths
    from villageagent.storage.events import apply_events

    items = json.loads(paths.catalog_path().read_text(encoding="utf-8"))["items"]
    stopped = next(i for i in items if i["kind"] == "subsidy")
    data = {"version": "2026.11-5", "items": [{**i, "retired": True} if i is stopped else i for i in items]}
    with store.atomic():
        apply_events(store, [Event(new_event_id(), Timestamp(1_800_000_000_000, 0, "township").encode(), "LTA01",
                                   "township", "catalog", "catalog", "publish", data, "")], local=False)
    resident = add_resident("李四")
    dialog = window.new_errand(kind="subsidy", resident_id=resident["id"])
    codes = {c["code"] for c in dialog.catalog}
    assert stopped["code"] not in codes and codes  # the other subsidies are still offered
    assert not dialog.choose_item(stopped["code"])
    dialog.item_search.setText(stopped["name"])
    assert dialog.item is None or dialog.item["code"] != stopped["code"]
