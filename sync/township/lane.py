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
  the request's body is read on the thread that received it before the rest is handed over
  (cheroot, serving HTTPS, calls the application before the body has arrived), and the answer is
  sent by that thread too.
- SQLite only: on PostgreSQL writers need not wait for each other, and round trips keep the
  server's threads.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Callable, TypeVar

from django.db import close_old_connections

log = logging.getLogger("sync.township")
T = TypeVar("T")

_lane: "Lane | None" = None


class Lane:
    def __init__(self) -> None:
        self._jobs: "queue.SimpleQueue[tuple[Callable[[], object], Future] | None]" = queue.SimpleQueue()
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

    def stop(self) -> None:
        """No new jobs; those queued are finished first (waited for a few seconds at most)."""
        with self._lock:
            self._stopped = True
            self._jobs.put(None)
        self._thread.join(timeout=5)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
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


def start() -> Lane | None:
    """Send the sync round trips of this process through one thread from now on, on SQLite (on
    PostgreSQL writers need not wait for each other: they keep the server's threads)."""
    global _lane
    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    if _lane is None:
        _lane = Lane()
        # Its connection opened now, not in the first village's sync.
        _lane.run(open_database)
    return _lane


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
