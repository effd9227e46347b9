"""Subsidy rosters: template, row-by-row check (nothing stored from a bad file), publishing per
village, and the payout reconciliation coming back from the villages."""

from __future__ import annotations

import io
import time

import pytest
from console_seed import id_number, store, _ev
import console_seed
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from sync.township import models as m
from sync.township import operations as ops
from sync.township.console import workbook
from sync.township.console.idnumber import id_number_problem, mask

pytestmark = pytest.mark.django_db

# The shared fixtures (pytest finds them by name in this module).
supervisor = console_seed.supervisor
supervisor_client = console_seed.supervisor_client


def _xlsx(rows, header=workbook.ROSTER_HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _post(client, data: bytes, name: str = "r.xlsx"):
    return client.post("/rosters/upload/", {"item_code": "B001", "title": "耕地地力保护补贴", "month": "2026-03",
                                            "file": SimpleUploadedFile(name, data)})


@pytest.fixture
def villages(db):
    ops.village_for("LTA01", "枫林村")
    ops.village_for("LTB02", "石桥村")


def test_id_number_rule():
    good = id_number(seq=5)
    assert id_number_problem(good) is None
    assert "18位" in id_number_problem(good[:-1])
    assert "校验位" in id_number_problem(good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert "出生日期" in id_number_problem("430223" + "19501301" + good[14:])
    assert id_number_problem("11010519491231002X") is None  # X as the check character
    assert mask(good) == good[:6] + "********" + good[-4:]


def test_template_has_the_headers_and_text_id_column(supervisor_client):
    response = supervisor_client.get("/rosters/template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    assert tuple(c.value for c in ws[1]) == workbook.ROSTER_HEADERS
    assert ws["C2"].number_format == "@"


def test_bad_rows_reported_and_nothing_stored(supervisor_client, villages):
    good = id_number(seq=1)
    rows = [
        ("LTA01", "王立平", good, 120.5),
        ("LTA99", "赵秀兰", id_number(seq=2), 80),  # unknown village
        ("LTA01", "", id_number(seq=3), 80),  # no name
        ("LTA01", "孙强", good[:-1] + ("0" if good[-1] != "0" else "1"), 80),  # check digit
        ("LTA01", "周敏", 430223195001010000, 80),  # Excel number
        ("LTA01", "吴刚", id_number(seq=4), "八十"),  # amount not a number
        ("LTA01", "郑洁", id_number(seq=6), 12.345),  # more than fen
        ("LTA01", "王立平", good, 50),  # same person twice
        ("LTB02", "冯云", id_number(seq=7), -3),
    ]
    page = _post(supervisor_client, _xlsx(rows))
    assert page.status_code == 400
    problems = [(p.row, p.column) for p in page.context["problems"]]
    assert problems == [(3, "村代码"), (4, "姓名"), (5, "身份证号"), (6, "身份证号"), (7, "金额（元）"),
                        (8, "金额（元）"), (9, "身份证号"), (10, "金额（元）")]
    html = page.content.decode()
    assert "整份名册没有保存" in html and "LTA99" in html
    assert m.Roster.objects.count() == 0 and m.Errand.objects.count() == 0 and m.Event.objects.count() == 0


def test_not_an_xlsx_and_wrong_header(supervisor_client, villages):
    page = _post(supervisor_client, b"not a workbook")
    assert page.status_code == 400 and "不是 Excel" in page.content.decode()
    page = _post(supervisor_client, _xlsx([("LTA01", "王立平", id_number(seq=1), 1)], header=("a", "b", "c", "d")))
    assert "第一行标题" in page.content.decode()
    page = _post(supervisor_client, b"x", name="r.csv")
    assert "请上传 .xlsx" in page.content.decode()
    assert m.Roster.objects.count() == 0


def test_form_fields_checked(supervisor_client, villages):
    page = supervisor_client.post("/rosters/upload/", {"item_code": "", "title": "", "month": "2026-3"})
    errors = page.context["form"].errors
    assert set(errors) == {"item_code", "title", "month", "file"}


def test_good_file_publishes_per_village_and_reconciles(supervisor_client, villages):
    rows = [("LTA01", "王立平", id_number(seq=1), 120.5), ("LTA01", "赵秀兰", id_number(seq=2), "80"),
            ("ltb02", "冯云", id_number(seq=3), 99.99)]
    response = _post(supervisor_client, _xlsx(rows))
    assert response.status_code == 302
    assert sorted(m.Roster.objects.values_list("village__code", flat=True)) == ["LTA01", "LTB02"]
    subsidy = m.Errand.objects.filter(kind="subsidy")
    assert sorted(subsidy.values_list("amount_fen", flat=True)) == [8000, 9999, 12050]
    # The village pays one (its own event, as its sync would bring it back).
    paid = subsidy.get(amount_fen=12050)
    later = int(time.time() * 1000) + 60_000  # after the township's own stamp on the roster
    store("LTA01", [_ev("LTA01", "errand", paid.entity_id, "status", {"to": "paid"}, "dev1", wall=later)])
    page = supervisor_client.get("/rosters/")
    by_village = {r["village__code"]: r for r in page.context["villages"]}
    assert by_village["LTA01"]["lines"] == 2 and by_village["LTA01"]["paid"] == 1
    assert by_village["LTA01"]["paid_fen"] == 12050 and by_village["LTA01"]["unpaid_fen"] == 8000
    total = page.context["total"]
    assert (total["lines"], total["fen"], total["paid"], total["paid_fen"]) == (3, 30049, 1, 12050)
    assert "300.49" in page.content.decode()
    roster = m.Roster.objects.get(village__code="LTA01")
    detail = supervisor_client.get(f"/rosters/{roster.entity_id}/")
    html = detail.content.decode()
    assert detail.status_code == 200 and "王立平" in html and "已发放" in html and "待发放" in html
    assert id_number(seq=1) not in html  # masked
    assert detail.context["progress"]["paid_fen"] == 12050
