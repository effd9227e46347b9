"""Push N generator records from a village store to a township center on loopback.

Usage:
    python bench/sync_throughput.py --n 10000 [--json] [--runs 1]

- Records come from the shared generator (``../shared/bench/peer/gen_errands.py``, the same
  records the PouchDB peer pushes); each becomes a resident create and an errand create event.
- The township runs as a real ``township-center serve`` (waitress, SQLite) in its own process,
  one for all runs (each run a new village and laptop, as one pouchdb-server serves all of the
  peer's runs), or one per run with ``--fresh-server``; the village client talks to it through a
  small byte-counting TCP proxy (both directions), the peer's own with ``--link peer-proxy``, or
  straight with ``--link direct`` (timing only).
- Times only the sync (like the peer times only its replication). Prints a table; with
  ``--json`` the last line is one JSON object: records, seconds, requests, bytes_sent,
  bytes_received (plus a few more keys).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GEN = ROOT.parent / "shared" / "bench" / "peer" / "gen_errands.py"
INITIAL = {"certificate": "received", "subsidy": "listed", "farm_supply": "ordered"}


class CountingProxy:
    """A TCP proxy on loopback that counts the bytes each way."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.sent = 0  # client -> server
        self.received = 0  # server -> client
        self.connections = 0
        self._lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            # Pass each chunk on at once, as the two ends send it (they both disable Nagle);
            # otherwise a request's body waits behind its headers for a delayed ACK (~40 ms).
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for a, b, up in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(target=self._pump, args=(a, b, up), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, up: bool) -> None:
        try:
            while data := src.recv(262144):
                with self._lock:
                    if up:
                        self.sent += len(data)
                    else:
                        self.received += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def reset(self) -> None:
        with self._lock:
            self.sent = self.received = self.connections = 0

    def close(self) -> None:
        self.sock.close()


class ProxyProcess:
    """The counting proxy in a process of its own, as the peer's is (``count_proxy.js``): its
    threads then take no time from the laptop's process, whose sync is what is timed."""

    def __init__(self, target_port: int):
        self.proc = subprocess.Popen([sys.executable, __file__, "--proxy", str(target_port)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in, self._out = self.proc.stdin, self.proc.stdout
        self.port = int(self._out.readline())

    def _ask(self, command: str) -> dict:
        self._in.write(command + "\n")
        self._in.flush()
        return json.loads(self._out.readline())

    def counts(self) -> dict:
        return self._ask("counts")

    def reset(self) -> None:
        self._ask("reset")

    def close(self) -> None:
        try:
            self._in.close()
        finally:
            self.proc.wait(timeout=10)


class PeerProxy:
    """The peer's own counting proxy (``../shared/bench/peer/count_proxy.js``, run by node), for
    measuring both sides through the same one (``--peer-proxy``)."""

    SCRIPT = ROOT.parent / "shared" / "bench" / "peer" / "count_proxy.js"

    def __init__(self, target_port: int):
        self.port, self.control = _free_port(), _free_port()
        self.proc = subprocess.Popen(["node", str(self.SCRIPT), str(self.port), str(target_port), str(self.control)],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.proc.stdout.readline()  # it says so once it listens

    def _ask(self, path: str) -> dict:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.control}{path}", timeout=10) as r:
            d = json.loads(r.read())
        return {"sent": d["bytes_sent"], "received": d["bytes_received"], "connections": d["connections"]}

    def counts(self) -> dict:
        return self._ask("/stats")

    def reset(self) -> None:
        self._ask("/reset?drop=0")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _serve_proxy(target_port: int) -> int:
    """``--proxy PORT``: a counting proxy to PORT; prints its own port, then answers ``counts``
    and ``reset`` read from standard input (one JSON line each); ends when the input does."""
    proxy = CountingProxy(target_port)
    print(proxy.port, flush=True)
    for line in sys.stdin:
        if line.strip() == "reset":
            proxy.reset()
        print(json.dumps({"sent": proxy.sent, "received": proxy.received, "connections": proxy.connections}),
              flush=True)
    proxy.close()
    return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _records(n: int, seed: int) -> list[dict]:
    spec = importlib.util.spec_from_file_location("gen_errands", GEN)
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return list(mod.generate(n, seed))


def load_village(db, records: list[dict], generator_ids: bool = False) -> int:
    """Each record becomes a resident create + an errand create of this laptop, as if typed in.

    - Typed in, a resident and an errand get their ids from the app (``sync.events.new_id``,
      UUID version 7, in the order they are made); the record's content is the generator's.
    - ``generator_ids``: the errand keeps the generator's id (a random UUID, as the peer's
      document id) and the resident one derived from it — what this bench did before; no laptop
      makes such ids, and the township's entity index pays for their randomness.
    """
    from sync.events import Event, new_event_id, new_id
    from sync.hlc import HybridClock
    from villageagent.services.base import transaction
    from villageagent.storage import settings as settings_store
    from villageagent.storage.events import apply_events

    s = settings_store.load(db)
    clock = HybridClock(s.device_id)
    items: dict[str, str] = {}
    events = []
    for i, r in enumerate(records, start=1):
        res = r["resident"]
        if generator_ids:
            rid, errand_id = str(uuid.UUID(int=uuid.UUID(r["id"]).int ^ 1)), r["id"]
        else:
            rid, errand_id = new_id(), new_id()
        code = items.setdefault(r["item"], f"G{len(items) + 1:03d}")
        events.append(Event(new_event_id(), clock.now(), s.village_code, s.device_id, "resident", rid, "create",
                            {"name": res["name"], "id_number": res["id_number"], "phone": res["phone"],
                             "group": res["group"], "address": ""}, s.cadre_name))
        events.append(Event(new_event_id(), clock.now(), s.village_code, s.device_id, "errand", errand_id, "create", {
            "number": f"{s.village_code}-{s.device_code}-{i:06d}", "kind": r["kind"], "item_code": code,
            "item_name": r["item"], "resident_id": rid, "quantity": r["quantity"], "unit": "",
            "amount_fen": r["amount_cents"], "materials": [], "note": r["note"], "tier": "township",
            "promised_date": r["promised_by"], "created_date": r["created_at"][:10], "round": "",
            "status": INITIAL[r["kind"]]}, s.cadre_name))
    with transaction(db):
        apply_events(db, events, local=True)
        settings_store.set_raw(db, "last_hlc", events[-1].hlc)
    return len(events)


class Township:
    """A real ``township-center serve`` (waitress, SQLite) in its own process, with its own data
    folder; ``enroll`` makes a new village and returns its one-time code."""

    def __init__(self, workdir: Path):
        self.home = workdir / "township"
        self.env = {**os.environ, "TOWNSHIP_HOME": str(self.home)}
        self.env.pop("DATABASE_URL", None)
        self.cli = [sys.executable, "-m", "sync.township.cli"]
        subprocess.run(self.cli + ["init", "--admin-user", "bench", "--admin-password", "bench-pass"], env=self.env,
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        self.port = _free_port()
        wrapper = os.environ.get("BENCH_SERVER_WRAPPER")
        serve = [sys.executable, wrapper] if wrapper else self.cli
        self.log = open(workdir / "township-serve.log", "wb")  # noqa: SIM115 - closed in ``close``
        self.server = subprocess.Popen(serve + ["serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                       env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        from sync.client import TownshipClient

        for _ in range(100):
            if TownshipClient(self.base).ping():
                break
            time.sleep(0.1)

    def enroll(self, village: str) -> str:
        return subprocess.run(self.cli + ["enroll", village], env=self.env, check=True, cwd=ROOT,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]

    def settle(self, village: str, timeout: float = 300.0) -> None:
        """Wait until the server's background projection (console tables) has caught up with the
        village's events, so that it does not run beside the next run's timed push."""
        import sqlite3

        deadline = time.monotonic() + timeout
        db = sqlite3.connect(f"file:{self.home / 'township.sqlite3'}?mode=ro", uri=True)
        try:
            while time.monotonic() < deadline:
                row = db.execute("SELECT v.projected_seq, (SELECT max(seq) FROM township_event e "
                                 "WHERE e.village_id = v.id) FROM township_village v WHERE v.code = ?",
                                 (village,)).fetchone()
                if row is None or row[1] is None or row[0] >= row[1]:
                    return
                time.sleep(0.05)
        finally:
            db.close()
        raise RuntimeError(f"the township did not finish projecting {village} in {timeout:.0f} s")

    def close(self) -> None:
        self.server.terminate()
        try:
            self.server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.server.kill()
        self.log.close()


def run(n: int, seed: int, workdir: Path, generator_ids: bool = False, township: Township | None = None,
        number: int = 1, link: str = "proxy") -> dict:
    """One timed push of N records from a new village's laptop (the ``number``-th); its own township
    unless one is given. ``link``: through our counting proxy (``proxy``), the peer's
    (``peer-proxy``), or straight to the township (``direct``: timing only, no byte counts)."""
    village = f"LTA{number:02d}"
    own = township is None
    if township is None:
        township = Township(workdir)
    os.environ["VILLAGEAGENT_HOME"] = str(workdir / "village")
    proxy = None
    try:
        from sync.client import TownshipClient
        from villageagent.services import sync as service
        from villageagent.services.village import setup_village
        from villageagent.storage.db import open_db

        code = township.enroll(village)
        db = open_db(workdir / "village.db")
        setup_village(db, code=village, name="枫林村", cadre_name="李春燕", device_id=f"dev0bench{number:04d}",
                      device_code="K7Q")
        records = _records(n, seed)
        events = load_village(db, records, generator_ids)
        service.enroll(db, township.base, code)
        if link != "direct":
            proxy = PeerProxy(township.port) if link == "peer-proxy" else ProxyProcess(township.port)
        via = f"http://127.0.0.1:{proxy.port}" if proxy else township.base

        def factory(conn):  # as the app's own (services.sync._client), through the proxy
            return TownshipClient(via, conn.token, encoding=conn.encoding)

        started = time.perf_counter()
        report = service.sync_now(db, client_factory=factory)
        seconds = time.perf_counter() - started
        # Bytes only where a proxy counted them (None: not counted).
        first = proxy.counts() if proxy else {"sent": None, "received": None}
        if proxy:
            proxy.reset()
        quiet = service.sync_now(db, client_factory=factory)
        quiet_bytes = sum(proxy.counts()[k] for k in ("sent", "received")) if proxy else None
        db.close()
        township.settle(village)
        wire = None if proxy is None else round((first["sent"] + first["received"]) / n, 1)
        return {
            "records": n, "events": events, "ids": "generator" if generator_ids else "app",
            "seconds": round(seconds, 3), "requests": report.requests,
            "bytes_sent": first["sent"], "bytes_received": first["received"],
            "rec_per_s": round(n / seconds, 1), "wire_bytes_per_record": wire,
            "check_ok": report.check_ok, "pushed_events": report.pushed,
            "quiet_sync_requests": quiet.requests, "quiet_sync_bytes": quiet_bytes,
        }
    finally:
        if proxy:
            proxy.close()
        if own:
            township.close()


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--runs", type=int, default=1, help="repeat and report the median by time")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--fresh-server", action="store_true",
                    help="start a new township server for each run (by default one serves all runs, each run "
                         "a new village, as one pouchdb-server serves all of the peer's runs)")
    ap.add_argument("--link", choices=("proxy", "peer-proxy", "direct"), default="proxy",
                    help="through our counting proxy (default), the peer's own (count_proxy.js, needs node), "
                         "or straight to the township (timing only, bytes not counted)")
    ap.add_argument("--proxy", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--generator-ids", action="store_true",
                    help="use the generator's random ids as errand ids (as this bench did before), not the app's")
    args = ap.parse_args(argv)
    if args.proxy:
        return _serve_proxy(args.proxy)
    results = []
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as shared:
        township = None if args.fresh_server else Township(Path(shared))
        try:
            for i in range(args.runs):
                with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
                    results.append(run(args.n, args.seed, Path(tmp), args.generator_ids, township, i + 1,
                                       args.link))
        finally:
            if township:
                township.close()
    results.sort(key=lambda r: r["seconds"])
    best = results[len(results) // 2]
    print(f"{'records':>8} {'events':>7} {'seconds':>8} {'rec/s':>9} {'requests':>8} {'sent B':>10} "
          f"{'recv B':>9} {'B/rec':>6} {'check':>5} {'quiet sync':>14}")
    for r in results:
        print(f"{r['records']:>8} {r['events']:>7} {r['seconds']:>8.3f} {r['rec_per_s']:>9.0f} {r['requests']:>8} "
              f"{_or_dash(r['bytes_sent']):>10} {_or_dash(r['bytes_received']):>9} "
              f"{_or_dash(r['wire_bytes_per_record']):>6} {str(r['check_ok']):>5} {r['quiet_sync_requests']:>3} req "
              f"{_or_dash(r['quiet_sync_bytes']):>5} B")
    if args.json:
        print(json.dumps(best))
    return 0


if __name__ == "__main__":
    sys.exit(main())
