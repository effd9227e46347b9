"""Time the township console's pages at a township's yearly size: 20 villages, 20,000 errands.

Usage:
    python bench/console_scale.py [--villages 20] [--errands 20000] [--repeat 15] [--json]
    scripts/with_postgres.sh .venv/bin/python bench/console_scale.py     # the same on PostgreSQL

- Builds the township's projections directly (bulk inserts of villages, residents, errands over
  the last 365 days, and village log lines) in a throw-away ``TOWNSHIP_HOME`` (or the database
  of ``DATABASE_URL``); the console only reads projections, so events are not needed here,
  except for the one errand whose page (with its timeline) is timed.
- Each page is requested through Django's test client as a signed-in clerk (URL routing,
  permission check, queries, template rendering, the whole response), ``--repeat`` times; the
  table shows the median and the worst time and the number of SQL queries per request.
- Not a timed test: a noisy 2-core machine gives orders of magnitude, not a race.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SURNAMES = ("王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
            "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "桂英建国秀兰志强春燕立平红梅海军玉兰德明丽华国强小红永福淑珍金凤文杰美玲家豪雪梅俊杰明辉丽娟云霞子涵伟东晓燕"
CERTS = [("Z001", "残疾证办理", 14), ("Z003", "老年优待证办理", 5), ("Z005", "户籍证明开具", 1), ("Z006", "居民身份证换领", 20),
         ("Z008", "生育登记", 3), ("Z010", "低保申请", 20), ("Z012", "城乡居民医保缴费", 2)]
SUPPLIES = [("N001", "复合肥（50kg）", "袋", 15000), ("N002", "尿素（50kg）", "袋", 12000), ("N003", "杂交稻种", "kg", 6000)]
SUBSIDIES = [("B001", "耕地地力保护补贴"), ("B004", "高龄津贴")]
LOG_TYPES = ["consultation", "consultation", "consultation", "dispute", "concern", "problem"]


def _setup() -> None:
    os.environ.setdefault("TOWNSHIP_HOME", tempfile.mkdtemp(prefix="console-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.township.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _id_number(rng: random.Random) -> str:
    from sync.township.console.idnumber import check_char

    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 60 * 365))
    first = f"430223{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first + check_char(first)


def build(villages: int, errands: int, seed: int = 7) -> dict:
    """Bulk-insert the township's projections; returns what was made."""
    from django.db import transaction

    from sync.township import models as m
    from sync.workflow import WORKFLOWS

    rng = random.Random(seed)
    today = dt.date.today()
    started = time.perf_counter()
    with transaction.atomic():
        vs = m.Village.objects.bulk_create([m.Village(code=f"LT{n:03d}", name=f"第{n}村") for n in range(1, villages + 1)])
        residents: dict[int, list[str]] = {}
        rows = []
        per_village = max(50, errands // villages // 4)
        for v in vs:
            ids = [str(uuid.uuid4()) for _ in range(per_village)]
            residents[v.pk] = ids
            for rid in ids:
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
                rows.append(m.Resident(village=v, entity_id=rid, name=name, id_number=_id_number(rng),
                                       phone=f"139{rng.randrange(10**8):08d}", group=f"第{rng.randrange(1, 12)}组"))
        m.Resident.objects.bulk_create(rows, batch_size=2000)
        rows = []
        for n in range(errands):
            v = vs[n % villages]
            created = today - dt.timedelta(days=rng.randrange(0, 365))
            age = (today - created).days
            r = rng.random()
            common = {"village": v, "entity_id": str(uuid.uuid4()), "number": f"{v.code}-K7Q-{n:06d}",
                      "resident_id": rng.choice(residents[v.pk]), "created_date": created.isoformat(),
                      "origin": "dev1", "created_hlc": "x", "updated_hlc": "x", "status_hlc": "x"}
            if r < 0.6:
                code, name, days = rng.choice(CERTS)
                promised = created + dt.timedelta(days=days + days // 2)
                if age > 40 or rng.random() < 0.5:
                    status = rng.choice(["ready", "delivered", "delivered", "cancelled"])
                else:
                    status = rng.choice(["submitted", "accepted", "in_progress", "returned", "forwarded"])
                done = (created + dt.timedelta(days=rng.randrange(0, days + 4))).isoformat() \
                    if status in ("ready", "delivered") else None
                row = m.Errand(kind="certificate", item_code=code, item_name=name, status=status,
                               promised_date=promised.isoformat(), done_date=done, **common)
            elif r < 0.85:
                code, name = rng.choice(SUBSIDIES)
                status = rng.choice(["paid", "confirmed"]) if age > 30 else rng.choice(["listed", "notified", "paid"])
                row = m.Errand(kind="subsidy", item_code=code, item_name=name, status=status,
                               amount_fen=rng.randrange(5000, 50000), roster_id=f"R{v.code}{created:%Y%m}",
                               promised_date=(created + dt.timedelta(days=30)).isoformat(),
                               done_date=created.isoformat() if status in ("paid", "confirmed") else None, **common)
            else:
                code, name, unit, price = rng.choice(SUPPLIES)
                qty = rng.randrange(1, 10)
                status = rng.choice(["delivered", "settled"]) if age > 30 else rng.choice(["ordered", "purchased"])
                row = m.Errand(kind="farm_supply", item_code=code, item_name=name, unit=unit, quantity=qty,
                               amount_fen=qty * price, status=status, round=f"{created:%Y}春耕" if created.month < 6 else "",
                               promised_date=(created + dt.timedelta(days=20)).isoformat(),
                               done_date=created.isoformat() if status in ("delivered", "settled") else None, **common)
            row.closed = row.status in WORKFLOWS[row.kind].closed
            rows.append(row)
        m.Errand.objects.bulk_create(rows, batch_size=2000)
        logs = [m.LogEntry(village=vs[n % villages], entity_id=str(uuid.uuid4()), type=rng.choice(LOG_TYPES),
                           summary="政策咨询", date=(today - dt.timedelta(days=rng.randrange(0, 365))).isoformat())
                for n in range(errands // 2)]
        m.LogEntry.objects.bulk_create(logs, batch_size=2000)
    return {"villages": villages, "errands": errands, "residents": sum(len(x) for x in residents.values()),
            "logs": len(logs), "build_seconds": round(time.perf_counter() - started, 1)}


def _sample_errand() -> str:
    """An open errand with a real event history, for the errand page (its timeline)."""
    from django.db import transaction

    from sync.events import Event
    from sync.hlc import Timestamp
    from sync.township import models as m
    from sync.township import operations as ops

    errand = m.Errand.objects.filter(kind="certificate", status="submitted").first()
    assert errand is not None
    wall = int(time.time() * 1000) - 86_400_000
    data = {"number": errand.number, "kind": "certificate", "item_code": errand.item_code,
            "item_name": errand.item_name, "resident_id": errand.resident_id, "status": "received",
            "promised_date": errand.promised_date, "created_date": errand.created_date,
            "materials": [{"name": "居民身份证原件及复印件", "received": True}]}
    events = [Event(str(uuid.uuid4()), Timestamp(wall, 0, "dev1").encode(), errand.village.code, "dev1", "errand",
                    errand.entity_id, "create", data),
              Event(str(uuid.uuid4()), Timestamp(wall + 1000, 0, "dev1").encode(), errand.village.code, "dev1",
                    "errand", errand.entity_id, "status", {"to": "submitted"})]
    with transaction.atomic():
        ops.store_events(ops._locked(errand.village), events)
    return errand.entity_id


def measure(repeat: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sync.township.console.roles import CLERK, SUPERVISOR, set_role

    user = get_user_model().objects.create_user(username="bench", password="bench-pass-1")
    set_role(user, CLERK)
    boss = get_user_model().objects.create_user(username="benchboss", password="bench-pass-1")
    set_role(boss, SUPERVISOR)
    clerk, supervisor = Client(), Client()
    clerk.force_login(user)
    supervisor.force_login(boss)
    month = dt.date.today().strftime("%Y-%m")
    entity = _sample_errand()
    pages = [
        ("inbox, default (open, newest first)", clerk, "/"),
        ("inbox, page 40", clerk, "/?status=all&page=40"),
        ("inbox, one village + overdue", clerk, "/?village=LT007&due=overdue"),
        ("inbox, all statuses + month", clerk, f"/?status=all&month={month}"),
        ("inbox, search by pinyin initials", clerk, "/?status=all&q=wgy"),
        ("inbox, search by name", clerk, "/?status=all&q=王桂"),
        ("inbox, search by ID tail", clerk, "/?status=all&q=0123"),
        ("errand page (timeline)", clerk, f"/errands/{entity}/"),
        ("monthly circular, this month", clerk, f"/circular/?month={month}"),
        ("monthly circular .xlsx", clerk, f"/circular/export.xlsx?month={month}"),
        ("purchase list (all delivered)", clerk, "/supplies/?status=delivered"),
        ("purchase list .xlsx", clerk, "/supplies/export.xlsx?status=delivered"),
        ("rosters + reconciliation", supervisor, "/rosters/"),
    ]
    results = []
    for title, client, url in pages:
        times = []
        queries = 0
        for _ in range(repeat):
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(ctx.captured_queries)
        results.append({"page": title, "url": url, "median_ms": round(statistics.median(times), 1),
                        "max_ms": round(max(times), 1), "queries": queries})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=20)
    parser.add_argument("--errands", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    _setup()
    from django.db import connection

    made = build(args.villages, args.errands)
    results = measure(args.repeat)
    engine = connection.vendor
    print(f"console pages on {engine}: {made['villages']} villages, {made['errands']} errands over a year, "
          f"{made['residents']} residents, {made['logs']} log lines (built in {made['build_seconds']} s); "
          f"{args.repeat} requests each")
    print("| page | median ms | worst ms | SQL queries |")
    print("|---|---|---|---|")
    for r in results:
        print(f"| {r['page']} | {r['median_ms']} | {r['max_ms']} | {r['queries']} |")
    if args.json:
        print(json.dumps({"engine": engine, **made, "pages": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
