"""The sync lane (``sync.township.lane``): the served township runs the villages' sync round trips
one after another on one thread and its database connection."""

from __future__ import annotations

import socket
import threading
import time

import django.db
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


SQLITE = django.db.connection.vendor == "sqlite"


def test_a_stopped_lane_finishes_what_was_queued_then_runs_jobs_where_they_are_asked():
    lane = lanes.Lane()
    gate = threading.Event()
    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(lane.run(lambda: gate.wait(5) and "first")))
    first.start()
    time.sleep(0.05)
    stopper = threading.Thread(target=lane.stop)
    stopper.start()
    time.sleep(0.05)
    assert lane.run(lambda: threading.current_thread().name) == threading.current_thread().name
    gate.set()
    first.join(5)
    stopper.join(5)
    assert results == ["first"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(SQLITE, reason="PostgreSQL: writers need not wait for each other")
def test_on_postgresql_round_trips_keep_the_server_threads():
    assert lanes.start() is None and lanes._lane is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not SQLITE, reason="the lane is for SQLite")
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


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not SQLITE, reason="the lane is for SQLite")
def test_a_slow_upload_holds_up_only_itself(enrolled, add_errands, live_server):
    # The live server, like cheroot, calls the application before a body has arrived: the body
    # must be read before the lane, or one village on a slow link holds up every other village.
    from villageagent.storage import sync_state as state

    slow_db, quick_db = enrolled("LTA01", "dev0slow0001"), enrolled("LTB02", "dev0quick001", "Q2B")
    add_errands(quick_db, 2)
    body = b'{"v": 1, "cursor": 0, "limit": 0}'
    host, port = live_server.url.removeprefix("http://").split(":")
    lanes.start()
    try:
        with socket.create_connection((host, int(port))) as slow:
            slow.sendall(b"POST /api/v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Authorization: Bearer " + state.connection(slow_db).token.encode() +
                         b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
                         + body[:10])
            time.sleep(0.2)  # its thread now waits for the rest of the body
            rest = threading.Timer(3.0, slow.sendall, args=(body[10:],))  # which comes 3 s later
            rest.start()
            started = time.monotonic()
            report = service.sync_now(quick_db, sleep=lambda s: None)
            took = time.monotonic() - started
            rest.join()
            answer = slow.recv(65536)
        assert report.pushed == 5 and report.check_ok is True
        assert took < 1.5, f"the quick village waited {took:.1f} s for the slow village's upload"
        assert answer.startswith(b"HTTP/1.1 200")  # and the slow one is answered once it has arrived
    finally:
        lanes.stop()


def test_served_by_waitress_the_sync_requests_go_straight_to_the_lane_thread_and_the_rest_to_waitress():
    # ``township-center serve`` routes waitress's tasks (``lane.SyncRequestsInLane``): a sync request
    # is served on the lane's thread from the start, with no hand-off from one of waitress's threads;
    # any other request, and a sync request once the lane has stopped, on waitress's threads.
    import http.client

    from waitress.server import create_server

    seen: list[tuple[str, str]] = []

    def app(environ, start_response):
        seen.append((environ["PATH_INFO"], threading.current_thread().name))
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    lane = lanes.Lane()
    server.task_dispatcher = lanes.SyncRequestsInLane(server.task_dispatcher, lane, frozenset({"/api/v1/sync"}))
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    try:
        def ask(path: str) -> bytes:
            conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=10)
            try:
                conn.request("POST", path, body=b"{}")  # one connection each: new tasks every time
                return conn.getresponse().read()
            finally:
                conn.close()

        for path in ("/api/v1/sync", "/api/v1/ping", "/api/v1/sync", "/console/"):
            assert ask(path) == b"ok"
        lane.stop()
        assert ask("/api/v1/sync") == b"ok"
    finally:
        lane.stop()  # (again, if an assertion above failed before it)
        server.close()
        server.task_dispatcher.shutdown()
    assert seen[:4] == [("/api/v1/sync", "sync-lane"), ("/api/v1/ping", seen[1][1]), ("/api/v1/sync", "sync-lane"),
                        ("/console/", seen[3][1])]
    assert seen[1][1].startswith("waitress") and seen[3][1].startswith("waitress")
    assert seen[4][0] == "/api/v1/sync" and seen[4][1].startswith("waitress")  # the lane stopped


def test_the_lane_takes_only_a_lone_sync_request_with_nothing_left_to_send():
    # The lane must never wait for a network: waitress makes the thread answering wait only past
    # 16 MiB of unsent output on one connection, so a connection with a second request queued, or
    # an earlier answer not yet sent, is served by waitress's threads instead.
    class Request:
        def __init__(self, path):
            self.path = path

    class Task:
        def __init__(self, *paths, unsent=0):
            self.requests = [Request(x) for x in paths]
            self.total_outbufs_len = unsent
            self.served_on = None

        def service(self):
            self.served_on = threading.current_thread().name

    class Pool:
        def __init__(self):
            self.tasks = []

        def add_task(self, task):
            self.tasks.append(task)

        def shutdown(self):
            return "pool shut down"

    lane, pool = lanes.Lane(), Pool()
    router = lanes.SyncRequestsInLane(pool, lane, frozenset({"/api/v1/sync"}))
    try:
        lone, piped, unsent, other = Task("/api/v1/sync"), Task("/api/v1/sync", "/api/v1/sync"), \
            Task("/api/v1/sync", unsent=10), Task("/console/")
        for task in (lone, piped, unsent, other):
            router.add_task(task)
        lane.run(lambda: None)  # everything queued before it is done
        assert lone.served_on == "sync-lane"
        assert pool.tasks == [piped, unsent, other] and piped.served_on is None
        assert router.shutdown() == "pool shut down"  # the rest is waitress's own
    finally:
        lane.stop()


def test_every_listening_server_of_a_host_with_several_addresses_gets_the_router(monkeypatch):
    class Listener:
        def __init__(self, dispatcher):
            self.task_dispatcher = dispatcher

    pool = object()
    first, second, trigger = Listener(pool), Listener(pool), object()
    server = Listener(pool)
    server.map = {1: first, 2: second, 3: trigger}
    lane = lanes.Lane()
    monkeypatch.setattr(lanes, "_lane", lane)
    try:
        lanes.route_sync_requests(server, frozenset({"/api/v1/sync"}))
        router = server.task_dispatcher
        assert isinstance(router, lanes.SyncRequestsInLane)
        assert first.task_dispatcher is router and second.task_dispatcher is router
    finally:
        lane.stop()
    monkeypatch.setattr(lanes, "_lane", None)  # no lane (PostgreSQL): waitress's own dispatcher stays
    plain = Listener(pool)
    lanes.route_sync_requests(plain, frozenset({"/api/v1/sync"}))
    assert plain.task_dispatcher is pool


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not SQLITE, reason="the lane is for SQLite")
def test_the_lanes_connection_leaves_copying_the_log_to_the_others():
    # A push on the lane does not stop to copy the write-ahead log into the database: that waits
    # for another connection's commit (the background projection's), past 10,000 pages there.
    def limit() -> int:
        with django.db.connection.cursor() as cur:
            cur.execute("PRAGMA wal_autocheckpoint")
            return cur.fetchone()[0]

    lanes.start()
    try:
        assert lanes.run(limit) == lanes.LANE_AUTOCHECKPOINT
        lanes.run(lambda: django.db.connection.close())  # opened again after an error: the same limit
        assert lanes.run(limit) == lanes.LANE_AUTOCHECKPOINT
    finally:
        lanes.stop()
    assert limit() == 10_000
