"""End to end in real headless Chromium (issue 5): a real village laptop pushes over HTTP to the
live township server, staff act in the browser, and the laptop pulls the result.

- Sign in through the form, accept an errand the village pushed, see the village pull 乡镇已受理.
- Return one: refused without a reason (message beside the field, nothing stored), then returned
  with a reason chosen from the list plus typed text; the village pulls the status and the reason.
- Upload a roster with a bad row: the bad row is reported and nothing is stored; the corrected
  file is published and the village pulls the payees.
"""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook
from pages import click, sign_in, wait_for, wait_text
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from sync.township import models as m
from sync.township.console.idnumber import check_char

pytestmark = pytest.mark.django_db(transaction=True)


def _sync(db):
    from villageagent.services import sync as service

    return service.sync_now(db, sleep=lambda _s: None)


def _village_errand(db, errand_id: str) -> dict:
    from villageagent.storage import queries

    row = queries.get_errand(db, errand_id)
    assert row is not None
    return row


def test_accept_in_browser_then_village_pulls_accepted(live_server, enrolled, add_errands, browser, staff_user):
    db = enrolled()
    ids = add_errands(db, 2)
    assert _sync(db).pushed == 5  # resident + 2 creates + 2 submits, through the real client
    number = m.Errand.objects.get(entity_id=ids[0]).number
    name, password = staff_user("clerk")

    sign_in(browser, live_server.url, name, password)
    wait_text(browser, number)
    assert "各村代办事项" in browser.find_element(By.TAG_NAME, "h1").text
    browser.find_element(By.LINK_TEXT, number).click()
    click(browser, "step-accepted")
    wait_text(browser, "已改为“乡镇已受理”")
    assert browser.find_element(By.ID, "errand-status").text == "乡镇已受理"
    assert m.Errand.objects.get(entity_id=ids[0]).status == "accepted"

    report = _sync(db)
    assert report.pulled == 1 and report.check_ok is True
    assert _village_errand(db, ids[0])["status"] == "accepted"
    assert _village_errand(db, ids[1])["status"] == "submitted"  # the other one untouched


def test_return_needs_a_reason_then_village_pulls_reason(live_server, enrolled, add_errands, browser, staff_user):
    db = enrolled()
    ids = add_errands(db, 1)
    _sync(db)
    errand = m.Errand.objects.get(entity_id=ids[0])
    name, password = staff_user("clerk")
    sign_in(browser, live_server.url, name, password)
    browser.get(f"{live_server.url}/errands/{errand.entity_id}/")

    click(browser, "step-returned")  # no reason given
    wait_text(browser, "请选择或填写原因")
    error = browser.find_element(By.CSS_SELECTOR, "#reason-returned .field.has-error .error")
    assert "原因" in error.text
    assert m.Errand.objects.get(pk=errand.pk).status == "submitted"  # nothing stored
    assert not m.Event.objects.filter(entity_id=errand.entity_id, origin="township").exists()

    preset = Select(browser.find_element(By.CSS_SELECTOR, "#reason-returned select[name=preset]"))
    missing = [o.text for o in preset.options if o.text.startswith("缺少：")]
    assert missing, "the errand's missing materials are offered as reasons"
    preset.select_by_visible_text(missing[0])
    browser.find_element(By.CSS_SELECTOR, "#reason-returned textarea[name=reason]").send_keys("请周五前补交")
    click(browser, "step-returned")
    wait_text(browser, "已改为“退回补正”")
    assert missing[0] in browser.find_element(By.ID, "timeline").text

    _sync(db)
    row = _village_errand(db, ids[0])
    assert row["status"] == "returned"
    assert row["reason"] == f"{missing[0]}；请周五前补交"


def _roster_file(path, rows) -> str:
    wb = Workbook()
    ws = wb.active
    ws.append(["村代码", "姓名", "身份证号", "金额（元）"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return str(path)


def _id(seq: int) -> str:
    first = f"430223{dt.date(1961, 5, 4):%Y%m%d}{seq:03d}"
    return first + check_char(first)


def test_roster_with_a_bad_row_is_reported_and_nothing_stored(live_server, enrolled, browser, staff_user, tmp_path):
    from villageagent.storage import queries

    db = enrolled()
    _sync(db)  # the village is known to the township now
    good, bad_check = _id(11), _id(12)[:17] + ("0" if _id(12)[17] != "0" else "1")
    bad_file = _roster_file(tmp_path / "bad.xlsx", [["LTA01", "王立平", good, 120.5],
                                                    ["LTA01", "赵秀兰", bad_check, 80]])
    name, password = staff_user("supervisor")
    sign_in(browser, live_server.url, name, password)
    browser.get(live_server.url + "/rosters/upload/")
    Select(browser.find_element(By.NAME, "item_code")).select_by_index(1)
    browser.find_element(By.NAME, "title").send_keys("2026年耕地地力保护补贴第一批")
    browser.execute_script("document.getElementsByName('month')[0].value = '2026-03';")
    browser.find_element(By.NAME, "file").send_keys(bad_file)
    click(browser, "roster-submit")

    table = wait_for(browser, By.ID, "roster-problems")
    cells = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert len(cells) == 1 and cells[0][:2] == ["3", "身份证号"] and "校验位" in cells[0][2]
    assert "整份名册没有保存" in browser.find_element(By.CSS_SELECTOR, ".field.has-error").text
    assert m.Roster.objects.count() == 0 and not m.Errand.objects.filter(kind="subsidy").exists()

    fixed = _roster_file(tmp_path / "good.xlsx", [["LTA01", "王立平", good, 120.5], ["LTA01", "赵秀兰", _id(12), 80]])
    browser.find_element(By.NAME, "title").clear()
    browser.find_element(By.NAME, "title").send_keys("2026年耕地地力保护补贴第一批")
    Select(browser.find_element(By.NAME, "item_code")).select_by_index(1)
    browser.execute_script("document.getElementsByName('month')[0].value = '2026-03';")
    browser.find_element(By.NAME, "file").send_keys(fixed)
    click(browser, "roster-submit")
    wait_text(browser, "名册已发布")
    assert "200.50" in browser.find_element(By.ID, "reconcile").text  # 120.50 + 80.00 listed

    _sync(db)
    rosters = queries.rosters(db)
    assert len(rosters) == 1
    lines = queries.roster_lines(db, rosters[0]["id"])
    assert sorted(line["amount_fen"] for line in lines) == [8000, 12050]
