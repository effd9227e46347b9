"""The receipt rendered to PDF (read back with pdftotext), and the monthly summary."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from villageagent.services.errands import advance_status, register_errand

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_receipt_pdf_has_number_masked_id_item_materials_promise_and_contact(window, store, add_resident, tmp_path, qtbot):
    resident = add_resident("张桂英", phone="13812345678")
    errand, _ = register_errand(store, resident_id=resident["id"], item_code="Z001",
                                materials_received=["居民身份证原件及复印件", "户口簿原件及复印件"])
    dialog = window.show_receipt(errand["id"])
    target = tmp_path / "回执.pdf"
    with qtbot.waitSignal(dialog.pdf_was_saved, timeout=10000):
        dialog.save_pdf(target)
    text = _pdf_text(target)
    flat = "".join(text.split())
    assert errand["number"] in flat
    assert "张桂英" in flat and "残疾证办理" in flat
    assert resident["id_number"][:6] + "********" + resident["id_number"][-4:] in flat
    assert resident["id_number"] not in flat  # never the full number on paper
    assert "138****5678" in flat
    assert "居民身份证原件及复印件" in flat and "二级以上医院残疾评定材料" in flat  # received, and still missing
    assert errand["promised_date"] in flat and "承诺办结日期" in flat
    assert "李春燕" in flat and "13907331234" in flat and "莲塘坳镇枫林村" in flat


def test_monthly_summary_shows_counts_chart_and_exports_xlsx(window, store, add_resident, tmp_path, qtbot):
    r = add_resident("李秀兰")
    a, _ = register_errand(store, resident_id=r["id"], item_code="Z003", submit=True)
    register_errand(store, resident_id=r["id"], item_code="Z001")
    code = store.execute("select code from catalog_items where kind = 'farm_supply' limit 1").fetchone()[0]
    s, _ = register_errand(store, resident_id=r["id"], item_code=code, quantity=2)
    advance_status(store, s["id"], "purchased")
    screen = window.show_screen("summary")
    screen.set_month("2026-03")
    screen.reload()
    table = screen.table
    assert table.rowCount() == 4
    assert table.item(0, 0).text() == "证照代办" and table.item(0, 1).text() == "2"
    assert table.item(2, 0).text() == "农资代购" and table.item(2, 1).text() == "1"
    assert table.item(3, 0).text() == "合计" and table.item(3, 1).text() == "3"
    assert screen.chart.data["certificate"]["submitted"] == 1 and screen.chart.data["farm_supply"]["purchased"] == 1
    image = screen.chart.render_image(800, 300)
    assert not image.isNull() and image.width() == 800
    assert "2026-03" in screen.title.text()

    xlsx = tmp_path / "summary.xlsx"
    with qtbot.waitSignal(screen.export_did_finish, timeout=10000):
        screen.export_xlsx(xlsx)
    ws = load_workbook(xlsx).active
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert "月度汇总表" in values[0][0] and "2026-03" in values[0][0]
    kinds: dict = {}
    for row in values:  # the first table; the by-status rows below repeat the kind names
        if row and row[0] in ("证照代办", "农资代购", "合计"):
            kinds.setdefault(row[0], row)
    assert kinds["证照代办"][1] == 2 and kinds["合计"][1] == 3
    assert kinds["农资代购"][6] == pytest.approx(s["amount_fen"] / 100)

    pdf = tmp_path / "summary.pdf"
    with qtbot.waitSignal(screen.export_did_finish, timeout=10000):
        screen.save_pdf(pdf)
    flat = "".join(_pdf_text(pdf).split())
    assert "月度汇总表" in flat and "证照代办" in flat and "合计" in flat
