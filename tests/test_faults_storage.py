"""Regression tests for what the fault campaign (issue 6, bench/faults.py) found in storage.

- Case 6 (corrupted database at start): restoring the latest backup over a damaged database
  crashed, because the safety copy of the damaged file went through SQLite.
- Case 10 (upgrade): migrations were committed one by one, so one failing half-way left a
  half-upgraded database and a raw traceback.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from villageagent.domain.errors import VillageError
from villageagent.storage import db as storage_db
from villageagent.storage.schema import MIGRATIONS


def _village(path):
    from villageagent.services.village import setup_village

    d = storage_db.open_db(path)
    setup_village(d, code="LTA01", name="枫林村", device_id="dev0test0001", device_code="K7Q")
    return d


def _applied(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("select name from _sqlite_migrations order by name")]
    finally:
        conn.close()


# Issue 6, case 6: the cadre is offered "restore the latest backup" exactly when the file is damaged.
@pytest.mark.parametrize("damage", ["header", "truncated"])
def test_restore_latest_backup_over_a_damaged_database(tmp_path, damage):
    path, backups = tmp_path / "village.db", tmp_path / "backups"
    d = _village(path)
    good = storage_db.backup_now(d, backups, reason="daily")
    d.close()
    with open(path, "r+b") as fh:
        if damage == "header":
            fh.write(b"NOT A DATABASE!!")
        else:
            fh.truncate(path.stat().st_size // 2)
    with pytest.raises(VillageError) as err:
        storage_db.open_db(path, backups=backups)
    assert err.value.kind == "database_corrupt"

    kept = storage_db.restore(path, good, backups)

    assert kept.name.startswith("damaged-")  # the damaged bytes are kept for a post-mortem ...
    assert kept not in storage_db.list_backups(backups)  # ... but never offered as a backup
    d = storage_db.open_db(path, backups=backups)
    assert d.execute("select value from settings where key = 'village_code'").fetchone()[0] == '"LTA01"'
    d.close()


# Issue 6, case 6: a WAL left by the replaced database must not be replayed over the restored one.
def test_restore_discards_the_replaced_databases_wal(tmp_path):
    path, backups = tmp_path / "village.db", tmp_path / "backups"
    d = _village(path)
    good = storage_db.backup_now(d, backups)
    d.execute("create table scribble (x int)")
    d.conn.commit()
    assert (tmp_path / "village.db-wal").exists()
    d.conn.close()  # a crash: the WAL stays beside the file

    storage_db.restore(path, good, backups)

    d = storage_db.open_db(path)
    assert not d["scribble"].exists()
    assert d.execute("pragma integrity_check").fetchone()[0] == "ok"
    d.close()


# Issue 6, case 10: migrations apply all together or not at all.
def test_a_migration_failing_half_way_leaves_the_previous_version(tmp_path, monkeypatch):
    path = tmp_path / "village.db"
    old = Database(str(path))
    MIGRATIONS.apply(old, stop_before=MIGRATIONS._migrations[1].name)  # the previous release: m001 only
    old.close()
    before = _applied(path)
    broken = Migrations(MIGRATIONS.name)
    broken._migrations.extend(MIGRATIONS._migrations)

    @broken()
    def m999_breaks(db):
        db.execute("alter table residents add column half text")
        raise RuntimeError("boom")

    monkeypatch.setattr(storage_db, "MIGRATIONS", broken)
    monkeypatch.setattr(storage_db, "known_migration_names", lambda: [m.name for m in broken._migrations])

    with pytest.raises(VillageError) as err:
        storage_db.open_db(path, backups=tmp_path / "backups")

    assert err.value.kind == "upgrade_failed" and "boom" in err.value.message()
    assert _applied(path) == before  # the migrations that did work were rolled back too
    conn = sqlite3.connect(path)
    assert "half" not in [r[1] for r in conn.execute("pragma table_info(residents)")]
    assert conn.execute("select count(*) from sqlite_master where name = 'sync_outbox'").fetchone()[0] == 0
    conn.close()
