"""Cases 1-3: the weak link, cut connections, the township server killed.

Every case ends by syncing cleanly and reading both databases (``world.end_state``).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.faultlib import netns
from bench.faultlib.proxy import Proxy, Shaping
from bench.faultlib.report import Row
from bench.faultlib.world import BIN, ROOT, Township, Village, end_state

RATE = 8000  # 64 kbit/s in bytes/s


def _fresh(base: Path, name: str, errands: int, *, host: str = "127.0.0.1", prefix: list[str] | None = None,
           seed: int = 1) -> tuple[Township, Village, str]:
    t = Township(base / f"{name}-township", host=host, prefix=prefix)
    t.init()
    code = t.enroll_code()
    v = Village(base / f"{name}-village")
    v.create(40, seed=seed)
    if errands:
        v.add_errands(errands, seed=seed + 1)
    return t, v, code


def _sync_in_process(v: Village, *, attempts: int = 60, deadline: float = 120.0) -> tuple[int, int, list[str]]:
    """Sync until it finishes (as the app's automatic retry would); (syncs, failures, error kinds)."""
    from villageagent.domain.errors import VillageError
    from villageagent.services.sync import sync_now

    errors: list[str] = []
    stop = time.monotonic() + deadline
    for n in range(1, attempts + 1):
        db = v.open()
        try:
            sync_now(db, sleep=lambda s: time.sleep(min(s, 0.05)))
            return n, len(errors), errors
        except VillageError as exc:
            errors.append(exc.kind)
        finally:
            db.close()
        if time.monotonic() > stop:
            break
    return attempts, len(errors), errors


def _finish(row: Row, t: Township, v: Village) -> Row:
    st = end_state(v.db_path, t)
    row.lost += st.lost + (st.waiting if st.waiting else 0)
    row.duplicated += st.duplicated
    row.server_5xx += t.server_errors()
    if not st.clean:
        row.ok = False
    row.notes = (row.notes + "; " if row.notes else "") + st.note()
    return row


# --- 1. weak link ---------------------------------------------------------------------------

def weak_link(base: Path, errands: int = 500, use_netns: bool = True) -> Row:
    row = Row("1 weak link: 64 kbit/s, 5% loss, +300 ms each way")
    ok_ns, why = netns.available() if use_netns else (False, "not asked")
    if ok_ns and os.environ.get("DATABASE_URL"):
        # The township would run inside its namespace, where the host's PostgreSQL is out of reach.
        ok_ns, why = False, "township on PostgreSQL, which the township namespace cannot reach"
    if ok_ns:
        netns.sweep()
        return _weak_link_netns(base, errands, row)
    return _weak_link_loopback(base, errands, row, why)


def _weak_link_netns(base: Path, errands: int, row: Row) -> Row:
    with netns.WeakLink() as link:
        t, v, code = _fresh(base, "weak", errands, host=netns.TOWNSHIP_IP, prefix=link.exec_prefix(link.township))
        t.start()
        vpre = link.exec_prefix(link.village)
        proxy = subprocess.Popen([*vpre, sys.executable, "-m", "bench.faultlib.proxy", "--listen", "127.0.0.1:18080",
                                  "--target", f"{netns.TOWNSHIP_IP}:{t.port}", "--delay", "0.3"],
                                 cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            proxy.stdout.readline()  # "listening ..."
            url = "http://127.0.0.1:18080"
            out = subprocess.run([*vpre, str(BIN / "villageagent"), "enroll", url, code], env=v.env,
                                 capture_output=True, text=True, timeout=180)
            if out.returncode:
                raise RuntimeError("enroll over the weak link failed: " + out.stderr[-300:])
            started = time.monotonic()
            runs, fails = 0, []
            while time.monotonic() - started < 600 and runs < 20:
                runs += 1
                rc, result, err = v.sync_cli(prefix=vpre)
                if rc == 0:
                    break
                fails.append(err.splitlines()[-1][:60] if err else f"rc={rc}")
            seconds = time.monotonic() - started
        finally:
            proxy.stdin.close()
            counters = json.loads(proxy.stdout.read().strip().splitlines()[-1] or "{}")
            proxy.wait(timeout=10)
            t.stop()
        row.tried = errands
        up, down = counters.get("bytes_up", 0), counters.get("bytes_down", 0)
        bound = (up + down) / RATE
        row.notes = (f"netns+veth, tc tbf 64kbit, nft numgen 5% drop, proxy +300 ms: {seconds:.1f} s for "
                     f"{(up + down) / 1024:.0f} KiB (bound {bound:.1f} s, {seconds / max(bound, 0.01):.1f}x) "
                     f"in {runs} sync run(s)")
        row.extra = {"seconds": seconds, "bytes_up": up, "bytes_down": down, "bound": bound, "runs": runs,
                     "fails": fails}
        return _finish(row, t, v)


def _weak_link_loopback(base: Path, errands: int, row: Row, why: str) -> Row:
    t, v, code = _fresh(base, "weak", errands)
    t.start()
    try:
        with Proxy(("127.0.0.1", t.port), Shaping(rate=RATE, delay=0.3, loss=0.05, rto=0.6, seed=7)) as p:
            v.enroll(f"http://127.0.0.1:{p.address[1]}", code)
            p.reset_counters()
            started = time.monotonic()
            runs, fails, errs = _sync_in_process(v, deadline=600)
            seconds = time.monotonic() - started
            up, down = p.bytes_up, p.bytes_down
    finally:
        t.stop()
    bound = (up + down) / RATE
    row.tried = errands
    row.notes = (f"no namespaces ({why}): loopback, proxy shapes 64 kbit/s, 5% loss stalls, +300 ms: "
                 f"{seconds:.1f} s for {(up + down) / 1024:.0f} KiB (bound {bound:.1f} s) in {runs} sync run(s)")
    row.extra = {"seconds": seconds, "bytes_up": up, "bytes_down": down, "bound": bound, "runs": runs}
    return _finish(row, t, v)


# --- 2. cuts --------------------------------------------------------------------------------

def clean_bytes(base: Path, errands: int) -> int:
    """Wire bytes of one clean sync of a village with ``errands`` errands (the 1.3x yardstick)."""
    t, v, code = _fresh(base, "clean", errands, seed=11)
    t.start()
    try:
        with Proxy(("127.0.0.1", t.port)) as p:
            v.enroll(f"http://127.0.0.1:{p.address[1]}", code)
            p.reset_counters()
            _sync_in_process(v)
            return p.total
    finally:
        t.stop()


def cuts_every(base: Path, k: int, errands: int, clean: int) -> Row:
    row = Row(f"2 cut every {k // 1024} KiB")
    t, v, code = _fresh(base, f"cut{k}", errands, seed=21)
    t.start()
    try:
        with Proxy(("127.0.0.1", t.port), Shaping(cut_every=k)) as p:
            v.enroll(f"http://127.0.0.1:{t.port}", code)  # enroll direct, then sync through the cutter
            _repoint(v, f"http://127.0.0.1:{p.address[1]}")
            runs, fails, errs = _sync_in_process(v, attempts=40)
            total, cuts = p.total, p.cuts
    finally:
        t.stop()
    row.tried = errands
    ratio = total / max(clean, 1)
    row.notes = f"{cuts} cuts, {runs} sync run(s); {total / 1024:.0f} KiB = {ratio:.2f}x a clean sync"
    row.extra = {"bytes": total, "clean": clean, "ratio": ratio, "cuts": cuts}
    row = _finish(row, t, v)
    if ratio > 1.3:
        # Was an open finding (requests sized in events overshot the cut); fixed by sizing in
        # bytes, so a miss now fails the run (tests/township/test_faults_cuts.py guards it too).
        row.notes += "; bytes target <=1.3x missed"
        row.ok = False
    return row


def cuts_random(base: Path, points: int, seed: int = 5) -> Row:
    """``points`` syncs, each cut once at a random byte of its transfer, then resumed."""
    row = Row(f"2 cut at {points} random points")
    rng = random.Random(seed)
    t, v, code = _fresh(base, "cutrand", 0, seed=31)
    t.start()
    per_round = 10
    try:
        v.enroll(f"http://127.0.0.1:{t.port}", code)
        # The size of one round's sync, measured once without a cut (after the residents went up).
        v.add_errands(per_round, seed=1000)
        _sync_in_process(v)
        v.add_errands(per_round, seed=1001)
        with Proxy(("127.0.0.1", t.port)) as p:
            _repoint(v, f"http://127.0.0.1:{p.address[1]}")
            _sync_in_process(v)
            size = max(p.total, 200)
        cut_hit = 0
        for i in range(points):
            v.add_errands(per_round, seed=2000 + i)
            with Proxy(("127.0.0.1", t.port), Shaping(cut_at=[rng.randrange(1, size)])) as p:
                _repoint(v, f"http://127.0.0.1:{p.address[1]}")
                _sync_in_process(v, attempts=10)
                cut_hit += p.cuts
        row.tried = points * per_round + 2 * per_round
        row.notes = f"{points} syncs of {per_round} errands, {cut_hit} cut mid-transfer, each resumed"
    finally:
        t.stop()
    return _finish(row, t, v)


def _repoint(v: Village, url: str) -> None:
    """Send this village's sync through another address (the proxy) without enrolling again."""
    from villageagent.storage import sync_state as state

    db = v.open()
    try:
        conn = state.connection(db)
        conn.url = url
        with db.atomic():
            state.save_connection(db, conn)
    finally:
        db.close()


# --- 3. server killed -------------------------------------------------------------------------

def server_kill(base: Path, rounds: int, seed: int = 9) -> Row:
    """``rounds`` syncs, each with the township SIGKILLed at a random moment and restarted."""
    row = Row(f"3 server SIGKILL during {rounds} syncs")
    rng = random.Random(seed)
    t, v, code = _fresh(base, "srvkill", 0, seed=41)
    t.start()
    killed_mid = 0
    try:
        v.enroll(f"http://127.0.0.1:{t.port}", code)
        # A slowed link (200 KB/s) so a kill can land inside a request, not only between them.
        with Proxy(("127.0.0.1", t.port), Shaping(rate=200_000, delay=0.01)) as p:
            _repoint(v, f"http://127.0.0.1:{p.address[1]}")
            for i in range(rounds):
                v.add_errands(rng.choice((5, 20, 60)), seed=3000 + i)
                done = threading.Event()

                def run(done: threading.Event = done) -> None:
                    _sync_in_process(v, attempts=1)
                    done.set()

                th = threading.Thread(target=run, daemon=True)
                th.start()
                time.sleep(rng.uniform(0.0, 0.35))
                if not done.is_set():
                    killed_mid += 1
                t.kill()
                th.join(timeout=60)
                t.start()
                runs, fails, errs = _sync_in_process(v, attempts=10)
        row.tried = rounds
        row.notes = f"{rounds} kills ({killed_mid} while a sync was running), restarted each time"
        row.extra["half_applied"] = _half_applied(t)
        if row.extra["half_applied"]:
            row.ok = False
            row.notes += f"; {row.extra['half_applied']} half-applied batches"
    finally:
        t.stop()
    return _finish(row, t, v)


def _half_applied(t: Township) -> int:
    """Batches whose recorded count differs from the events stored under them."""
    rows = t.query("select b.id, b.accepted, (select count(*) from township_event e where e.batch_id = b.id) "
                   "from township_batch b")
    return sum(1 for _, accepted, stored in rows if accepted != stored)
