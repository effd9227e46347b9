"""The village side of sync: the schema upgrade, the waiting queue, quarantine, the check."""

from __future__ import annotations

import pytest

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


def _residents(village, n):
    import datetime as dt

    from villageagent.domain.identity import make_id_number
    from villageagent.services.residents import register_resident

    for i in range(n):
        register_resident(village, name=f"村民{i}", id_number=make_id_number("430223", dt.date(1950, 1, 1 + i), 1 + i))
    return state.waiting_rows(village, 100)


def test_acknowledged_batch_is_marked_by_its_range(village):
    rows = _residents(village, 4)
    sent = rows[:3]
    with village.atomic():
        state.mark_acknowledged(village, [r[0] for r in sent], [r[1] for r in sent])
    assert [r[1] for r in state.waiting_rows(village, 10)] == [rows[3][1]]
    from sync.protocol import xor_digest

    assert state.check(village) == {"count": 3, "digest": xor_digest([r[1] for r in sent])}


def test_an_event_inside_the_range_but_not_in_the_batch_stays_waiting(village):
    # An event released from quarantine after the batch was read sits inside the batch's seq
    # range without having been sent: marking by range would lose it.
    rows = _residents(village, 3)
    with village.atomic():
        state.quarantine(village, [{"id": rows[1][1], "code": "x", "message": "x"}])
    sent = [rows[0], rows[2]]
    with village.atomic():
        state.release_quarantine(village, [rows[1][1]])
        state.mark_acknowledged(village, [r[0] for r in sent], [r[1] for r in sent])
    assert [r[1] for r in state.waiting_rows(village, 10)] == [rows[1][1]]
    assert state.check(village)["count"] == 2


def test_sync_bookkeeping_commits_leave_the_connection_durable(village):
    from villageagent.services.base import transaction

    assert village.execute("pragma synchronous").fetchone()[0] == 2  # FULL
    with transaction(village, durable=False):
        assert village.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL, for this commit only
        state.log(village, "test", {})
    assert village.execute("pragma synchronous").fetchone()[0] == 2
    try:
        with transaction(village, durable=False):
            raise ValueError("boom")
    except ValueError:
        pass
    assert village.execute("pragma synchronous").fetchone()[0] == 2


@pytest.mark.parametrize("coding", ["deflate", "zstd"])
def test_a_push_prepared_for_a_fast_link_is_encoded_again_for_a_slow_one(village, coding):
    # Prepared while a request was on the wire, a push is encoded as if that request comes back
    # fast (level 2). If the link proves slow, bytes are its time: level 5 before it goes.
    from sync import protocol as p
    from sync.client import BatchSizer
    from villageagent.services import sync as service

    _residents(village, 30)
    batch_id, out = service._next_batch(village, 100)
    assert batch_id is not None and out.fresh and out.last
    prepared = service._encoded(village, batch_id, out, 0, 2, 0, coding)
    slow = BatchSizer()
    slow.worked(16_000, 2.0)  # a round trip that took 2 s: level 5
    sent = service._fit(village, prepared, slow, 0, coding)
    assert sent.level == 5 and sent.batch_id == batch_id and sent.out is out and sent.encoding == coding
    assert sent.body == p.compress(p.decompress(prepared.body), 5, coding)  # the same message, harder
    if coding == "deflate":  # (zstd's harder levels win only on larger batches than these 30 events)
        assert len(sent.body) < len(prepared.body)
    fast = BatchSizer(fast_in_row=1)  # a fast link keeps what was prepared
    assert service._fit(village, prepared, fast, 0, coding) is prepared
    # Learned meanwhile that the township takes another coding: encoded again in that one.
    other = "deflate" if coding == "zstd" else "zstd"
    switched = service._fit(village, prepared, fast, 0, other)
    assert switched.encoding == other and switched.batch_id == batch_id
    assert p.decompress(switched.body, encoding=other)["batch"] == p.decompress(prepared.body)["batch"]
    # A push that pulls is encoded again if the cursor moved meanwhile (an answer brought events).
    pulling = service._encoded(village, batch_id, out, 5000, 2, 0, coding)
    assert service._fit(village, pulling, fast, 0, coding) is pulling
    with village.atomic():
        state.set_cursor(village, 42)
    again = service._fit(village, pulling, fast, 0, coding)
    assert again is not pulling and p.decompress(again.body)["cursor"] == 42
    # What the township is told is still to come: none, once this batch is stored.
    assert p.decompress(again.body)["pending"] == 0
    assert p.decompress(service._encoded(village, batch_id, out, 0, 2, 0, coding).body)["pending"] == 0


def test_a_prepared_push_that_never_went_leaves_the_outbox_one_from_before_stays(village):
    from villageagent.services import sync as service

    _residents(village, 6)
    fresh_id, fresh = service._next_batch(village, 3)
    with village.atomic():
        state.put_outbox(village, "a" * 32, "http", [r[1] for r in state.waiting_rows(village, 10)[3:]])
    old_id, old = service._next_batch(village, 3, skip={fresh_id})
    assert old_id == "a" * 32 and not old.fresh
    ready = [service.Prepared(fresh_id, fresh, b"", 0, 2, 0, "zstd"), service.Prepared(old_id, old, b"", 0, 2, 0, "zstd")]
    service._unprepare(village, ready)
    assert ready == [] and [b for b, _ in state.outbox(village, "http")] == ["a" * 32]
