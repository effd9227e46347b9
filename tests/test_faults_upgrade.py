"""Upgrade (fault campaign, issue 6, case 10): a village database made by the previous release
opens in this version with everything intact.

The fixture is that release's own database, kept as an SQL dump: ``villageagent demo --errands 120``
run at commit 5aa5757 (schema m001), then ``sqlite3.iterdump``. When a release ships, add its
database here the same way, so every later schema is tested from every released one.
"""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
from pathlib import Path

import pytest

from villageagent.storage import db as storage_db

FIXTURES = Path(__file__).parent / "fixtures"
RELEASES = sorted(FIXTURES.glob("village-*.sql.gz"))


def _load(dump: Path, target: Path) -> None:
    conn = sqlite3.connect(target)
    conn.executescript(gzip.open(dump, "rt", encoding="utf-8").read())
    conn.close()


def _rows(path: Path, columns: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    """Per table of the old release: row count and a digest of its old columns' values."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table, cols in columns.items():
            h = hashlib.sha256()
            n = 0
            for row in conn.execute(f"select {', '.join(f'[{c}]' for c in cols)} from [{table}] order by 1, 2"):
                h.update(repr(row).encode())
                n += 1
            out[table] = (n, h.hexdigest())
        return out
    finally:
        conn.close()


def _old_columns(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' and name not like "
                                             "'sqlite_%' and name not like '%fts%' and name != '_sqlite_migrations'")]
        return {t: [r[1] for r in conn.execute(f"pragma table_info([{t}])")] for t in tables}
    finally:
        conn.close()


@pytest.mark.parametrize("dump", RELEASES, ids=[p.name for p in RELEASES])
def test_previous_release_database_opens_with_everything_intact(tmp_path, dump):
    path = tmp_path / "village.db"
    _load(dump, path)
    columns = _old_columns(path)
    before = _rows(path, columns)
    assert before["errands"][0] > 0 and before["events"][0] > 0

    db = storage_db.open_db(path, backups=tmp_path / "backups")
    try:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        pending = storage_db.MIGRATIONS.pending(db)
    finally:
        db.close()

    assert pending == []
    assert _rows(path, columns) == before  # every old row, every old column, unchanged
    kept = [p.name for p in storage_db.list_backups(tmp_path / "backups") if "pre-migration" in p.name]
    assert kept, "no pre-migration backup was kept"


def test_the_upgraded_database_is_usable(tmp_path, fixed_today):
    from villageagent.services.errands import register_errand, search
    from villageagent.storage import queries

    path = tmp_path / "village.db"
    _load(RELEASES[0], path)
    db = storage_db.open_db(path, backups=tmp_path / "backups")
    try:
        resident = db.execute("select id, name from residents order by id limit 1").fetchone()
        errand, _ = register_errand(db, resident_id=resident[0], item_code="Z001", submit=True)
        assert queries.get_errand(db, errand["id"])["status"] == "submitted"
        assert search(db, resident[1]).residents
    finally:
        db.close()
