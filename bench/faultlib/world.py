"""The two sides the campaign fights over: a township center process and village data folders,
and the end-state check that every case ends with.

- ``Township`` runs the real ``township-center serve`` (waitress) as a child process, in a
  network namespace when given one; ``kill()`` is SIGKILL (no chance to tidy up).
- ``Village`` is a data folder made through the real services (residents and errands saved
  one by one, as a cadre would); syncing goes through the real client.
- ``end_state`` reads both databases (read-only) and counts what was lost or doubled.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VILLAGE_CODE = "LTA01"
SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "桂英建国春燕志明秀兰海军丽华德胜玉梅国强红霞"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("VILLAGEAGENT_LANG", "zh")
    return env


class Township:
    """One township center: its data folder, and its server process when running."""

    def __init__(self, home: Path, *, host: str = "127.0.0.1", port: int | None = None,
                 prefix: list[str] | None = None):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = port or free_port()
        self.prefix = prefix or []
        self.proc: subprocess.Popen | None = None
        self.log = self.home / "serve.log"
        self.env = _env(TOWNSHIP_HOME=str(self.home), TOWNSHIP_LOG_LEVEL="INFO")
        self.tls: tuple[Path, Path] | None = None  # (cert, key): serve HTTPS (cheroot) instead of waitress
        # PostgreSQL when DATABASE_URL is set (scripts/with_postgres.sh): a database of its own for
        # each township, so the cases never see each other's villages.
        self.db_url = _fresh_pg_database(os.environ["DATABASE_URL"]) if os.environ.get("DATABASE_URL") else ""
        if self.db_url:
            self.env["DATABASE_URL"] = self.db_url
        else:
            self.env.pop("DATABASE_URL", None)

    def query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """Read the township's database (``?`` placeholders; ids come back as text)."""
        if self.db_url:
            import uuid

            import psycopg

            with psycopg.connect(self.db_url) as conn:
                rows = conn.execute(sql.replace("?", "%s"), tuple(params)).fetchall()
            return [tuple(str(x) if isinstance(x, uuid.UUID) else x for x in r) for r in rows]
        conn = _ro(self.db_path)
        try:
            return conn.execute(sql, tuple(params)).fetchall()
        finally:
            conn.close()

    def integrity_ok(self) -> bool:
        if self.db_url:
            return self.query("select 1") == [(1,)]  # PostgreSQL keeps its own; the server answers
        return integrity(self.db_path)

    @property
    def backend(self) -> str:
        return "postgresql" if self.db_url else "sqlite"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def make_certificate(self) -> None:
        """A self-signed certificate, as docs/sync-protocol.md tells a township to make one."""
        cert, key = self.home / "township-cert.pem", self.home / "township-key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-keyout", str(key),
                        "-out", str(cert), "-subj", "/CN=township"], capture_output=True, check=True, timeout=60)
        self.tls = (cert, key)

    @property
    def db_path(self) -> Path:
        return self.home / "township.sqlite3"

    def command(self, *args: str, timeout: float = 120) -> str:
        out = subprocess.run([str(BIN / "township-center"), *args], env=self.env, capture_output=True, text=True,
                             timeout=timeout)
        if out.returncode != 0:
            raise RuntimeError(f"township-center {args[0]} failed: {out.stderr.strip()[-400:]}")
        return out.stdout

    def caught_up(self) -> None:
        """Project what is still pending, as a console page or ``stats`` does before it reads
        (the server projects pushes in the background, after they pause): the errand tables
        then show what staff would see."""
        if self.db_url or self.db_path.exists():
            try:
                self.command("stats")
            except (RuntimeError, OSError, subprocess.TimeoutExpired):
                pass  # the counts below come from the events all the same

    def init(self) -> None:
        self.command("init", "--admin-user", "admin", "--admin-password", "campaign-pw-1")

    def enroll_code(self, village: str = VILLAGE_CODE) -> str:
        return self.command("enroll", village, "--name", "枫林村").strip().splitlines()[-1].strip()

    def start(self, wait: float = 30.0) -> None:
        log = open(self.log, "ab")
        tls = ["--cert", str(self.tls[0]), "--key", str(self.tls[1])] if self.tls else []
        self.proc = subprocess.Popen([*self.prefix, str(BIN / "township-center"), "serve", "--host", self.host,
                                      "--port", str(self.port), "--threads", "4", *tls], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"township server exited: {self.log.read_text(errors='replace')[-400:]}")
            if self.prefix:
                # Inside a namespace we cannot reach it from here: wait for its socket to listen.
                if self._listening_in_ns():
                    return
            else:
                try:
                    if requests.get(self.url + "/api/v1/ping", timeout=1, verify=False).status_code == 200:
                        return
                except requests.RequestException:
                    pass
            time.sleep(0.1)
        raise RuntimeError("township server did not start in time")

    def _listening_in_ns(self) -> bool:
        out = subprocess.run([*self.prefix, "ss", "-ltn"], capture_output=True, text=True).stdout \
            if _has("ss") else ""
        if out:
            return f":{self.port} " in out
        probe = ("import socket,sys\ns=socket.socket();s.settimeout(1)\n"
                 f"sys.exit(s.connect_ex(('{self.host}',{self.port})))")
        return subprocess.run([*self.prefix, sys.executable, "-c", probe]).returncode == 0

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to finish anything."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def server_errors(self) -> int:
        """5xx answers in the server's log (waitress and the API's last-resort handler)."""
        if not self.log.exists():
            return 0
        text = self.log.read_text(errors="replace")
        return text.count("unexpected error in") + text.count("Internal Server Error")


_PG_COUNT = [0]


def _fresh_pg_database(base_url: str) -> str:
    from urllib.parse import urlparse, urlunparse

    import psycopg

    _PG_COUNT[0] += 1
    name = f"faults_{os.getpid()}_{_PG_COUNT[0]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name}")
        conn.execute(f"create database {name}")
    parsed = urlparse(base_url)
    return urlunparse(parsed._replace(path="/" + name))


def _has(tool: str) -> bool:
    import shutil

    return shutil.which(tool) is not None


class Village:
    """A village data folder made through the real services."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.env = _env(VILLAGEAGENT_HOME=str(self.home))

    @property
    def db_path(self) -> Path:
        return self.home / "village.db"

    def open(self):
        from villageagent.storage.db import open_db

        return open_db(self.db_path, backups=self.home / "backups")

    def create(self, residents: int = 40, seed: int = 1) -> list[str]:
        """Set up village LTA01 and register residents; returns their ids."""
        from villageagent.domain.identity import make_id_number
        from villageagent.services.residents import register_resident
        from villageagent.services.village import setup_village

        rng = random.Random(seed)
        db = self.open()
        try:
            setup_village(db, code=VILLAGE_CODE, name="枫林村", township="莲塘坳镇", cadre_name="李春燕",
                          contact_phone="13907331234", groups=[f"第{i}组" for i in range(1, 9)])
            ids = []
            for i in range(residents):
                born = dt.date(1940 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28))
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                r, _ = register_resident(db, name=name, id_number=make_id_number("430223", born, seed * 1000 + i),
                                         phone="139" + f"{rng.randrange(10**8):08d}", group=f"第{1 + i % 8}组")
                ids.append(r["id"])
            return ids
        finally:
            db.close()

    def add_errands(self, n: int, seed: int = 2, db=None) -> list[str]:
        """Register ``n`` errands (certificates submitted, farm-supply orders), one save each."""
        from villageagent.services.errands import register_errand
        from villageagent.storage import queries

        own = db is None
        db = db or self.open()
        try:
            rng = random.Random(seed)
            residents = [r[0] for r in db.execute("select id from residents").fetchall()]
            items = [(r["code"], r["kind"]) for r in queries.catalog_items(db)] if hasattr(queries, "catalog_items") \
                else [(r[0], r[1]) for r in db.execute("select code, kind from catalog_items").fetchall()]
            items = [(c, k) for c, k in items if k in ("certificate", "farm_supply")]
            out = []
            for _ in range(n):
                code, kind = rng.choice(items)
                errand, _ = register_errand(db, resident_id=rng.choice(residents), item_code=code,
                                            quantity=rng.choice((1, 2, 5, 10)) if kind == "farm_supply" else None,
                                            note=rng.choice(("", "", "材料齐全", "下午来取")), submit=kind == "certificate")
                out.append(errand["id"])
            return out
        finally:
            if own:
                db.close()

    def enroll(self, url: str, code: str) -> None:
        from villageagent.services.sync import enroll

        db = self.open()
        try:
            enroll(db, url, code)
        finally:
            db.close()

    def sync_cli(self, prefix: list[str] | None = None, timeout: float = 600) -> tuple[int, dict[str, Any] | None, str]:
        """``villageagent sync --json`` as a cadre's scheduled task runs it."""
        out = subprocess.run([*(prefix or []), str(BIN / "villageagent"), "sync", "--json"], env=self.env,
                             capture_output=True, text=True, timeout=timeout)
        result = None
        for line in out.stdout.splitlines()[::-1]:
            if line.startswith("{"):
                result = json.loads(line)
                break
        return out.returncode, result, out.stderr.strip()[-300:]


# --- the end state --------------------------------------------------------------------------

@dataclass
class EndState:
    """What a case ends with, counted from both databases."""

    saved_errands: int = 0  # errands the village saved itself
    township_errands: int = 0
    lost: int = 0  # village events (its own) not on the township
    duplicated: int = 0  # an errand or event on the township more than once
    waiting: int = 0  # village events still not acknowledged
    quarantined: int = 0
    agree: bool = False  # both sides hold the same event ids (the consistency digest)
    village_ok: bool = False  # PRAGMA integrity_check
    township_ok: bool = False

    @property
    def clean(self) -> bool:
        return (self.lost == 0 and self.duplicated == 0 and self.agree and self.village_ok
                and self.township_ok and self.waiting == 0)

    def note(self) -> str:
        bits = [f"{self.township_errands}/{self.saved_errands} errands on the township"]
        if not self.agree:
            bits.append("digests DIFFER")
        if self.waiting:
            bits.append(f"{self.waiting} events still waiting")
        if self.quarantined:
            bits.append(f"{self.quarantined} quarantined")
        if not self.village_ok or not self.township_ok:
            bits.append("INTEGRITY CHECK FAILED")
        return ", ".join(bits)


def _ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def integrity(path: Path) -> bool:
    conn = _ro(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def end_state(village_db: Path, township: "Township | Path", village_code: str = VILLAGE_CODE) -> EndState:
    """Count from both databases (``township`` a Township, or the path of a township's SQLite file)."""
    if not isinstance(township, Township):
        path = Path(township)
        township = Township.__new__(Township)
        township.db_url, township.home = "", path.parent
    st = EndState()
    st.village_ok = integrity(village_db)
    st.township_ok = township.integrity_ok()
    v = _ro(village_db)
    try:
        own = {r[0] for r in v.execute("select id from events where local = 1")}
        every = {r[0] for r in v.execute("select id from events")}
        st.saved_errands = v.execute("select count(distinct entity_id) from events where local = 1 and "
                                     "entity = 'errand' and op = 'create'").fetchone()[0]
        st.waiting = v.execute("select count(*) from sync_waiting").fetchone()[0]
        tables = {r[0] for r in v.execute("select name from sqlite_master where type='table'")}
        st.quarantined = (v.execute("select count(*) from sync_quarantine").fetchone()[0]
                          if "sync_quarantine" in tables else 0)
    finally:
        v.close()
    township.caught_up()
    q = township.query
    found = q("select id from township_village where code = ?", [village_code])
    vid = found[0] if found else None
    if True:
        rows = q("select event_id, entity, op, entity_id from township_event where village_id = ?",
                 [vid[0] if vid else -1])
        theirs = [str(r[0]).replace("-", "") for r in rows]
        norm = {i.replace("-", "") for i in every}
        own_n = {i.replace("-", "") for i in own}
        st.lost = len(own_n - set(theirs))
        dup_events = len(theirs) - len(set(theirs))
        creates: dict[str, int] = {}
        for r in rows:
            if r[1] == "errand" and r[2] == "create":
                creates[r[3]] = creates.get(r[3], 0) + 1
        dup_errands = sum(c - 1 for c in creates.values() if c > 1)
        # The same errand number twice (a save repeated under a new id) is a duplicate too.
        numbers = q("select number, count(*) from township_errand where village_id = ? and number != '' "
                    "group by number having count(*) > 1", [vid[0] if vid else -1])
        st.duplicated = dup_events + dup_errands + sum(n - 1 for _, n in numbers)
        st.township_errands = q("select count(*) from township_errand where village_id = ?",
                                [vid[0] if vid else -1])[0][0]
        st.agree = norm == set(theirs)
    return st
