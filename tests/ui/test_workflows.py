"""Each kind's workflow to its end through the detail dialog: only legal steps are offered."""

from __future__ import annotations

import pytest

from sync.events import Event, new_event_id
from sync.hlc import Timestamp
from sync.workflow import VILLAGE, WORKFLOWS
from villageagent.services import clock
from villageagent.services.errands import register_errand
from villageagent.services.supplies import apply_township_events
from villageagent.storage import queries


def _township_step(store, errand_id: str, to: str, **data) -> None:
    """What a pull from the township brings: a status step stamped by the township."""
    hlc = Timestamp(clock.wall_ms() + 60_000, 0, "township0test").encode()
    clock.wall_ms()  # keep the test clock moving past it
    apply_township_events(store, [Event(new_event_id(), hlc, "LTA01", "township", "errand", errand_id, "status",
                                        {"to": to, **data}, "乡镇政务中心")])


def _buttons(dialog) -> set[str]:
    return set(dialog.step_buttons)


def _legal(errand) -> set[str]:
    return set(WORKFLOWS[errand["kind"]].next_states(errand["status"], VILLAGE))


def test_certificate_goes_from_received_to_handed_back(window, store, add_resident, ctx):
    resident = add_resident("张桂英")
    errand, _ = register_errand(store, resident_id=resident["id"], item_code="Z003")
    dialog = window.open_errand(errand["id"])
    assert _buttons(dialog) == {"submitted", "cancelled"} == _legal(errand)
    dialog.step_buttons["submitted"].click()
    assert dialog.errand["status"] == "submitted"
    assert _buttons(dialog) == set()  # the township's turn: no button, a plain sentence instead

    # The township returns it for missing materials: the reason shows at the top.
    _township_step(store, errand["id"], "returned", reason="缺少户口簿复印件")
    ctx.data_did_change.emit(type("C", (), {"entities": {"errand": {errand["id"]}}, "touched": lambda s, k: True})())
    assert dialog.banner.isVisible() and "缺少户口簿复印件" in dialog.banner.text()
    assert _buttons(dialog) == {"submitted", "cancelled"}
    dialog.step_buttons["submitted"].click()
    for step in ("accepted", "in_progress", "ready"):
        _township_step(store, errand["id"], step)
    dialog.reload()
    assert dialog.errand["status"] == "ready" and _buttons(dialog) == {"delivered"}

    # Handing back asks for confirmation and who signed.
    dialog.step_buttons["delivered"].click()
    confirm = dialog.pending
    assert confirm is not None and confirm.isVisible() and confirm.signed_by.text() == "张桂英"
    confirm.signed_by.setText("王强（儿子）")
    confirm.confirm.click()
    final = queries.get_errand(store, errand["id"])
    assert final["status"] == "delivered" and final["signed_by"] == "王强（儿子）" and final["closed"] == 1
    assert _buttons(dialog) == set()
    assert "已结束" in dialog.step_bar.itemAt(0).widget().text()


def test_cancelling_hand_back_changes_nothing(window, store, add_resident):
    resident = add_resident("陈金")
    errand, _ = register_errand(store, resident_id=resident["id"], item_code="Z003", submit=True)
    for step in ("accepted", "ready"):
        _township_step(store, errand["id"], step)
    dialog = window.open_errand(errand["id"])
    dialog.step_buttons["delivered"].click()
    dialog.pending.reject()
    assert queries.get_errand(store, errand["id"])["status"] == "ready"


def test_subsidy_goes_from_listed_to_confirmed(window, store, add_resident):
    resident = add_resident("刘玉华")
    code = store.execute("select code from catalog_items where kind = 'subsidy' limit 1").fetchone()[0]
    errand, _ = register_errand(store, resident_id=resident["id"], item_code=code, amount_fen=12000)
    dialog = window.open_errand(errand["id"])
    for step in ("notified", "paid", "confirmed"):
        assert step in _buttons(dialog)
        assert _buttons(dialog) == _legal(dialog.errand)
        dialog.step_buttons[step].click()
        assert dialog.errand["status"] == step
    final = queries.get_errand(store, errand["id"])
    assert final["paid_fen"] == 12000 and _buttons(dialog) == set()


def test_subsidy_problem_needs_a_reason(window, store, add_resident):
    resident = add_resident("马德明")
    code = store.execute("select code from catalog_items where kind = 'subsidy' limit 1").fetchone()[0]
    errand, _ = register_errand(store, resident_id=resident["id"], item_code=code)
    dialog = window.open_errand(errand["id"])
    dialog.step_buttons["problem"].click()
    ask = dialog.pending
    ask.findChild(type(ask.text)).setPlainText("")
    ask._on_ok()
    assert ask.isVisible() and "原因" in ask.message.text()
    ask.text.setPlainText("银行卡号与名册不符")
    ask._on_ok()
    final = queries.get_errand(store, errand["id"])
    assert final["status"] == "problem" and final["reason"] == "银行卡号与名册不符"
    assert "银行卡号与名册不符" in dialog.banner.text()


@pytest.mark.parametrize("path", [("purchased", "delivered", "settled")])
def test_farm_supply_goes_from_ordered_to_settled(window, store, add_resident, path):
    resident = add_resident("黄志强")
    code = store.execute("select code from catalog_items where kind = 'farm_supply' limit 1").fetchone()[0]
    errand, _ = register_errand(store, resident_id=resident["id"], item_code=code, quantity=4)
    dialog = window.open_errand(errand["id"])
    for step in path:
        assert _buttons(dialog) == _legal(dialog.errand)
        dialog.step_buttons[step].click()
        assert dialog.errand["status"] == step
    final = queries.get_errand(store, errand["id"])
    assert final["status"] == "settled" and final["paid_fen"] == final["amount_fen"] > 0


def test_orders_screen_marks_selected_households_and_totals_follow(window, store, add_resident):
    code = store.execute("select code from catalog_items where kind = 'farm_supply' limit 1").fetchone()[0]
    a, b = add_resident("甲一"), add_resident("乙二")
    for r, q in ((a, 2), (b, 3)):
        register_errand(store, resident_id=r["id"], item_code=code, quantity=q)
    screen = window.show_screen("orders")
    screen._load_rounds()
    assert screen.orders.rowCount() == 2
    line = screen.lines[0]
    assert line.households == 2 and line.quantity == 5
    screen.table.selectAll()
    screen.mark_selected("purchased")
    screen.mark_selected("delivered")
    assert {r["status"] for r in screen.orders.rows()} == {"delivered"}
    assert screen.lines[0].delivered_quantity == 5
    assert "已办 2 户" in screen.message.text()
    assert "农资采购单" in screen.purchase_html() and "5" in screen.purchase_html()


def test_roster_screen_pays_and_reconciles(window, store, add_resident):
    from villageagent.services.supplies import create_roster

    code = store.execute("select code from catalog_items where kind = 'subsidy' limit 1").fetchone()[0]
    a, b = add_resident("丙三"), add_resident("丁四")
    create_roster(store, item_code=code, title="2026年3月测试补贴名册", month="2026-03",
                  lines=[(a["id"], 10000), (b["id"], 25050)])
    screen = window.show_screen("rosters")
    screen._load_rosters()
    assert screen.lines.rowCount() == 2
    assert "350.50" in screen.totals.text() and "✓" in screen.totals.text()
    screen.table.selectRow(0)
    screen.mark_selected("paid")
    assert "已发放 1 人" in screen.totals.text()


def test_print_receipt_from_the_detail_opens_over_it(window, store, add_resident):
    from villageagent.ui.dialogs.receipt_dialog import ReceiptDialog

    resident = add_resident("孔令辉")
    errand, _ = register_errand(store, resident_id=resident["id"], item_code="Z003")
    dialog = window.open_errand(errand["id"])
    dialog.receipt_button.click()
    receipts = dialog.findChildren(ReceiptDialog)
    assert receipts and receipts[0].isVisible() and receipts[0].errand["id"] == errand["id"]
