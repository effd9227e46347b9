"""Village store at scale: build N errands, then time search, deadlines, summary and saves.

Usage: python bench/store_scale.py [--errands 100000] [--seed 1] [--json]

- Runs in a throw-away VILLAGEAGENT_HOME; prints a table (and one JSON line with --json).
- Not a test: this machine is small and noisy; read the figures as orders of magnitude.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--errands", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--saves", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="va-store-bench-"))
    os.environ["VILLAGEAGENT_HOME"] = str(home)

    from villageagent.services import errands, reports
    from villageagent.services.backups import open_village_db
    from villageagent.services.demo import build_demo

    db = open_village_db()
    t0 = time.perf_counter()
    counts = build_demo(db, errands=args.errands, seed=args.seed)
    build_s = time.perf_counter() - t0

    rng = random.Random(args.seed)
    residents = db.execute("select name, initials, id_number, phone from residents").fetchall()
    numbers = [r[0] for r in db.execute("select number from errands")]
    samples = {
        "name": lambda: rng.choice(residents)[0][:2],
        "initials": lambda: rng.choice(residents)[1][:3],
        "ID tail": lambda: rng.choice(residents)[2][-6:],
        "phone": lambda: rng.choice(residents)[3][-8:],
        "number": lambda: rng.choice(numbers),
    }
    rows = []
    for label, make in samples.items():
        times, hits = [], 0
        for _ in range(args.queries):
            text = make()
            t = time.perf_counter()
            result = errands.search(db, text, limit=50)
            times.append((time.perf_counter() - t) * 1000)
            hits += bool(result.residents or result.errands)
        rows.append((label, statistics.median(times), pct(times, 95), hits / args.queries))

    t = time.perf_counter()
    late = errands.overdue(db)
    overdue_ms = (time.perf_counter() - t) * 1000
    month = db.execute("select substr(max(created_date), 1, 7) from errands").fetchone()[0]
    summary_times = []
    for _ in range(5):
        t = time.perf_counter()
        reports.monthly_summary(db, month)
        summary_times.append((time.perf_counter() - t) * 1000)

    resident_ids = [r[0] for r in db.execute("select id from residents limit 500")]
    items = ["Z003", "Z005", "N001", "B004"]
    save_times = []
    for i in range(args.saves):
        t = time.perf_counter()
        errands.register_errand(db, resident_id=rng.choice(resident_ids), item_code=items[i % 4],
                                quantity=2 if items[i % 4] == "N001" else None)
        save_times.append((time.perf_counter() - t) * 1000)
    db.close()
    size_mb = sum(p.stat().st_size for p in home.glob("village.db*")) / 1e6

    print(f"Village store at {args.errands:,} errands ({counts['residents']:,} residents, {counts['events']:,} events)")
    print()
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| build (demo generator, bulk) | {build_s:.1f} s | |")
    for label, p50, p95, hit in rows:
        print(f"| search by {label}: p50 / p95 | {p50:.2f} / {p95:.2f} ms ({hit:.0%} found) | p95 ≤ 20 ms |")
    print(f"| overdue list ({len(late)} rows) | {overdue_ms:.1f} ms | |")
    print(f"| monthly summary ({month}), median of 5 | {statistics.median(summary_times):.1f} ms | ≤ 200 ms |")
    print(f"| save one errand with its events, durable: p50 / p95 | {statistics.median(save_times):.2f} / "
          f"{pct(save_times, 95):.2f} ms | p95 ≤ 15 ms |")
    print(f"| database size (with WAL) | {size_mb:.1f} MB | |")
    if args.json:
        print(json.dumps({"errands": args.errands, "build_s": build_s,
                          "search": {r[0]: {"p50_ms": r[1], "p95_ms": r[2]} for r in rows},
                          "overdue_ms": overdue_ms, "summary_ms": statistics.median(summary_times),
                          "save_p95_ms": pct(save_times, 95), "size_mb": size_mb}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
