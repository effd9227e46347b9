import datetime as dt
import sqlite3

import pytest

from villageagent.domain.errors import VillageError
from villageagent.domain.identity import make_id_number
from villageagent.services import residents
from villageagent.storage import db as storage_db
from villageagent.storage.schema import MIGRATIONS


def test_pragmas_make_saves_durable(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrations_applied_twice_change_nothing(tmp_path):
    path = tmp_path / "v.db"
    first = storage_db.open_db(path)
    schema = first.execute("select sql from sqlite_master order by name").fetchall()
    applied = [m.name for m in MIGRATIONS.applied(first)]
    first.close()
    again = storage_db.open_db(path)
    MIGRATIONS.apply(again)
    assert again.execute("select sql from sqlite_master order by name").fetchall() == schema
    assert [m.name for m in MIGRATIONS.applied(again)] == applied
    again.close()


def test_newer_schema_refused(tmp_path):
    path = tmp_path / "v.db"
    d = storage_db.open_db(path)
    d["_sqlite_migrations"].insert({"migration_set": "villageagent", "name": "m999_future", "applied_at": "x"})
    d.close()
    with pytest.raises(VillageError) as err:
        storage_db.open_db(path)
    assert err.value.kind == "newer_schema"


def test_not_a_database_refused(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(VillageError) as err:
        storage_db.open_db(path)
    assert err.value.kind == "database_corrupt"


def test_daily_backup_once_and_keeps_seven(tmp_path):
    backups = tmp_path / "backups"
    d = storage_db.open_db(tmp_path / "v.db", backups=backups)
    assert len(storage_db.list_backups(backups)) == 1
    d.close()
    d = storage_db.open_db(tmp_path / "v.db", backups=backups)
    assert len(storage_db.list_backups(backups)) == 1  # not twice a day
    for _ in range(9):
        storage_db.backup_now(d, backups)
    assert len(storage_db.list_backups(backups)) == storage_db.KEEP_BACKUPS
    d.close()


def test_pre_migration_backup(tmp_path, monkeypatch):
    from sqlite_utils.migrations import Migrations

    backups = tmp_path / "backups"
    d = storage_db.open_db(tmp_path / "v.db")
    d.close()
    extended = Migrations("villageagent")
    for m in MIGRATIONS._migrations:
        extended._migrations.append(m)

    @extended()
    def m900_add_column(db):
        db.execute("alter table logs add column mood text")

    monkeypatch.setattr(storage_db, "MIGRATIONS", extended)
    monkeypatch.setattr(storage_db, "known_migration_names", lambda: [m.name for m in extended._migrations])
    d = storage_db.open_db(tmp_path / "v.db", backups=backups)
    names = [p.name for p in storage_db.list_backups(backups)]
    assert any("pre-migration" in n for n in names)
    assert "mood" in d["logs"].columns_dict
    d.close()


def test_failed_migration_leaves_database_untouched(tmp_path, monkeypatch):
    from sqlite_utils.migrations import Migrations

    d = storage_db.open_db(tmp_path / "v.db")
    d.close()
    broken = Migrations("villageagent")
    for m in MIGRATIONS._migrations:
        broken._migrations.append(m)

    @broken()
    def m901_broken(db):
        db.execute("create table half (x int)")
        raise RuntimeError("boom")

    monkeypatch.setattr(storage_db, "MIGRATIONS", broken)
    monkeypatch.setattr(storage_db, "known_migration_names", lambda: [m.name for m in broken._migrations])
    with pytest.raises(VillageError) as err:  # a plain message, not a traceback (issue 6, case 10)
        storage_db.open_db(tmp_path / "v.db")
    assert err.value.kind == "upgrade_failed"
    conn = sqlite3.connect(tmp_path / "v.db")
    assert conn.execute("select count(*) from sqlite_master where name = 'half'").fetchone()[0] == 0
    conn.close()


def test_restore_backs_up_current_state_first(tmp_path, fixed_today):
    from villageagent.services.village import setup_village

    path, backups = tmp_path / "v.db", tmp_path / "b"
    d = storage_db.open_db(path)
    setup_village(d, code="LTA01", name="枫林村", device_id="dev1", device_code="K7Q")
    residents.register_resident(d, name="张桂英", id_number=make_id_number("430223", dt.date(1950, 1, 1), 1))
    saved = storage_db.backup_now(d, backups)
    residents.register_resident(d, name="李建国", id_number=make_id_number("430223", dt.date(1970, 1, 1), 2))
    d.close()
    safety = storage_db.restore(path, saved, backups)
    d = storage_db.open_db(path)
    assert [r["name"] for r in d["residents"].rows] == ["张桂英"]
    d.close()
    kept = storage_db.open_db(safety)
    assert {r["name"] for r in kept["residents"].rows} == {"张桂英", "李建国"}
    kept.close()


def test_restore_refuses_bad_files_and_changes_nothing(tmp_path):
    path, backups = tmp_path / "v.db", tmp_path / "b"
    storage_db.open_db(path).close()
    before = path.read_bytes()
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\xff\xd8\xff" + b"0" * 100)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    for bad, kind in ((junk, "not_a_database"), (other, "not_a_database"), (tmp_path / "none.db", "file_missing")):
        with pytest.raises(VillageError) as err:
            storage_db.restore(path, bad, backups)
        assert err.value.kind == kind
    assert path.read_bytes() == before
    assert storage_db.list_backups(backups) == []
