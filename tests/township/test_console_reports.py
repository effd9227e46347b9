"""The monthly circular (按月通报) and the farm-supply purchase list, on screen and as .xlsx."""

from __future__ import annotations

import io
import uuid

import pytest
from console_seed import _ev, errand, resident, store
import console_seed
from django.utils import timezone
from openpyxl import load_workbook

from sync.township import models as m
from sync.township import operations as ops

pytestmark = pytest.mark.django_db

# The shared fixtures (pytest finds them by name in this module).
clerk = console_seed.clerk
clerk_client = console_seed.clerk_client


def _month_days():
    today = timezone.localdate()
    first = today.replace(day=1)
    return today, first.strftime("%Y-%m"), first.isoformat()


def _log(village: str, type_: str, date: str) -> None:
    store(village, [_ev(village, "log", str(uuid.uuid4()), "create", {"type": type_, "summary": "问政策",
                                                                      "date": date})])


@pytest.fixture
def month_data(db):
    today, month, first = _month_days()
    far = "2099-12-31"
    a = resident("LTA01")
    on_time = errand("LTA01", a, created=first, promised=far)
    late = errand("LTA01", a, created=first, promised="2000-01-01")
    errand("LTA01", a, created=first, promised="2000-01-02")  # open and overdue now
    for eid in (on_time, late):
        ops.take_step(eid, "accepted")
        ops.take_step(eid, "ready")
    b = resident("LTB02", name="李四")
    errand("LTB02", b, kind="farm_supply", item_code="N001", item_name="复合肥", steps=(), quantity=3, unit="袋",
           amount_fen=45000, created=first, promised=far)
    errand("LTA01", a, kind="farm_supply", item_code="N001", item_name="复合肥", steps=(), quantity=2, unit="袋",
           amount_fen=30000, created=first, promised=far)
    ok_b = errand("LTB02", b, created=first, promised=far)
    ops.take_step(ok_b, "accepted")
    ops.take_step(ok_b, "ready")
    _log("LTA01", "consultation", first)
    _log("LTA01", "consultation", first)
    _log("LTB02", "dispute", first)
    return month


def test_circular_figures_and_ranking(clerk_client, month_data):
    page = clerk_client.get("/circular/", {"month": month_data})
    assert page.status_code == 200
    lines = {line.code: line for line in page.context["lines"]}
    a, b = lines["LTA01"], lines["LTB02"]
    assert (a.received, a.completed, a.on_time, a.overdue_now) == (4, 2, 1, 1)
    assert a.received_by_kind == {"certificate": 3, "farm_supply": 1}
    assert (a.supply_orders, a.supply_fen) == (1, 30000)
    assert a.logs == {"consultation": 2} and b.logs == {"dispute": 1}
    assert (b.completed, b.on_time, b.on_time_percent) == (1, 1, "100.0%")
    assert [line.code for line in page.context["lines"]] == ["LTB02", "LTA01"]  # 100% before 50%
    total = page.context["total"]
    assert (total.received, total.completed, total.on_time, total.overdue_now) == (6, 3, 2, 1)
    html = page.content.decode()
    assert 'id="chart"' in html and "50.0%" in html and "console.css" in html


def test_print_stylesheet_hides_the_chrome():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "sync/township/console/static/console/console.css").read_text()
    assert "@media print" in css and "header.top" in css.split("@media print")[1]


def test_circular_xlsx(clerk_client, month_data):
    response = clerk_client.get("/circular/export.xlsx", {"month": month_data})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["按月通报"]
    header = [c.value for c in ws[3]]
    assert header[:4] == ["名次", "村代码", "村名", "收件"] and "按时办结率" in header
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[1]}
    rate = header.index("按时办结率")
    assert rows["LTB02"][0] == 1 and rows["LTB02"][rate] == 1.0 and rows["LTA01"][rate] == 0.5
    last = [c.value for c in ws[ws.max_row]]
    assert last[2] == "合计" and last[3] == 6
    supplies = list(wb["农资数量"].iter_rows(min_row=2, values_only=True))
    assert supplies == [("N001", "复合肥", "袋", 2, 5, 750.0)]


def test_circular_bad_month_falls_back_with_message(clerk_client, month_data):
    page = clerk_client.get("/circular/", {"month": "March"})
    assert page.status_code == 200 and "月份应写成" in page.content.decode()
    assert page.context["month"] == timezone.localdate().strftime("%Y-%m")


def test_purchase_list_sums_across_villages_and_exports(clerk_client, month_data):
    page = clerk_client.get("/supplies/")
    per_item = page.context["per_item"]
    assert len(per_item) == 1
    row = per_item[0]
    assert (row["item_name"], row["quantity"], row["orders"], row["villages"], row["fen"]) == ("复合肥", 5, 2, 2, 75000)
    assert {r["village__code"]: r["quantity"] for r in page.context["per_village"]} == {"LTA01": 2, "LTB02": 3}
    export = clerk_client.get("/supplies/export.xlsx")
    wb = load_workbook(io.BytesIO(export.content))
    summary = list(wb["采购汇总"].iter_rows(min_row=4, values_only=True))
    assert summary == [("N001", "复合肥", "袋", 5, 2, 2, 750.0)]
    assert len(list(wb["分村明细"].iter_rows(min_row=2, values_only=True))) == 2


def test_mark_purchased_moves_every_listed_order(clerk_client, month_data):
    clerk_client.post("/supplies/purchased/", {"month": "", "round": ""})
    statuses = set(m.Errand.objects.filter(kind="farm_supply").values_list("status", flat=True))
    assert statuses == {"purchased"}
    assert clerk_client.get("/supplies/").context["per_item"] == []  # nothing left to buy
    assert m.Event.objects.filter(origin="township", op="status", data__to="purchased").count() == 2


def test_purchase_list_bad_month(clerk_client, month_data):
    page = clerk_client.get("/supplies/", {"month": "2026/03"})
    assert "月份应写成" in page.content.decode() and len(page.context["per_item"]) == 1
