"""The sync lane: one thread that runs the villages' sync round trips one after another.

- ``township-center serve`` turns it on (``start``); the server's other requests (the console,
  enrollment) keep the server's pool of threads. Without it (tests' live server, another WSGI
  server) a round trip runs on the thread that received it, as before.
- Why one thread: waitress hands each request to the next of its threads, and each thread has its
  own database connection, so the round trips of one push went to six connections in turn, each
  compiling its statements and reading the hot end of the event indexes into its own page cache;
  and the pushes on the wire together took the interpreter from each other. On one connection
  (measured, ``bench/sync_throughput.py`` alternated with the pool, 42 runs each: a
  1,000-record push 75.5 -> 69.0 ms median; 10,000 records, 15 runs each: 343 -> 327 ms).
- Nothing is lost for concurrency: SQLite takes one writer at a time anyway (``store.writing``),
  and Python code runs one thread at a time. A round trip of another village waits for the one
  running (a few milliseconds to a few hundred for the largest batch), never for a network:
  - Served by waitress (HTTP), a sync request goes to the lane's thread straight from waitress's
    I/O thread (``SyncRequestsInLane``), once waitress has read it whole. The lane writes the
    answer without waiting (what the socket does not take, waitress's I/O thread sends later);
    waitress would make it wait only past 16 MiB of unsent answers on one connection, so a
    connection with a request queued behind another, or an answer not yet sent, goes to
    waitress's threads instead, and a pull page stays under 4 MiB of data
    (``operations.PULL_DATA_BYTES``).
    Before, one of waitress's threads took the request only to hand it to the lane and wait:
    alternated with that (``bench/sync_throughput.py``, 1,000 records, 8 x 7 runs), the median
    of medians 44.5 -> 42.0 ms, the spread of the medians 38-51 -> 40-44 ms.
  - Served by cheroot (HTTPS), which calls the application before the body has arrived, the
    thread that received the request reads the body, hands the rest to the lane (``run``) and
    sends the answer.
- SQLite only: on PostgreSQL writers need not wait for each other, and round trips keep the
  server's threads.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, TypeVar

from django.db import close_old_connections

log = logging.getLogger("sync.township")
T = TypeVar("T")

_lane: "Lane | None" = None


class Lane:
    def __init__(self) -> None:
        # A job (a function and its future) or a waitress task (``serve``); None: stop.
        self._jobs: "queue.SimpleQueue[tuple[Callable[[], object], Future] | Any | None]" = queue.SimpleQueue()
        self._stopped = False
        self._lock = threading.Lock()  # no job is queued behind the stop mark
        self._thread = threading.Thread(target=self._work, name="sync-lane", daemon=True)
        self._thread.start()

    def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` on the lane's thread; its result or its exception, here. Once the lane is
        stopped (or on its own thread), right here."""
        if threading.current_thread() is self._thread:
            return fn()
        done: Future = Future()
        with self._lock:
            queued = not self._stopped
            if queued:
                self._jobs.put((fn, done))
        return done.result() if queued else fn()

    def serve(self, task: Any) -> bool:
        """Serve a waitress task (a connection with a request read whole) on the lane's thread, as
        one of waitress's own threads would; False once the lane is stopped."""
        with self._lock:
            if self._stopped:
                return False
            self._jobs.put(task)
        return True

    def stop(self) -> None:
        """No new jobs; those queued are finished first (waited for a few seconds at most)."""
        with self._lock:
            self._stopped = True
            self._jobs.put(None)
        self._thread.join(timeout=5)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            if not isinstance(job, tuple):
                try:
                    job.service()  # Django's request signals open and check the connection
                except BaseException:  # noqa: BLE001 - as waitress's own threads do: logged, served on
                    log.exception("could not serve %r", job)
                continue
            fn, done = job
            if not done.set_running_or_notify_cancel():
                continue
            try:
                # As Django does around each request: a connection broken by the last job (or
                # past its age) is closed, and the next query opens a fresh one.
                close_old_connections()
                done.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request thread
                done.set_exception(exc)
            finally:
                try:
                    close_old_connections()
                except Exception:  # noqa: BLE001 - the lane goes on; the next job retries the close
                    log.exception("could not close the sync lane's database connection")


# Pages of write-ahead log past which a commit on the lane's connection copies the log into the
# database (SQLite's automatic checkpoint). The server's other connections keep 10,000
# (``settings.py``), so the copy is made by whichever of them commits next, in the usual case the
# background projection right after the pushes, and not inside a village's push: a 1,000-record
# push that met it took ~0.1 s instead of ~0.04 s (measured, the 12th of 12 runs on one server,
# each adding ~750-990 pages). Past this many, a push still copies it (a sync of 50,000 records
# before any projection could run).
LANE_AUTOCHECKPOINT = 40_000


def _lane_connection_made(sender: object, connection: Any, **kwargs: Any) -> None:
    """Every connection the lane's thread opens (again, after an error) gets its own limit."""
    lane = _lane
    if lane is not None and connection.vendor == "sqlite" and threading.current_thread() is lane._thread:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA wal_autocheckpoint={LANE_AUTOCHECKPOINT}")


def start() -> Lane | None:
    """Send the sync round trips of this process through one thread from now on, on SQLite (on
    PostgreSQL writers need not wait for each other: they keep the server's threads)."""
    global _lane
    from django.db import connection
    from django.db.backends.signals import connection_created

    if connection.vendor != "sqlite":
        return None
    if _lane is None:
        connection_created.connect(_lane_connection_made, dispatch_uid="sync-lane-autocheckpoint")
        _lane = Lane()
        # Its connection opened now, not in the first village's sync.
        _lane.run(open_database)
    return _lane


class SyncRequestsInLane:
    """Waitress's task dispatcher, with the villages' sync requests handed straight to the lane's
    thread instead of to one of waitress's threads, which handed the round trip to the lane and
    waited for it (``Lane.run`` then finds itself on the lane's thread and runs it right there).

    - Two thread hand-offs fewer in every sync round trip, out of ~9 (the laptop's network thread,
      the proxy, waitress's I/O thread...). Waitress reads a request's body whole before it hands
      the request on, so the lane still never waits for a slow upload.
    - Everything else (the console, enrollment, waitress's own start-up tasks) goes to waitress's
      threads as before, and so does a sync request once the lane is stopped.
    """

    def __init__(self, pool: Any, lane: Lane, paths: frozenset[str]):
        self._pool = pool
        self._lane = lane
        self._paths = paths

    def add_task(self, task: Any) -> None:
        requests = getattr(task, "requests", None)
        # One request, nothing of an earlier answer still to send: the lane never waits for the
        # network (see the module's notes).
        if (requests and len(requests) == 1 and not getattr(task, "total_outbufs_len", 1)
                and getattr(requests[0], "path", None) in self._paths and self._lane.serve(task)):
            return
        self._pool.add_task(task)

    def __getattr__(self, name: str) -> Any:  # set_thread_count, shutdown... as waitress's own
        return getattr(self._pool, name)


def route_sync_requests(server: Any, paths: frozenset[str]) -> None:
    """Have a waitress ``server`` hand the requests for ``paths`` to the lane (when it is on).
    A host name with several addresses makes one listening server per address: each is given
    the router (their connections ask their own listening server)."""
    if _lane is None:
        return
    pool = server.task_dispatcher
    router = SyncRequestsInLane(pool, _lane, paths)
    server.task_dispatcher = router
    for listener in list(getattr(server, "map", {}).values()):
        if getattr(listener, "task_dispatcher", None) is pool:
            listener.task_dispatcher = router


def stop() -> None:
    global _lane
    lane, _lane = _lane, None
    if lane is not None:
        lane.stop()


def run(fn: Callable[[], T]) -> T:
    """``fn()`` in the lane when it is on, else right here."""
    lane = _lane
    return lane.run(fn) if lane is not None else fn()


def open_database() -> None:
    """Open this thread's database connection now (the query makes SQLite read the schema too),
    not in the first request it serves; on failure the first request opens it instead."""
    try:
        from django.db import connection

        from sync.township.models import Event

        with connection.cursor() as cur:
            cur.execute(f"SELECT 1 FROM {connection.ops.quote_name(Event._meta.db_table)} LIMIT 1")
    except Exception:  # noqa: BLE001 - the first request opens it instead
        log.warning("could not open the database ahead", exc_info=True)
