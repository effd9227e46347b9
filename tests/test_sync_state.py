"""The village side of sync: the schema upgrade, the waiting queue, quarantine, the check."""

from __future__ import annotations

import sqlite_utils

from villageagent.storage import sync_state as state
from villageagent.storage.db import open_db
from villageagent.storage.schema import MIGRATIONS


def test_m002_upgrades_a_database_made_by_the_previous_version(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(str(path))
    MIGRATIONS.apply(old, stop_before="m002_sync_state")
    old.execute("insert into events (id, hlc, village, origin, entity, entity_id, op, data, local) values "
                "('11111111-1111-4111-8111-111111111111', '1770000000000-000000-dev1', 'LTA01', 'dev1', "
                "'resident', 'r1', 'create', '{}', 1)")
    old.conn.commit()
    old.close()
    db = open_db(path, backups=tmp_path / "backups")
    try:
        assert {"sync_outbox", "sync_quarantine", "sync_log"} <= set(db.table_names())
        assert state.count_waiting(db) == 1  # the old record is waiting to be sent
        assert [r[1] for r in state.waiting_rows(db, 10)] == ["11111111-1111-4111-8111-111111111111"]
        assert any(p.name.endswith("pre-migration.db") for p in (tmp_path / "backups").iterdir())
    finally:
        db.close()


def test_quarantine_keeps_refused_aside_and_check_counts_known(village):
    from villageagent.services.residents import register_resident

    import datetime as dt

    from villageagent.domain.identity import make_id_number

    register_resident(village, name="张桂英", id_number=make_id_number("430223", dt.date(1950, 1, 1), 1))
    register_resident(village, name="李建国", id_number=make_id_number("430223", dt.date(1960, 2, 2), 2))
    ids = [r[1] for r in state.waiting_rows(village, 10)]
    assert len(ids) == 2 and state.check(village) == {"count": 0, "digest": "0" * 32}
    with village.atomic():
        state.mark_known(village, [ids[0]])
        state.quarantine(village, [{"id": ids[1], "code": "wrong_village", "message": "这条记录属于别的村"}])
    assert state.count_waiting(village) == 0 and state.count_quarantined(village) == 1
    assert state.quarantined(village)[0]["message"] == "这条记录属于别的村"
    assert state.check(village)["count"] == 1
    from sync.protocol import xor_digest

    assert state.check(village)["digest"] == xor_digest([ids[0]])
    with village.atomic():
        state.release_quarantine(village, [ids[1]])
    assert state.count_waiting(village) == 1 and state.count_quarantined(village) == 0
