"""Drives sync from the window: on demand and automatically when the township is reachable.

- Sync runs on its own thread (the "sync" lane) with its own SQLite connection, not on the one
  writer: a sync over a 64 kbit/s link can take minutes, and saving an errand must not wait for
  it. Each sync step is a short transaction, so WAL and the busy timeout keep both safe.
- Progress, results and errors come back on the main thread as signals; cancel is honoured
  between round trips (what was acknowledged stays acknowledged).
- Every few minutes a ping (on the same lane) tells online/offline; when online and something is
  waiting, or the last sync is old, a sync starts by itself.
- The controller is one per window context (``for_context``), so it survives the status bar
  being rebuilt on a language switch.
- With the inline task runner (tests, screenshots) jobs run synchronously instead.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from villageagent.ui.tasks import InlineTaskRunner

AUTO_INTERVAL_MS = 5 * 60 * 1000
RESYNC_AFTER_S = 30 * 60


class _LaneWorker(QObject):
    job_did_finish = Signal(int, object, object)

    def __init__(self, db_path: Path | None):
        super().__init__()
        self._db_path = db_path
        self._db: Any = None

    @Slot(int, object)
    def run(self, job_id: int, fn: Callable[[Any], Any]) -> None:
        try:
            if self._db is None:
                # The app checked and migrated the file once at start; a second whole-file
                # check here only competed with the first page of the list for the disk.
                from villageagent.storage.db import open_connection

                assert self._db_path is not None
                self._db = open_connection(self._db_path)
            self.job_did_finish.emit(job_id, fn(self._db), None)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the window
            self.job_did_finish.emit(job_id, None, exc)

    @Slot()
    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class _Submit(QObject):
    job_was_submitted = Signal(int, object)


class SyncController(QObject):
    """Sync now, cancel, enroll, USB export/import, the refused list; reports through signals."""

    sync_did_start = Signal()
    sync_did_progress = Signal(object)  # SyncReport so far
    sync_did_finish = Signal(object)  # SyncReport
    sync_did_fail = Signal(str)  # plain message saying what to do
    status_did_change = Signal(object)  # dict from services.sync.status + "online"
    enroll_did_finish = Signal(bool, str)  # ok, message

    def __init__(self, ctx: Any, parent: QObject | None = None, *, client_factory: Callable | None = None,
                 auto: bool = True):
        super().__init__(parent)
        self.ctx = ctx
        self.client_factory = client_factory
        self.online: bool | None = None
        self.running = False
        self.status: dict[str, Any] = {}
        self._cancel = threading.Event()
        self._callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        self._next = 0
        self._inline = isinstance(ctx.tasks, InlineTaskRunner)
        self._thread: QThread | None = None
        if not self._inline:
            self._thread = QThread(self)
            self._thread.setObjectName("villageagent-sync")
            self._worker = _LaneWorker(ctx.tasks.db_path)
            self._worker.moveToThread(self._thread)
            self._worker.job_did_finish.connect(self._on_job_did_finish)
            self._submit = _Submit(self)
            self._submit.job_was_submitted.connect(self._worker.run)
            self._thread.start()
            # The lane's thread must be stopped before Qt tears objects down, or it aborts.
            app = QCoreApplication.instance()
            if app is not None:
                app.aboutToQuit.connect(self.shutdown)
            # And at interpreter exit when no event loop ever quit (scripts, tests): a QThread
            # destroyed while running aborts the process.
            atexit.register(_stop_at_exit, weakref.ref(self))
        self._timer = QTimer(self)
        self._timer.setInterval(AUTO_INTERVAL_MS)
        self._timer.timeout.connect(self.check_and_sync)
        if auto and not self._inline:
            self._timer.start()
            QTimer.singleShot(3000, self.check_and_sync)
        self.refresh_status()

    @classmethod
    def for_context(cls, ctx: Any) -> "SyncController":
        existing = getattr(ctx, "_sync_controller", None)
        if existing is None:
            existing = cls(ctx, ctx)
            ctx._sync_controller = existing
        return existing

    # --- the lane ------------------------------------------------------------------------
    def _run(self, fn: Callable[[Any], Any], done: Callable | None = None, failed: Callable | None = None) -> None:
        if self._inline:
            try:
                result = fn(self.ctx.tasks._db)
            except BaseException as exc:  # noqa: BLE001
                if failed:
                    failed(exc)
                return
            if done:
                done(result)
            return
        self._next += 1
        self._callbacks[self._next] = (done, failed)
        self._submit.job_was_submitted.emit(self._next, fn)

    @Slot(int, object, object)
    def _on_job_did_finish(self, job_id: int, result: Any, error: Any) -> None:
        done, failed = self._callbacks.pop(job_id, (None, None))
        if error is not None:
            if failed:
                failed(error)
        elif done:
            done(result)

    def shutdown(self) -> None:
        self._timer.stop()
        self._cancel.set()
        if self._thread is not None:
            self._thread.finished.connect(self._worker.close)
            self._thread.quit()
            self._thread.wait(15000)
            self._thread = None

    # --- status --------------------------------------------------------------------------
    def refresh_status(self) -> None:
        from villageagent.services import sync as service

        def done(status: dict) -> None:
            self.status = {**status, "online": self.online, "running": self.running}
            self.status_did_change.emit(self.status)

        self._run(service.status, done, lambda exc: None)

    def check_and_sync(self) -> None:
        """Ping the township; sync when it answers and there is something to do."""
        if self.running:
            return
        from villageagent.services import sync as service
        from villageagent.storage import sync_state

        factory = self.client_factory

        def probe(db: Any) -> tuple[bool, dict]:
            conn = sync_state.connection(db)
            if not conn.enrolled:
                return False, service.status(db)
            client = factory(conn) if factory else service._client(conn)
            try:
                return client.ping(), service.status(db)
            finally:
                client.close()

        def done(result: tuple[bool, dict]) -> None:
            online, status = result
            self.online = online if status.get("enrolled") else None
            last = status.get("last") or {}
            stale = not last.get("ok") or _age_seconds(last.get("at")) > RESYNC_AFTER_S
            self.refresh_status()
            if online and (status.get("waiting") or stale):
                self.sync_now()

        self._run(probe, done, lambda exc: None)

    # --- actions -------------------------------------------------------------------------
    def sync_now(self) -> None:
        if self.running:
            return
        from villageagent.services import sync as service

        self.running = True
        self._cancel.clear()
        self.sync_did_start.emit()
        factory = self.client_factory
        progress = self.sync_did_progress.emit

        def job(db: Any):
            kwargs: dict[str, Any] = {"client_factory": factory} if factory else {}
            return service.sync_now(db, progress=progress, cancelled=self._cancel.is_set, **kwargs)

        def done(report: Any) -> None:
            self.running = False
            self.online = True
            if report.changes:
                self.ctx.data_did_change.emit(report.changes)
            self.sync_did_finish.emit(report)
            self.refresh_status()

        def failed(exc: BaseException) -> None:
            from villageagent.ui.i18n import error_text

            self.running = False
            kind = getattr(exc, "kind", "")
            if kind in ("sync_offline", "sync_link_failed"):
                self.online = False
            self.sync_did_fail.emit(error_text(exc))
            self.refresh_status()
            # Whatever did arrive before the failure is already saved; let screens show it.
            from villageagent.storage.events import Changes

            changes = Changes()
            changes.add("errand", "*")
            self.ctx.data_did_change.emit(changes)

        self._run(job, done, failed)

    def cancel(self) -> None:
        self._cancel.set()

    def enroll(self, url: str, code: str, done: Callable[[bool, str], None] | None = None) -> None:
        from villageagent.services import sync as service

        factory = self.client_factory

        def job(db: Any):
            kwargs: dict[str, Any] = {"client_factory": factory} if factory else {}
            return service.enroll(db, url, code, **kwargs)

        def ok(conn: Any) -> None:
            self.online = True
            self.enroll_did_finish.emit(True, conn.url)
            if done:
                done(True, conn.url)
            self.refresh_status()
            self.sync_now()  # a new or replaced laptop gets the village's data right away

        def bad(exc: BaseException) -> None:
            from villageagent.ui.i18n import error_text

            text = error_text(exc)
            self.enroll_did_finish.emit(False, text)
            if done:
                done(False, text)

        self._run(job, ok, bad)

    def export_file(self, path: str, done: Callable[[bool, str], None]) -> None:
        from villageagent.services import sync as service

        def ok(result: dict) -> None:
            done(True, str(result["events"]))
            self.refresh_status()

        self._run(lambda db: service.export_file(db, Path(path)), ok, lambda exc: done(False, _text(exc)))

    def import_file(self, path: str, done: Callable[[bool, str], None]) -> None:
        from villageagent.services import sync as service

        def ok(report: Any) -> None:
            if report.changes:
                self.ctx.data_did_change.emit(report.changes)
            done(True, f"{report.pushed}/{report.pulled}")
            self.refresh_status()

        self._run(lambda db: service.import_answer(db, Path(path)), ok, lambda exc: done(False, _text(exc)))

    def refused(self, done: Callable[[list], None]) -> None:
        from villageagent.services import sync as service

        self._run(service.refused_records, done, lambda exc: done([]))

    def retry_refused(self, ids: list[str], done: Callable[[int], None] | None = None) -> None:
        from villageagent.services import sync as service

        def ok(n: int) -> None:
            self.refresh_status()
            if done:
                done(n)

        self._run(lambda db: service.retry_refused(db, ids), ok, lambda exc: None)


def _stop_at_exit(ref: "weakref.ref[SyncController]") -> None:
    controller = ref()
    try:
        if controller is not None and controller._thread is not None:
            controller.shutdown()
    except RuntimeError:  # the Qt object is already gone, and its thread with it
        pass


def _text(exc: BaseException) -> str:
    from villageagent.ui.i18n import error_text

    return error_text(exc)


def _age_seconds(at: Any) -> float:
    import datetime as dt

    if not isinstance(at, str):
        return float("inf")
    try:
        return time.time() - dt.datetime.fromisoformat(at).timestamp()
    except ValueError:
        return float("inf")
