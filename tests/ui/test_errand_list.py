"""The errand list: search as you type (pinyin initials, ID tail, number), filters, keys, colours."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt

from villageagent.services import clock
from villageagent.services.errands import register_errand
from villageagent.ui.models.errands import UrgencyRole


def _errand(store, resident, code="Z003", **kw):
    errand, _ = register_errand(store, resident_id=resident["id"], item_code=code, **kw)
    return errand


def test_search_by_pinyin_initials_finds_only_that_residents_errands(window, store, add_resident, qtbot):
    zgy = add_resident("张桂英")
    other = add_resident("李春生")
    mine = {_errand(store, zgy)["id"], _errand(store, zgy, "Z001")["id"]}
    _errand(store, other)
    screen = window.show_screen("errands")
    screen.apply_filter()
    assert screen.model.rowCount() == 3
    qtbot.keyClicks(screen.search, "zgy")
    # Search runs after the typing pause (the real debounce timer).
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=3000)
    assert {screen.model.row_at(i)["id"] for i in range(2)} == mine
    assert "共 2 件" in screen.count_label.text()
    # The last four characters of the ID number find her too.
    screen.search.setText(zgy["id_number"][-4:])
    screen.apply_filter()
    assert {screen.model.row_at(i)["resident_name"] for i in range(screen.model.rowCount())} == {"张桂英"}
    # Esc clears the search.
    qtbot.keyClick(screen.search, Qt.Key_Escape)
    assert screen.search.text() == "" and screen.model.rowCount() == 3


def test_chinese_name_typed_key_by_key(window, store, add_resident, type_text):
    zgy = add_resident("张桂英")
    _errand(store, zgy)
    _errand(store, add_resident("王五"))
    screen = window.show_screen("errands")
    screen.search_delay_ms = 0
    type_text(screen.search, "张桂")
    assert screen.model.rowCount() == 1 and screen.model.row_at(0)["resident_name"] == "张桂英"


def test_filters_by_kind_status_overdue_and_month(window, store, add_resident):
    r = add_resident("周建国")
    cert = _errand(store, r, "Z003")
    supply_code = store.execute("select code from catalog_items where kind = 'farm_supply' limit 1").fetchone()[0]
    _errand(store, r, supply_code, quantity=2)
    screen = window.show_screen("errands")

    screen.kind.setCurrentIndex(screen.kind.findData("farm_supply"))
    assert screen.model.rowCount() == 1 and screen.model.row_at(0)["kind"] == "farm_supply"
    statuses = [screen.status.itemData(i) for i in range(screen.status.count())]
    assert statuses == [None, "ordered", "purchased", "delivered", "settled", "cancelled"]
    screen.kind.setCurrentIndex(0)
    screen.status.setCurrentIndex(screen.status.findData("received"))
    assert [screen.model.row_at(i)["id"] for i in range(screen.model.rowCount())] == [cert["id"]]
    screen.status.setCurrentIndex(0)

    screen.month.setCurrentIndex(screen.month.findData("2026-03"))
    assert screen.model.rowCount() == 2
    screen.month.setCurrentIndex(screen.month.findData("2026-02"))
    assert screen.model.rowCount() == 0
    screen.month.setCurrentIndex(0)

    screen.overdue.setChecked(True)
    assert screen.model.rowCount() == 0
    # Ten days later both are past their promise: they are listed and stand out.
    clock.set_today(lambda: dt.date(2026, 4, 10))
    screen.apply_filter()
    assert screen.model.rowCount() == 2
    assert screen.model.data(screen.model.index(0, 0), UrgencyRole) == "overdue"
    assert screen.model.data(screen.model.index(0, 0), Qt.BackgroundRole) is not None
    assert "超期" in screen.model.data(screen.model.index(0, 7))


def test_due_soon_rows_stand_out(window, store, add_resident):
    r = add_resident("吴小平")
    _errand(store, r, "Z003")  # promised 2026-03-23
    clock.set_today(lambda: dt.date(2026, 3, 21))
    screen = window.show_screen("errands")
    screen.apply_filter()
    assert screen.model.data(screen.model.index(0, 0), UrgencyRole) == "soon"
    assert screen.model.data(screen.model.index(0, 7)) == "剩2天"


def test_keyboard_ctrl_n_ctrl_f_enter(window, store, add_resident, qtbot):
    r = add_resident("郑红梅")
    errand = _errand(store, r)
    screen = window.show_screen("errands")
    screen.apply_filter()
    window.find_action.trigger()
    assert window.focusWidget() is screen.search
    assert window.new_action.shortcut().toString() == "Ctrl+N"
    assert window.find_action.shortcut().toString() == "Ctrl+F"
    window.new_action.trigger()
    dialogs = [w for w in window.findChildren(object) if type(w).__name__ == "NewErrandDialog"]
    assert dialogs and dialogs[-1].isVisible()
    dialogs[-1].reject()
    opened = []
    screen.errand_was_opened.connect(opened.append)
    screen.table.setFocus()
    screen.table.selectRow(0)
    qtbot.keyClick(screen.table, Qt.Key_Return)
    assert opened == [errand["id"]]


def test_paging_loads_more_rows_when_scrolled(window, store, add_resident):
    from villageagent.services.errands import stage_errand
    from villageagent.services.base import Stamper, transaction

    r = add_resident("冯子涵")
    with transaction(store):
        stamper = Stamper(store)
        for _ in range(250):
            stage_errand(store, stamper, resident_id=r["id"], item_code="Z003")
        stamper.commit()
    screen = window.show_screen("errands")
    screen.apply_filter()
    assert screen.model.rowCount() == 100 and screen.model.total == 250
    assert screen.model.canFetchMore()
    screen.model.fetchMore()
    screen.model.fetchMore()
    assert screen.model.rowCount() == 250 and not screen.model.canFetchMore()
    numbers = [screen.model.row_at(i)["number"] for i in range(250)]
    assert len(set(numbers)) == 250


def test_the_overdue_count_in_the_status_bar_opens_the_overdue_list(window, store, add_resident):
    r = add_resident("钟秋菊")
    _errand(store, r, "Z003")
    clock.set_today(lambda: dt.date(2026, 4, 10))
    window._refresh_deadlines()
    assert window.deadline_label.text().startswith("超期 1 件")
    window.show_overdue()
    screen = window.screens["errands"]
    assert screen.overdue.isChecked() and screen.model.rowCount() == 1
    assert screen.model.data(screen.model.index(0, 0), UrgencyRole) == "overdue"
