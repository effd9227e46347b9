"""The reliability campaign (issue 6): weak links, cuts, kills, full disks, corruption, hostile
input, the auth matrix, clocks and upgrades, each checked end to end on both sides.

    python bench/faults.py            the full campaign; prints the table (docs/reliability.md)
    python bench/faults.py --quick    a reduced campaign (< 5 min on 2 cores); exits 1 on any
                                      loss, duplicate, server 5xx or failed target
    python bench/faults.py --only 1,7 some cases; --json FILE writes the rows as JSON;
                                      --loopback: the weak link without namespaces
    scripts/with_postgres.sh .venv/bin/python bench/faults.py --quick
                                      the same with the township on PostgreSQL 15

Needs nothing beyond the project's install; the weak link uses network namespaces, tc and nft
when run as root with iproute2/nftables (scripts/system-deps.sh), and says so and falls back to
loopback shaping otherwise. Everything runs on 127.0.0.1 or inside namespaces it creates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VILLAGEAGENT_LANG", "zh")

from bench.faultlib.report import Row  # noqa: E402

HEADER = "| case | tried | lost | duplicated | server 5xx | notes |\n|---|---:|---:|---:|---:|---|"


def _cases(quick: bool, loopback: bool = False) -> list[tuple[str, object]]:
    from bench.faultlib import cases_hostile as h
    from bench.faultlib import cases_net as n
    from bench.faultlib import cases_village as v

    q = quick
    return [
        ("1", lambda b: [n.weak_link(b, errands=500, use_netns=not loopback)]),
        ("2", lambda b: _cuts(n, b, q)),
        ("3", lambda b: [n.server_kill(b, rounds=10 if q else 100)]),
        ("4", lambda b: v.village_kill(b, saves=60 if q else 200, syncs=6 if q else 30)),
        ("5", lambda b: [v.disk_full(b)]),
        ("6", lambda b: v.corrupted(b)),
        ("7", lambda b: h.hostile(b, requests_n=2000 if q else 10000, tampered=100 if q else 500)),
        ("8", lambda b: h.auth_matrix(b)),
        ("9", lambda b: [v.clocks(b)]),
        ("10", lambda b: v.upgrade(b)),
    ]


def _cuts(n, base: Path, quick: bool) -> list[Row]:
    errands = 800 if quick else 2000  # more than 64 KiB of wire bytes, so both cut sizes bite
    clean = n.clean_bytes(base, errands)
    rows = [n.cuts_every(base, 16 * 1024, errands, clean), n.cuts_every(base, 64 * 1024, errands, clean)]
    rows.append(n.cuts_random(base, 20 if quick else 200))
    return rows


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except OSError:
        return "?"


def _machine() -> str:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} cores {cpu}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the reduced campaign for CI (< 5 minutes)")
    ap.add_argument("--only", default="", help="comma-separated case numbers, e.g. 1,7")
    ap.add_argument("--json", default="", help="also write the rows to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the data folders (printed) for a post-mortem")
    ap.add_argument("--loopback", action="store_true", help="weak link over loopback with proxy shaping, "
                                                            "even where namespaces work")
    args = ap.parse_args(argv)
    only = {c.strip() for c in args.only.split(",") if c.strip()}
    base = Path(tempfile.mkdtemp(prefix="va-faults-"))
    started = time.monotonic()
    rows: list[Row] = []
    backend = "PostgreSQL (DATABASE_URL)" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"fault campaign ({'quick' if args.quick else 'full'}) {dt.datetime.now():%Y-%m-%d %H:%M} "
          f"commit {_commit()}; {_machine()}; township database: {backend}", flush=True)
    for number, run in _cases(args.quick, args.loopback):
        if only and number not in only:
            continue
        t0 = time.monotonic()
        try:
            got = run(base / f"case{number}")  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - a crashed case is a failed row, the others still run
            traceback.print_exc()
            got = [Row(f"{number} (crashed)", notes=f"{type(exc).__name__}: {str(exc)[:200]}", ok=False)]
        for r in got:
            rows.append(r)
            print(f"[{time.monotonic() - t0:6.1f}s] {r.markdown()}", flush=True)
    print()
    print(f"date {dt.date.today()}, commit {_commit()}, machine: {_machine()}, township database: {backend}, "
          f"{time.monotonic() - started:.0f} s")
    print(HEADER)
    for r in rows:
        print(r.markdown())
    if args.json:
        Path(args.json).write_text(json.dumps([{**r.__dict__, "passed": r.passed} for r in rows], ensure_ascii=False,
                                              indent=1, default=str))
    if args.keep:
        print(f"data kept in {base}")
    else:
        import shutil

        shutil.rmtree(base, ignore_errors=True)
    failed = [r.case for r in rows if not r.passed and not r.known]
    still_open = [r.case for r in rows if not r.passed and r.known]
    if still_open:
        print(f"open findings (known, not failing the run): {', '.join(still_open)}", file=sys.stderr)
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
