"""Background work for the UI: database reads, the one database writer, and printing.

- Each lane is one QThread with its own worker; a job is a plain function ``fn(db)`` (or
  ``fn()`` for lanes without a database). Workers never receive a widget.
- Lanes and why they exist:
  - ``read``: list pages, searches and details, so a slow disk never freezes typing. It has its
    own SQLite connection (WAL lets it read while the writer writes).
  - ``write``: the one writer. Every service that changes data runs here, one at a time, on its
    own connection; the ``Changes`` it returns are broadcast as ``data_did_change``.
  - ``print``: rendering receipts and tables to PDF or a printer, which can take seconds on an
    old laptop and must not block the window.
- Results and errors come back on the main thread through queued signals; a ``VillageError``
  is the user's to read, anything else is a bug and is reported as such.
- ``InlineTaskRunner`` runs the same jobs synchronously on one connection, for tests and for
  the screenshot command where determinism matters more than responsiveness.
"""

from __future__ import annotations

import itertools
import traceback
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from villageagent.storage.events import Changes

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]

LANES = ("read", "write", "print")


def _open_connection(path: Path):
    """A connection for one thread; migrations and checks already ran when the app opened.

    - Not ``open_db``: its integrity check reads the whole file (1.9 s at 100,000 errands), once
      per lane, and competed with the first page of the list for the disk.
    """
    from villageagent.storage.db import open_connection

    return open_connection(path)


class _Worker(QObject):
    """Lives in its lane's thread and runs jobs one after another."""

    job_did_finish = Signal(int, object, object)  # job id, result, error

    def __init__(self, db_path: Path | None, needs_db: bool):
        super().__init__()
        self._db_path = db_path
        self._needs_db = needs_db
        self._db: Any = None

    @Slot(int, object)
    def run(self, job_id: int, fn: Callable[..., Any]) -> None:
        try:
            if self._needs_db:
                if self._db is None:
                    self._db = _open_connection(self._db_path)  # type: ignore[arg-type]
                result = fn(self._db)
            else:
                result = fn()
            self.job_did_finish.emit(job_id, result, None)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the UI, not kill the lane
            exc.__dict__.setdefault("_ui_traceback", traceback.format_exc())
            self.job_did_finish.emit(job_id, None, exc)

    @Slot()
    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class _Inbox(QObject):
    """Lives on the main thread; its signal crosses into the lane's thread (queued)."""

    job_was_submitted = Signal(int, object)


class TaskRunner(QObject):
    """Runs jobs on the lanes and calls back on the main thread.

    - ``write`` jobs return ``(result, Changes)``; the runner emits ``data_did_change(changes)``
      before calling ``on_done(result)``.
    """

    data_did_change = Signal(object)
    job_did_fail = Signal(object)  # an error nobody handled

    def __init__(self, db_path: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, Done | None, Failed | None]] = {}
        self._threads: dict[str, QThread] = {}
        self._workers: dict[str, _Worker] = {}
        self._inboxes: dict[str, _Inbox] = {}
        for lane in LANES:
            thread = QThread(self)
            thread.setObjectName(f"villageagent-{lane}")
            worker = _Worker(self.db_path, needs_db=lane != "print")
            worker.moveToThread(thread)
            worker.job_did_finish.connect(self._on_job_did_finish)
            inbox = _Inbox(self)
            inbox.job_was_submitted.connect(worker.run)
            thread.start()
            self._threads[lane] = thread
            self._workers[lane] = worker
            self._inboxes[lane] = inbox

    def _start(self, lane: str, fn: Callable[..., Any], on_done: Done | None, on_error: Failed | None) -> int:
        job_id = next(self._ids)
        self._pending[job_id] = (lane, on_done, on_error)
        self._inboxes[lane].job_was_submitted.emit(job_id, fn)
        return job_id

    def read(self, fn: Callable[[Any], Any], on_done: Done | None = None, on_error: Failed | None = None) -> int:
        return self._start("read", fn, on_done, on_error)

    def write(self, fn: Callable[[Any], tuple[Any, Changes]], on_done: Done | None = None,
              on_error: Failed | None = None) -> int:
        return self._start("write", fn, on_done, on_error)

    def background(self, fn: Callable[[], Any], on_done: Done | None = None, on_error: Failed | None = None) -> int:
        return self._start("print", fn, on_done, on_error)

    def busy(self) -> bool:
        return bool(self._pending)

    @Slot(int, object, object)
    def _on_job_did_finish(self, job_id: int, result: Any, error: Any) -> None:
        lane, on_done, on_error = self._pending.pop(job_id, ("", None, None))
        _deliver(self, lane, result, error, on_done, on_error)

    def shutdown(self) -> None:
        for lane, thread in self._threads.items():
            worker = self._workers[lane]
            # Close the connection in its own thread once the queued jobs ran.
            thread.finished.connect(worker.close, Qt.ConnectionType.DirectConnection)
            thread.quit()
            thread.wait(10000)
        self._threads.clear()


def _deliver(runner: Any, lane: str, result: Any, error: Any, on_done: Done | None, on_error: Failed | None) -> None:
    try:
        _deliver_now(runner, lane, result, error, on_done, on_error)
    except RuntimeError as exc:
        # The screen or dialog that asked was closed (or rebuilt in another language) before
        # the answer came: nobody is left to show it to.
        if "already deleted" not in str(exc):
            raise


def _deliver_now(runner: Any, lane: str, result: Any, error: Any, on_done: Done | None,
                 on_error: Failed | None) -> None:
    if error is not None:
        if on_error is not None:
            on_error(error)
        else:
            runner.job_did_fail.emit(error)
        return
    if lane == "write":
        value, changes = result if isinstance(result, tuple) and len(result) == 2 else (result, None)
        if changes:
            runner.data_did_change.emit(changes)
        if on_done is not None:
            on_done(value)
    elif on_done is not None:
        on_done(result)


class InlineTaskRunner(QObject):
    """The same interface, run synchronously on one connection (tests, screenshots)."""

    data_did_change = Signal(object)
    job_did_fail = Signal(object)

    def __init__(self, db_path: Path | None = None, db: Any = None, parent: QObject | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path) if db_path else None
        self._db = db if db is not None else _open_connection(self.db_path)  # type: ignore[arg-type]
        self._own = db is None

    def _run(self, lane: str, fn: Callable[..., Any], on_done: Done | None, on_error: Failed | None) -> int:
        try:
            result = fn() if lane == "print" else fn(self._db)
            error = None
        except BaseException as exc:  # noqa: BLE001 - same contract as the threaded runner
            result, error = None, exc
        _deliver(self, lane, result, error, on_done, on_error)
        return 0

    def read(self, fn, on_done=None, on_error=None) -> int:  # type: ignore[no-untyped-def]
        return self._run("read", fn, on_done, on_error)

    def write(self, fn, on_done=None, on_error=None) -> int:  # type: ignore[no-untyped-def]
        return self._run("write", fn, on_done, on_error)

    def background(self, fn, on_done=None, on_error=None) -> int:  # type: ignore[no-untyped-def]
        return self._run("print", fn, on_done, on_error)

    def busy(self) -> bool:
        return False

    def shutdown(self) -> None:
        if self._own and self._db is not None:
            self._db.close()
            self._db = None
