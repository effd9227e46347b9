"""The sync lane (``sync.township.lane``): the served township runs the villages' sync round trips
one after another on one thread and its database connection."""

from __future__ import annotations

import threading

import pytest

from sync.township import lane as lanes
from sync.township import operations as ops
from villageagent.services import sync as service


def test_a_lane_runs_every_job_on_its_one_thread_and_hands_back_results_and_errors():
    lane = lanes.Lane()
    try:
        names = {lane.run(lambda: threading.current_thread().name) for _ in range(5)}
        assert names == {"sync-lane"}
        assert lane.run(lambda: 6 * 7) == 42
        with pytest.raises(ValueError, match="bad"):
            lane.run(lambda: (_ for _ in ()).throw(ValueError("bad")))
        assert lane.run(lambda: "still serving") == "still serving"  # an error does not stop it
        # A job that asks the lane again runs inline (it would otherwise wait for itself).
        assert lane.run(lambda: lane.run(lambda: "inner")) == "inner"
        # Jobs from many threads at once: each gets its own answer.
        out: dict[int, int] = {}

        def ask(i: int) -> None:
            out[i] = lane.run(lambda: i * i)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert out == {i: i * i for i in range(20)}
    finally:
        lane.stop()


def test_without_a_lane_a_job_runs_on_the_calling_thread():
    assert lanes._lane is None
    assert lanes.run(lambda: threading.current_thread()) is threading.current_thread()


@pytest.mark.django_db(transaction=True)
def test_a_served_sync_round_trip_runs_in_the_lane(enrolled, add_errands, monkeypatch):
    seen: list[str] = []
    real = ops.exchange

    def exchange(*args, **kwargs):
        seen.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(ops, "exchange", exchange)
    db = enrolled()
    add_errands(db, 2)
    lanes.start()
    try:
        report = service.sync_now(db, sleep=lambda s: None)
    finally:
        lanes.stop()
    assert report.pushed == 5 and report.check_ok is True
    assert seen and set(seen) == {"sync-lane"}
    seen.clear()
    assert service.sync_now(db, sleep=lambda s: None).check_ok is True  # lane stopped: as before
    assert seen and "sync-lane" not in seen
