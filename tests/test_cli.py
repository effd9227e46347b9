"""The headless ``villageagent`` command: real subprocesses, as a cadre or a script would run it."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest


def run(home, *args, lang="zh"):
    env = {**os.environ, "VILLAGEAGENT_HOME": str(home), "VILLAGEAGENT_LANG": lang}
    return subprocess.run([sys.executable, "-m", "villageagent", *args], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    out = run(home, "demo", "--errands", "200", "--seed", "7")
    assert out.returncode == 0, out.stderr
    assert "枫林村" in out.stdout
    return home


def test_demo_is_deterministic(tmp_path, demo_home):
    other = tmp_path / "again"
    other.mkdir()
    assert run(other, "demo", "--errands", "200", "--seed", "7").returncode == 0

    def dump(home):
        conn = sqlite3.connect(home / "village.db")
        rows = conn.execute("select number, kind, item_code, status, promised_date from errands order by number").fetchall()
        conn.close()
        return rows

    assert dump(other) == dump(demo_home)
    from sync.workflow import WORKFLOWS

    seen = {(r[1], r[3]) for r in dump(demo_home)}
    every = {(kind, state) for kind, wf in WORKFLOWS.items() for state in wf.states}
    assert every <= seen


def test_demo_refuses_a_folder_with_data(demo_home):
    def counts():
        conn = sqlite3.connect(demo_home / "village.db")
        found = conn.execute("select (select count(*) from events), (select max(hlc) from events)").fetchone()
        conn.close()
        return found

    before = counts()
    out = run(demo_home, "demo")
    assert out.returncode == 2 and "已经有数据" in out.stderr and "Traceback" not in out.stderr
    assert counts() == before


def test_search_by_initials_masks_ids(demo_home):
    out = run(demo_home, "search", "zgy")
    assert out.returncode == 0
    assert "张桂英" in out.stdout and "430223********" in out.stdout
    data = json.loads(run(demo_home, "search", "zgy", "--json").stdout)
    assert data["residents"][0]["name"] == "张桂英"
    assert all("*" in r["id"] for r in data["residents"])


def test_summary_text_and_json(demo_home):
    out = run(demo_home, "summary")
    assert out.returncode == 0 and "月度汇总表" in out.stdout and "证照代办" in out.stdout
    data = json.loads(run(demo_home, "summary", "--json").stdout)
    assert data["received"] == sum(k["received"] for k in data["kinds"].values())


@pytest.mark.parametrize("args,needle", [
    (("summary", "--month", "2026/03"), "月份"),
    (("summary", "--month", "2026-13"), "月份"),
    (("restore", "/nonexistent/file.db"), "找不到文件"),
])
def test_user_mistakes_get_one_plain_line(demo_home, args, needle):
    out = run(demo_home, *args)
    assert out.returncode != 0
    assert needle in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_english_when_switched(demo_home):
    out = run(demo_home, "summary", "--month", "bad", lang="en")
    assert out.returncode == 2 and "year-month" in out.stderr


def test_backup_and_restore_round_trip(tmp_path, demo_home):
    out = run(demo_home, "backup")
    assert out.returncode == 0 and "已备份" in out.stdout
    backup = out.stdout.strip().split()[-1]
    junk = tmp_path / "not.db"
    junk.write_text("hello")
    before = (demo_home / "village.db").read_bytes()
    bad = run(demo_home, "restore", str(junk))
    assert bad.returncode == 2 and "不是村代办的数据备份" in bad.stderr
    assert (demo_home / "village.db").read_bytes() == before
    good = run(demo_home, "restore", backup)
    assert good.returncode == 0 and "已恢复" in good.stdout
    latest = run(demo_home, "restore")  # no file: the newest usable backup
    assert latest.returncode == 0 and "已恢复" in latest.stdout
    assert run(demo_home, "search", "zgy").returncode == 0


def test_newer_database_refused(tmp_path):
    home = tmp_path / "h"
    home.mkdir()
    assert run(home, "backup").returncode == 0
    conn = sqlite3.connect(home / "village.db")
    conn.execute("insert into _sqlite_migrations (migration_set, name, applied_at) values ('villageagent', 'm999', 'x')")
    conn.commit()
    conn.close()
    out = run(home, "search", "x")
    assert out.returncode == 2 and "更新版本" in out.stderr and "Traceback" not in out.stderr


def test_corrupt_database_reported(tmp_path):
    home = tmp_path / "h"
    home.mkdir()
    (home / "village.db").write_bytes(b"garbage" * 1000)
    out = run(home, "summary")
    assert out.returncode == 2 and "损坏" in out.stderr and "Traceback" not in out.stderr


def test_village_only_demo_has_no_township_answers(tmp_path):
    """A demo meant to sync with a real township center carries only the village's own steps."""
    home = tmp_path / "v"
    home.mkdir()
    out = run(home, "demo", "--errands", "80", "--village-only")
    assert out.returncode == 0, out.stderr
    conn = sqlite3.connect(home / "village.db")
    origins = {r[0] for r in conn.execute("select distinct origin from events")}
    statuses = {r[0] for r in conn.execute("select distinct status from errands where kind = 'certificate'")}
    unpushed = conn.execute("select count(*) from events where local = 0").fetchone()[0]
    conn.close()
    assert not any(o.startswith("township") for o in origins)
    assert statuses <= {"received", "submitted", "cancelled"} and "submitted" in statuses
    assert unpushed == 0
