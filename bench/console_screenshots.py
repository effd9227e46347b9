"""Screenshots of the township console's main pages in real headless Chromium.

Usage:
    python bench/console_screenshots.py [--out docs/screenshots]

- Builds a small demo township (8 villages, 2,000 errands, a roster, a device) in a throw-away
  ``TOWNSHIP_HOME``, serves it with waitress on a loopback port, signs in through the form and
  saves ``console-*.png``. Look at every picture afterwards (Chinese glyphs, nothing cut off).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

NAMES = ["枫林村", "石桥村", "荷塘村", "新屋村", "龙山村", "桃源村", "白竹村", "洞口村"]


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _demo() -> str:
    """Demo data; returns the entity id of the errand shown on the errand page."""
    import console_scale
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from sync.events import Event
    from sync.hlc import Timestamp
    from sync.township import models as m
    from sync.township import operations as ops
    from sync.township.console.roles import SUPERVISOR, set_role

    console_scale.build(len(NAMES), 2000, seed=11)
    for village, name in zip(m.Village.objects.order_by("code"), NAMES):
        village.name = name
        village.save(update_fields=["name"])
    boss = get_user_model().objects.create_user(username="wangjing", password="demo-pass-1", first_name="王静")
    set_role(boss, SUPERVISOR)
    first = m.Village.objects.order_by("code").first()
    resident = m.Resident.objects.filter(village=first).first()
    eid = str(uuid.uuid4())
    wall = int(time.time() * 1000) - 3 * 86_400_000
    data = {"number": f"{first.code}-K7Q-009001", "kind": "certificate", "item_code": "Z001", "item_name": "残疾证办理",
            "resident_id": resident.entity_id, "status": "received", "tier": "county", "promised_date": "2026-12-10",
            "created_date": time.strftime("%Y-%m-%d", time.localtime(wall / 1000)), "note": "老人行动不便，请电话联系家属",
            "materials": [{"name": "居民身份证原件及复印件", "received": True}, {"name": "户口簿原件及复印件", "received": True},
                          {"name": "近期一寸免冠照片2张", "received": False},
                          {"name": "二级以上医院残疾评定材料", "received": True}]}
    events = [Event(str(uuid.uuid4()), Timestamp(wall, 0, "dev1").encode(), first.code, "dev1", "errand", eid, "create", data),
              Event(str(uuid.uuid4()), Timestamp(wall + 60_000, 0, "dev1").encode(), first.code, "dev1", "errand", eid,
                    "status", {"to": "submitted"})]
    with transaction.atomic():
        ops.store_events(ops._locked(first), events)
    ops.take_step(eid, "accepted", actor="staff:wangjing")
    ops.add_note(eid, "已联系家属，照片可在送证时补交", actor="staff:wangjing")
    code, _ = ops.issue_enrollment_code(first.code)
    ops.enroll_device(code, node="dev0fl000001", village_code=first.code, name="枫林村代办点笔记本")
    lines = [ops.RosterLine(id_number=r.id_number, name=r.name, amount_fen=10550)
             for r in m.Resident.objects.filter(village=first)[:12]]
    ops.publish_roster(first.code, item_code="B001", item_name="耕地地力保护补贴", title="2026年耕地地力保护补贴第二批",
                       month=time.strftime("%Y-%m"), lines=lines, actor="staff:wangjing")
    return eid


def _bad_roster(path: Path) -> str:
    from openpyxl import Workbook

    from sync.township.console.idnumber import check_char

    wb = Workbook()
    ws = wb.active
    ws.append(["村代码", "姓名", "身份证号", "金额（元）"])
    first = "43022319610504011"
    ws.append(["LT001", "王立平", first + check_char(first), 120.5])
    ws.append(["LT001", "赵秀兰", "430223196105040129", 80])
    ws.append(["LT099", "孙强", first[:-1] + "2" + check_char(first[:-1] + "2"), 60])
    ws.append(["LT002", "周敏", "4302231961050401", "八十"])
    wb.save(path)
    return str(path)


def _print_page(driver, png: Path) -> None:
    """The page as Chromium prints it (the print stylesheet, A4 landscape), first page as PNG."""
    import base64
    import subprocess

    pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True,
                                                                      "preferCSSPageSize": True})["data"])
    folder = Path(tempfile.mkdtemp(prefix="print-"))
    (folder / "page.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(folder / "page.pdf"),
                    str(png.with_suffix(""))], check=True)
    print("saved", png)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["TOWNSHIP_HOME"] = tempfile.mkdtemp(prefix="console-shots-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sync.township.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    eid = _demo()

    import waitress
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from sync.township.wsgi import application

    port = _free_port()
    server = waitress.create_server(application, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1366,900", f"--user-data-dir={tempfile.mkdtemp(prefix='chr-')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

    def shot(name: str, max_height: int = 2200) -> None:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        # The headless window's size includes a (virtual) browser frame: add it, so the whole page shows.
        frame = driver.execute_script("return window.outerHeight - window.innerHeight")
        driver.set_window_size(1366, min(max(height, 600), max_height) + frame)
        time.sleep(0.3)  # let the resized page lay out before the capture
        driver.save_screenshot(str(out / f"console-{name}.png"))
        driver.set_window_size(1366, 900)
        print("saved", out / f"console-{name}.png")

    try:
        driver.get(base + "/")
        shot("login", 700)
        driver.find_element(By.NAME, "username").send_keys("wangjing")
        driver.find_element(By.NAME, "password").send_keys("demo-pass-1")
        driver.find_element(By.ID, "login-button").click()
        time.sleep(0.5)
        driver.get(base + "/?status=open&due=overdue")  # the overdue ones: short enough to show whole
        shot("inbox", 3600)
        driver.get(base + f"/errands/{eid}/")
        shot("errand")
        driver.get(base + "/circular/")
        shot("circular", 2400)
        _print_page(driver, out / "console-circular-print.png")
        driver.get(base + "/supplies/?status=delivered")
        shot("supplies", 1400)
        driver.get(base + "/rosters/upload/")
        Select(driver.find_element(By.NAME, "item_code")).select_by_index(1)
        driver.find_element(By.NAME, "title").send_keys("2026年耕地地力保护补贴第三批")
        driver.execute_script("document.getElementsByName('month')[0].value = '2026-11';")
        driver.find_element(By.NAME, "file").send_keys(_bad_roster(Path(tempfile.mkdtemp()) / "名册.xlsx"))
        driver.find_element(By.ID, "roster-submit").click()
        time.sleep(0.5)
        shot("roster-errors")
        driver.get(base + "/rosters/")
        shot("rosters")
        driver.get(base + "/devices/")
        driver.find_element(By.NAME, "village_code").send_keys("LT009")
        driver.find_element(By.NAME, "village_name").send_keys("新建村")
        driver.find_element(By.CSS_SELECTOR, "#enroll-form button").click()
        time.sleep(0.5)
        shot("enroll")
        driver.get(base + "/")
        driver.find_element(By.CSS_SELECTOR, "form.lang button").click()
        time.sleep(0.5)
        shot("inbox-en", 1000)
    finally:
        driver.quit()
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
