"""A push is acknowledged once its events are stored; the console's tables follow (issue 4's
speed): on ``serve`` a background projector does it, and every console page, staff step and
``stats`` catches up first, so staff never see or act on less than the township holds."""

from __future__ import annotations

import time
import uuid

import console_seed
import pytest

from sync.events import Event
from sync.hlc import Timestamp
from sync.township import models as m
from sync.township import operations as ops
from sync.township import store

clerk = console_seed.clerk
clerk_client = console_seed.clerk_client

NODE = "dev0proj0001"


def _device() -> m.Device:
    code, _ = ops.issue_enrollment_code("LTA01", village_name="枫林村")
    device, _ = ops.enroll_device(code, node=NODE, village_code="LTA01", name="村部电脑")
    return m.Device.objects.select_related("village").get(pk=device.pk)


def _errands(n: int, wall: int = 1_770_000_000_000) -> tuple[list[str], list[Event]]:
    events, eids = [], []
    for k in range(n):
        rid, eid = str(uuid.uuid4()), str(uuid.uuid4())
        eids.append(eid)
        events.append(Event(str(uuid.uuid4()), Timestamp(wall + 2 * k, 0, NODE).encode(), "LTA01", NODE, "resident",
                            rid, "create", {"name": f"村民{k}", "id_number": "430223195001010011"}, "李春燕"))
        events.append(Event(str(uuid.uuid4()), Timestamp(wall + 2 * k + 1, 0, NODE).encode(), "LTA01", NODE,
                            "errand", eid, "create",
                            {"number": f"LTA01-K7Q-{k + 1:06d}", "kind": "certificate", "item_code": "Z001",
                             "item_name": "残疾证办理", "resident_id": rid, "status": "received",
                             "promised_date": "2026-12-01", "created_date": "2026-11-20"}, "李春燕"))
    return eids, events


class _Waiting(store.Projector):
    """A projector that is told about pushes but never runs: what is left for the catch-up."""

    def __init__(self) -> None:
        super().__init__()
        self.told = 0

    def notify(self) -> None:
        self.told += 1


@pytest.fixture
def deferred(monkeypatch):
    waiting = _Waiting()
    monkeypatch.setattr(store, "_projector", waiting)
    return waiting


@pytest.mark.django_db
def test_ack_before_projection_then_a_console_page_catches_up(deferred, clerk_client):
    device = _device()
    eids, events = _errands(3)
    ack = ops.receive_batch(device, "batch-0001", events)
    assert (ack["stored"], ack["refused"], deferred.told) == (6, [], 1)
    village = m.Village.objects.get(code="LTA01")
    assert m.Errand.objects.count() == 0 and village.projected_seq < store.max_seq(village.pk)
    assert village.event_count == 6  # the consistency check counts stored events, projected or not

    page = clerk_client.get("/")
    assert page.status_code == 200
    assert set(m.Errand.objects.values_list("entity_id", flat=True)) == set(eids)
    assert m.Resident.objects.count() == 3
    village.refresh_from_db()
    assert village.projected_seq == store.max_seq(village.pk)


@pytest.mark.django_db
def test_staff_step_on_an_errand_not_yet_projected(deferred):
    device = _device()
    eids, events = _errands(2)
    events.append(Event(str(uuid.uuid4()), Timestamp(1_770_000_000_100, 0, NODE).encode(), "LTA01", NODE, "errand",
                        eids[1], "status", {"to": "submitted"}, "李春燕"))
    ops.receive_batch(device, "batch-0002", events)
    assert not m.Errand.objects.exists()
    errand = ops.take_step(eids[1], "accepted", actor="clerk1")
    assert errand.status == "accepted"
    assert m.Errand.objects.count() == 2  # the step caught the whole village up first


@pytest.mark.django_db
def test_stats_and_catch_up_after_a_restart(deferred):
    device = _device()
    _, events = _errands(4)
    ops.receive_batch(device, "batch-0003", events)
    # As after a restart: nothing was projected; stats (and the server's start) catch up.
    stats = ops.stats()["villages"]["LTA01"]
    assert (stats["errands"], stats["residents"], stats["events"]) == (4, 4, 8)
    assert store.catch_up() == 0 and store.behind() == []


@pytest.mark.django_db
def test_a_repeated_batch_after_projection_changes_nothing(deferred):
    device = _device()
    _, events = _errands(2)
    first = ops.receive_batch(device, "batch-0004", events)
    store.catch_up()
    again = ops.receive_batch(device, "batch-0004", events)
    resent = ops.receive_batch(device, "batch-0005", events)  # same events, new batch id
    assert again == {**first, "again": True}
    assert (resent["stored"], resent["duplicates"]) == (0, 4)
    assert store.behind() == [] and m.Event.objects.count() == 4


def _errand_count() -> int:
    """The console's errand count, read between the projector's writes: in these tests the
    threads' connections share one in-memory SQLite database (its shared cache), where a table the
    other thread is writing cannot be read until that write commits ("database table is locked";
    a file database in WAL mode, as served, lets readers and the writer overlap). On PostgreSQL
    the lock only orders the read after a write."""
    with store.writing(durable=False):
        return m.Errand.objects.count()


def _push_and_wait(projector, device, batch_id, events, errands, *, seconds):
    """Start ``projector``, push ``events`` and wait (at most ``seconds``) until the console has
    ``errands`` errands; the projector is stopped either way. Returns when the wait ended."""
    projector.start()
    try:
        ops.receive_batch(device, batch_id, events)
        deadline = time.monotonic() + seconds
        while _errand_count() < errands and time.monotonic() < deadline:
            time.sleep(0.02)
        return time.monotonic()
    finally:
        projector.stop()


@pytest.mark.django_db(transaction=True)
def test_background_projector_follows_the_pushes():
    device = _device()
    eids, events = _errands(5)
    _push_and_wait(store.Projector(quiet=0.05, max_lag=1.0), device, "batch-0006", events, 5, seconds=10)
    assert set(m.Errand.objects.values_list("entity_id", flat=True)) == set(eids)
    assert store.behind() == []


@pytest.mark.django_db(transaction=True)
def test_background_projector_retries_soon_after_a_failure(monkeypatch):
    # A projection that fails (a lock held a moment too long) is tried again within a fraction of
    # a second, not after 5-10 s; the console's tables then follow as usual.
    device = _device()
    eids, events = _errands(3)
    real = store.catch_up
    failures = []

    def flaky(*args, **kwargs):
        if not failures:
            failures.append(time.monotonic())
            raise RuntimeError("database table is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "catch_up", flaky)
    done = _push_and_wait(store.Projector(quiet=0.0, max_lag=1.0), device, "batch-0007", events, 3, seconds=3)
    assert failures and set(m.Errand.objects.values_list("entity_id", flat=True)) == set(eids)
    assert done - failures[0] < 2.0


def _durability() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA synchronous")
            return {0: "off", 1: "normal", 2: "full", 3: "extra"}[cur.fetchone()[0]]
        cur.execute("SHOW synchronous_commit")
        return "full" if cur.fetchone()[0] == "on" else "normal"


@pytest.mark.django_db(transaction=True)
def test_only_a_push_commits_without_waiting_for_the_disk():
    # A push's events are still on every laptop (the consistency check sends them again after a
    # power cut); staff steps are not, so they and everything else commit durably.
    assert _durability() == "full"
    with store.writing(durable=False):
        assert _durability() == "normal"
    assert _durability() == "full"
    with store.writing():
        assert _durability() == "full"
    with pytest.raises(ValueError):
        with store.writing(durable=False):
            raise ValueError("boom")
    assert _durability() == "full"


@pytest.mark.django_db(transaction=True)
def test_a_push_inside_durable_work_leaves_that_work_durable():
    from django.db import transaction

    with transaction.atomic():
        with store.writing(durable=False):
            assert _durability() == "full"
        assert _durability() == "full"


@pytest.mark.django_db
def test_pushed_data_is_stored_as_the_same_json_text(deferred):
    """What the push stores for each event's data is text, byte for byte the compact JSON
    ``data_text`` writes, Chinese as is (the push writes its own SQL, not the ORM's)."""
    from django.db import connection

    from sync.events import data_text

    device = _device()
    _, events = _errands(3)
    events[0].data["note"] = "缺户口本原件\n第二行 \"引号\" \\ 反斜杠"
    ack = ops.receive_batch(device, "batch-text-01", events)
    assert ack["stored"] == 6 and ack["refused"] == []
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"SELECT {q('event_id')}, typeof({q('data')}), {q('data')} FROM {q(m.Event._meta.db_table)}")
            rows = {str(uuid.UUID(eid)): (kind, text) for eid, kind, text in cur.fetchall()}
            assert {kind for kind, _ in rows.values()} == {"text"}
            assert {eid: text for eid, (_, text) in rows.items()} == {e.id: data_text(e.data) for e in events}
        else:
            cur.execute(f"SELECT {q('event_id')}, {q('data')}::text FROM {q(m.Event._meta.db_table)}")
            import json

            assert {str(eid): json.loads(text) for eid, text in cur.fetchall()} == {e.id: e.data for e in events}
    stored = {str(e.event_id): e.data for e in m.Event.objects.all()}
    assert stored == {e.id: e.data for e in events}


@pytest.mark.django_db
@pytest.mark.skipif(__import__("django.db").db.connection.vendor != "sqlite", reason="an SQLite setting")
def test_sqlite_keeps_its_statement_journals_in_memory():
    # Each multi-row insert of a push keeps the pages it changes aside until it ends; on disk
    # (the default) that was two writes to a temporary file per page, as many as to the log.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("PRAGMA temp_store")
        assert cur.fetchone()[0] == 2  # MEMORY
