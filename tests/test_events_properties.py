"""The record of change (issue 2): idempotent, order-independent, safe on a wrong device clock."""

import datetime as dt
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.events import Event
from sync.hlc import HybridClock, Timestamp
from villageagent.storage.db import open_db
from villageagent.storage.events import apply_events

STEPS = ["submitted", "accepted", "returned", "in_progress", "ready", "delivered", "cancelled", "forwarded"]


def make_events(spec):
    """spec: list of (origin index, op choice, payload index) → events on two errands."""
    events = []
    for eid in ("00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"):
        events.append(Event(str(uuid.uuid4()), Timestamp(1000, 0, "dev1").encode(), "LTA01", "dev1", "errand", eid,
                            "create", {"kind": "certificate", "number": eid[-4:], "item_code": "Z001",
                                       "item_name": "x", "resident_id": "r", "promised_date": "2026-01-01",
                                       "created_date": "2025-12-01"}))
    for n, (origin, op, payload, target) in enumerate(spec):
        node = ["dev1", "dev2", "township"][origin]
        eid = events[target].entity_id
        hlc = Timestamp(1001 + payload * 7 % 50, n, node).encode()
        if op == 0:
            data = {"to": STEPS[payload % len(STEPS)], "reason": "缺材料"}
            events.append(Event(str(uuid.uuid4()), hlc, "LTA01", node, "errand", eid, "status", data))
        elif op == 1:
            events.append(Event(str(uuid.uuid4()), hlc, "LTA01", node, "errand", eid, "update", {"note": f"n{payload}"}))
        else:
            events.append(Event(str(uuid.uuid4()), hlc, "LTA01", node, "errand", eid, "note", {"text": f"t{payload}"}))
    return events


def state(db):
    rows = db.execute("select id, status, note, reason, closed, done_date, updated_hlc from errands order by id").fetchall()
    applied = db.execute("select id, applied from events order by id").fetchall()
    return rows, applied


spec_strategy = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 40), st.integers(0, 1)),
                         max_size=25)


@settings(max_examples=60, deadline=None)
@given(spec=spec_strategy, data=st.data())
def test_any_order_and_duplicates_give_the_same_state(tmp_path_factory, spec, data):
    events = make_events(spec)
    first = open_db(tmp_path_factory.mktemp("a") / "a.db")
    with first.atomic():
        apply_events(first, events, local=False)
    expected = state(first)
    shuffled = data.draw(st.permutations(events))
    dupes = data.draw(st.lists(st.sampled_from(events), max_size=10))
    cut = data.draw(st.integers(0, len(shuffled)))
    second = open_db(tmp_path_factory.mktemp("b") / "b.db")
    with second.atomic():
        apply_events(second, shuffled[:cut] + dupes, local=False)
    with second.atomic():
        apply_events(second, shuffled[cut:] + dupes, local=False)
    assert state(second) == expected
    # Re-applying everything is a no-op.
    with second.atomic():
        changes = apply_events(second, events, local=False)
    assert changes.new_events == 0
    assert state(second) == expected
    first.close()
    second.close()


@settings(max_examples=80, deadline=None)
@given(offsets=st.lists(st.integers(-400, 400), min_size=2, max_size=40),
       skew_days=st.sampled_from([-365, 0, 365]))
def test_wrong_or_jumping_clock_never_reorders_own_events(offsets, skew_days):
    """A device clock off by a year, or jumping back and forth, still stamps in issue order."""
    base = int(dt.datetime(2026, 3, 1).timestamp() * 1000) + skew_days * 86_400_000
    ticks = iter(base + o * 60_000 for o in offsets)
    clock = HybridClock("dev1", wall=lambda: next(ticks))
    stamps = [clock.now() for _ in offsets]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)


def test_clock_never_goes_below_what_it_has_seen():
    clock = HybridClock("dev1", wall=lambda: 1_000)
    remote = Timestamp(5_000_000, 3, "township").encode()
    clock.observe(remote)
    assert clock.now() > remote
