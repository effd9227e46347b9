"""Sync with the township: enroll, one sync now, USB export/import, the refused-records list.

- ``sync_now`` repeats one round trip (push a batch, pull a page) until nothing is waiting and
  nothing more comes back, then compares the consistency check; a mismatch starts a repair
  (logged on both sides), never a silent divergence.
- Events are marked sent only after the township's acknowledgement, in the same transaction
  that applies the pulled events and moves the cursor; a batch whose acknowledgement was lost
  is sent again with the same id (the township answers it again without storing anything twice).
- A failing link shrinks the batch; a refused event is kept aside with the reason and the rest
  of the queue goes on.
- Every failure a cadre may meet is a ``VillageError`` whose message says what to do.
"""

from __future__ import annotations

import gc
import re
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from sqlite_utils import Database

from sync import jsontext
from sync import protocol as p
from sync.client import BatchSizer, SyncError, TownshipClient, fetch_fingerprint
from sync.events import EventError, validate_event
from villageagent.domain.errors import MESSAGES, VillageError, language
from villageagent.services.base import observe_remote, transaction
from villageagent.storage import settings as settings_store
from villageagent.storage import sync_state as state
from villageagent.storage.events import Changes, apply_events

MESSAGES.update({
    "sync_not_enrolled": ("这台电脑还没有在乡镇登记。请向乡镇要一个登记码，在“同步”菜单里点“登记到乡镇”。",
                          "This laptop is not enrolled with the township yet. Ask the township for a code "
                          "and use Sync > Enroll."),
    "sync_offline": ("现在连不上乡镇服务器。数据都在本机，没有丢失；有网络时会自动再同步，也可以用U盘导出交给乡镇。",
                     "The township server cannot be reached. Nothing is lost; the sync will run again when "
                     "there is a link, or use a USB export."),
    "sync_link_failed": ("网络不稳定，同步没有全部完成（已上传{pushed}条）。已传的不会重复，下次会接着传。",
                         "The link kept failing, so the sync did not finish ({pushed} sent). Nothing is "
                         "doubled; the next sync continues where this one stopped."),
    "sync_refused": ("乡镇服务器拒绝了同步：{message}", "The township refused the sync: {message_en}"),
    "sync_revoked": ("这台电脑在乡镇的登记已被注销，不能再同步。请联系乡镇重新登记。",
                     "This laptop's enrollment was revoked by the township. Contact the township to enroll again."),
    "sync_token_invalid": ("乡镇不认这台电脑的登记了（可能重新装过服务器）。请向乡镇要新的登记码重新登记。",
                           "The township no longer knows this laptop. Ask for a new code and enroll again."),
    "sync_certificate": ("乡镇服务器的证书和登记时的不一样，为安全起见没有同步。请打电话给乡镇确认。",
                         "The township server's certificate changed since enrollment; nothing was sent. "
                         "Call the township to check."),
    "sync_upgrade": ("乡镇服务器和本程序的版本不一致，请升级村代办。",
                     "The township server speaks another protocol version; please upgrade VillageAgent."),
    "sync_cancelled": ("同步已取消。已经完成的部分已保存，下次会接着传。",
                       "Sync cancelled. What was done is saved; the next sync continues."),
    "enroll_failed": ("登记没有成功：{message}", "Enrollment failed: {message_en}"),
    "enroll_address": ("乡镇地址“{url}”不对，应像 http://192.168.1.10:8000 这样。",
                       "The township address \"{url}\" is not valid; it looks like http://192.168.1.10:8000."),
    "sync_file_bad": ("这个同步文件不能导入：{message}", "This sync file cannot be imported: {message_en}"),
    "sync_file_write": ("同步文件写不进“{path}”，请检查U盘是否插好、是否写保护。",
                        "Could not write the sync file to \"{path}\"; check the USB stick."),
})

# The township answers in Chinese (its staff's language); switched to English, the laptop says what
# the answer's machine-readable code means in its own words.
TOWNSHIP_ENGLISH = {
    # enrollment
    "code_invalid": "The enrollment code is wrong; check the code the township gave.",
    "code_used": "This enrollment code has been used already; ask the township for a new one.",
    "code_expired": "This enrollment code has expired; ask the township for a new one.",
    "village_mismatch": "This enrollment code is for another village; check this laptop's village code.",
    "device_other_village": "This laptop is already enrolled for another village.",
    "bad_device": "This laptop's device id is not valid.",
    "no_token": "The township server gave no device token.",
    # records the township refused (kept aside, listed with their reason)
    "wrong_village": "This record belongs to another village; this laptop may send only its own village's records.",
    "wrong_origin": "This record was not made on this laptop, so this laptop may not send it.",
    "origin_forbidden": "A village laptop may not send the township's own records.",
    "op_forbidden": "Only the township publishes the service catalog.",
    "entity_other_village": "This record changes another village's data; refused.",
    "id_conflict": "This record's id is the same as a record of another village; refused.",
    "event_bad_text": "This record holds characters that cannot be stored (a NUL or a broken Unicode character); "
                      "refused.",
    "not_stored": "The township's database could not store this record; ask the township to check its server log.",
    # sync files
    "file_tampered": "The file was changed or damaged, or was made for this laptop's earlier enrollment; refused. "
                     "Ask the township for a new answer file.",
    "not_a_sync_file": "This is not a VillageAgent sync file.",
    "wrong_file_kind": "Wrong kind of file: import the file the other side made.",
    "wrong_file_owner": "This file is for another village or another laptop.",
    "device_unknown": "This laptop is not enrolled with the township.",
    "device_revoked": "This laptop's enrollment was revoked by the township.",
    # an answer the laptop could not read
    "bad_answer": "the township server's answer could not be read.",
    # what the township could not read of the laptop's request (or of a file)
    "bad_events": "the records this laptop sent could not be read.",
    "bad_batch": "the batch this laptop sent is malformed.",
    "bad_json": "the message could not be read.",
    "not_object": "the message could not be read.",
    "bad_compression": "the message was damaged on the way.",
    "bad_field": "a field of the message is wrong.",
    "too_large": "the message is too large.",
    "too_deep": "the message is nested too deeply.",
    "unsupported_version": "the other side runs another version of VillageAgent; upgrade first.",
    "not_found": "the township server does not know this address; check the township address.",
    "method_not_allowed": "the township server does not know this address; check the township address.",
}
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def township_text(code: object, chinese: str, lang: str | None = None) -> str:
    """What the township's answer ``code`` (its text ``chinese``) says, in the laptop's language."""
    if (lang or language()) != "en":
        return chinese
    code = str(code or "")
    if code in TOWNSHIP_ENGLISH:
        return TOWNSHIP_ENGLISH[code]
    if chinese and not _CJK.search(chinese):  # already English ("unknown op 'x'", "HTTP 404")
        return chinese if not code.startswith("event_") else f"The township could not read this record: {chinese}"
    if code.startswith("event_"):
        return f"The township could not read this record ({code}); refused."
    return f"the township answered \"{code or 'error'}\"."


def _said(code: object, chinese: str) -> dict[str, str]:
    """``message`` and ``message_en`` for a ``VillageError`` that passes on the township's answer."""
    return {"message": chinese, "message_en": township_text(code, chinese, "en")}


ClientFactory = Callable[[state.Connection], TownshipClient]
PULL_LIMIT = 5000
MAX_FAILURES = 8


def _client(conn: state.Connection) -> TownshipClient:
    return TownshipClient(conn.url, conn.token, fingerprint=conn.fingerprint or None, encoding=conn.encoding)


@dataclass
class SyncReport:
    """What one sync moved, for the status bar, the CLI and the log."""

    pushed: int = 0
    duplicates: int = 0
    refused: int = 0
    pulled: int = 0
    requests: int = 0
    retries: int = 0
    waiting: int = 0
    quarantined: int = 0
    check_ok: bool | None = None
    repaired: bool = False
    seconds: float = 0.0
    changes: Changes = field(default_factory=Changes)

    def summary(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "changes"}


def _map_error(exc: SyncError, report: SyncReport | None = None) -> VillageError:
    if exc.code == "device_revoked":
        return VillageError("sync_revoked")
    if exc.code in ("token_invalid", "token_missing", "not_enrolled"):
        return VillageError("sync_token_invalid")
    if exc.code == "certificate_changed":
        return VillageError("sync_certificate")
    if exc.code == "unsupported_version":
        return VillageError("sync_upgrade")
    if exc.retryable:
        if report is not None and (report.pushed or report.pulled):
            return VillageError("sync_link_failed", pushed=report.pushed)
        return VillageError("sync_offline")
    return VillageError("sync_refused", **_said(exc.code, exc.message))


# --- enrollment ------------------------------------------------------------------------------

def enroll(db: Database, url: str, code: str, *, fingerprint: str | None = None,
           client_factory: ClientFactory = _client) -> state.Connection:
    """Enroll this laptop's village with the township (one-time code) and keep the device token.

    - Over HTTPS the township's certificate is pinned now (or checked against ``fingerprint``).
    - The next sync then brings down everything the township holds for the village (a
      replaced laptop gets the village's whole data back this way).
    """
    settings = settings_store.load(db)
    if not settings.configured:
        raise VillageError("village_not_set")
    url = (url or "").strip().rstrip("/")
    if not (url.startswith("http://") or url.startswith("https://")) or len(url) < 10:
        raise VillageError("enroll_address", url=url)
    pin = ""
    if url.startswith("https://"):
        try:
            seen = fetch_fingerprint(url)
        except OSError:
            raise VillageError("sync_offline") from None
        if fingerprint and seen != fingerprint.replace(":", "").lower():
            raise VillageError("sync_certificate")
        pin = seen
    conn = state.Connection(url=url, token="", fingerprint=pin, village=settings.village_code)
    client = client_factory(conn)
    try:
        answer = client.enroll(code.strip(), device=settings.device_id, village=settings.village_code,
                               name=f"{settings.village_name} {settings.cadre_name}".strip()[:60],
                               village_name=settings.village_name)
    except SyncError as exc:
        if exc.retryable:
            raise VillageError("sync_offline") from None
        raise VillageError("enroll_failed", **_said(exc.code, exc.message)) from None
    finally:
        client.close()
    token = answer.get("token")
    if not isinstance(token, str) or not token:
        raise VillageError("enroll_failed", **_said("no_token", "乡镇服务器没有给出设备令牌"))
    conn.token = token
    conn.encoding = client.encoding  # what the township said it takes, in its answer
    with transaction(db):
        previous = state.connection(db)
        state.save_connection(db, conn)
        if previous.url != conn.url or previous.village != conn.village:
            state.set_cursor(db, 0)
        state.log(db, "enrolled", {"url": url, "village": settings.village_code})
    return conn


def status(db: Database) -> dict:
    """For the status bar: enrolled or not, events waiting, refused, the last sync and its result."""
    conn = state.connection(db)
    return {"enrolled": conn.enrolled, "url": conn.url, "waiting": state.count_waiting(db),
            "quarantined": state.count_quarantined(db), "last": state.last_result(db)}


# --- one sync --------------------------------------------------------------------------------

def sync_now(db: Database, *, client_factory: ClientFactory = _client,
             progress: Callable[[SyncReport], None] | None = None,
             cancelled: Callable[[], bool] | None = None, sleep: Callable[[float], None] = time.sleep,
             sizer: BatchSizer | None = None) -> SyncReport:
    """Push everything waiting, pull everything new, check both sides agree.

    - Raises ``VillageError`` (``sync_offline``, ``sync_link_failed``, ``sync_revoked`` ...) when it
      could not finish; whatever was acknowledged before stays acknowledged.
    """
    conn = state.connection(db)
    if not conn.enrolled:
        raise VillageError("sync_not_enrolled")
    client = client_factory(conn)
    report = SyncReport()
    started = time.monotonic()
    try:
        with _fewer_collections():
            _run(db, client, report, sizer or BatchSizer(), progress, cancelled, sleep)
        report.requests = client.requests_made  # (before the summary: the status bar's line counts them)
        result = {"ok": True, "at": _now_text(), **report.summary()}
    except VillageError as exc:
        report.requests = client.requests_made
        result = {"ok": False, "at": _now_text(), "error": exc.kind, "message": exc.message(), **report.summary()}
        _finish(db, report, started, result, conn, client.encoding)
        raise
    finally:
        report.requests = client.requests_made
        client.close()
    _finish(db, report, started, result, conn, client.encoding)
    return report


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """During a sync the garbage collector runs after 20,000 new objects instead of 700: each
    batch makes and drops tens of thousands of short-lived rows and values, and the default
    collections cost 17% of the laptop's time in a 50,000-record push (measured with
    ``bench/sync_throughput.py``). Nothing the sync makes needs collecting sooner."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], 20000), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _now_text() -> str:
    import datetime as dt

    return dt.datetime.now().isoformat(timespec="seconds")


def _finish(db: Database, report: SyncReport, started: float, result: dict, conn: state.Connection,
            encoding: str) -> None:
    """``encoding``: the request coding the township said it takes, kept if it changed."""
    report.seconds = round(time.monotonic() - started, 3)
    report.waiting = state.count_waiting(db)
    report.quarantined = state.count_quarantined(db)
    result.update(seconds=report.seconds, waiting=report.waiting, quarantined=report.quarantined)
    # The status bar's line and the sync log: the next sync writes them again (2 ms of a small
    # sync went to waiting for the disk here).
    with transaction(db, durable=False):
        state.set_last_result(db, result)
        if encoding != conn.encoding:
            state.set_encoding(db, encoding)
        state.log(db, "sync" if result.get("ok") else "sync_failed",
                  {k: result[k] for k in ("pushed", "pulled", "refused", "error") if k in result})


PIPELINE_DEPTH = 2
# On a fast link (round trips under a second) one more: the laptop encodes the next batch while
# the township checks one and writes another, so neither machine waits for the other (measured:
# a 10,000-record push on loopback 9% faster than with two).
FAST_PIPELINE_DEPTH = 3
# Round trips that must work, one at a time, before a second batch goes on the wire: on a link
# that cuts connections, a cut then costs one request in flight, not two (issue 6, case 2).
PROVE_LINK = 3


def _run(db: Database, client: TownshipClient, report: SyncReport, sizer: BatchSizer,
         progress: Callable[[SyncReport], None] | None, cancelled: Callable[[], bool] | None,
         sleep: Callable[[float], None]) -> None:
    """Round trips until nothing is waiting and nothing more comes back.

    - Pipelined pushes: up to ``PIPELINE_DEPTH`` batches (``FAST_PIPELINE_DEPTH`` on a fast link)
      are on the wire at once (network threads; the database stays on this thread), and the
      next is read and encoded while they travel — so the laptop's work, the township checking one batch and the township writing
      another overlap instead of adding up. The first ``PROVE_LINK`` round trips go one at a
      time, and after any failure the sync goes on one at a time.
    - Answers are applied in the order the batches were sent; events are order-independent, so
      the township may store them in either order.
    """
    failures = 0
    repaired = False
    depth = 1
    proven = 0
    ready: list[Prepared] = []  # the next push, read and encoded while the ones on the wire travel
    latest: dict | None = None  # the township's count and digest in its latest answer
    foreseen: _Foreseen | None = None  # ours, once the pushes on the wire are acknowledged
    with ThreadPoolExecutor(max_workers=FAST_PIPELINE_DEPTH, thread_name_prefix="sync-net") as net:
        inflight: deque[tuple[Future, str | None, "Outgoing", int]] = deque()
        if state.any_waiting(db):
            # The connection is opened while the first push is read and compressed, not after
            # (measured: a 1,000-record push on loopback waited ~4 ms for it).
            client.connect_ahead(net)
        while True:
            if cancelled and cancelled():
                _unprepare(db, ready)
                _drain(db, inflight, report)
                raise VillageError("sync_cancelled")
            _fill(db, net, client, inflight, depth, sizer, report, ready)
            if not ready and inflight and inflight[-1][1] is not None:
                if not inflight[-1][2].last:
                    # The laptop's share of the next round trip is done now, while the township
                    # works on this one: even one request at a time, neither machine waits for the
                    # other (measured: a 1,000-record push on loopback 15% faster).
                    # Sized for when it goes: after the oldest request on the wire has come back.
                    nxt = _prepare(db, client, inflight, sizer.ahead([inflight[0][3]]), report)
                    if nxt is not None:
                        ready.append(nxt)
                elif foreseen is None and all(b is not None for _, b, _, _ in inflight):
                    # The queue's end is on the wire: the laptop's side of the final check is
                    # worked out while it travels (~2.5 ms for 2,000 events, after the last
                    # answer otherwise), as it will be once these pushes are acknowledged whole.
                    foreseen = _Foreseen({b for _, b, _, _ in inflight if b},
                                         state.check_after(db, [i for _, _, o, _ in inflight for i in o.ids]))
            future, batch_id, out, nbytes = inflight.popleft()
            try:
                reply, took = future.result()
            except SyncError as exc:
                foreseen = None
                _unprepare(db, ready)
                # The answers that did arrive behind it are applied: their batches need not
                # cross the link again. The failed one stays in the outbox.
                _drain(db, inflight, report)
                if not exc.retryable:
                    raise _map_error(exc, report) from None
                client.start_fresh_connections()
                depth = 1
                failures += 1
                report.retries += 1
                sizer.failed(nbytes)
                if failures > MAX_FAILURES:
                    raise _map_error(exc, report) from None
                sleep(min(30.0, 0.5 * 2 ** (failures - 1)))
                continue
            failures = 0
            if batch_id is not None:
                sizer.worked(nbytes, took)
                proven += 1
                if proven >= PROVE_LINK and report.retries == 0:
                    depth = FAST_PIPELINE_DEPTH if sizer.fast_in_row else PIPELINE_DEPTH
                if ready and _may_go_before(ready[-1], reply):
                    # The push read and encoded ahead goes on the wire before this answer is
                    # written down, so the township does not wait for the laptop's transaction.
                    _fill(db, net, client, inflight, depth, sizer, report, ready, prepare=False,
                          answered=len(out))
            more = _apply_reply(db, reply, batch_id, out.ids, report, sent_seqs=out.seqs)
            if foreseen is not None and not foreseen.answered(batch_id, reply):
                foreseen = None
            if progress:
                progress(report)
            latest = _later_check(latest, reply.get("check"))
            if (batch_id is not None and out.pulls and not more and not inflight and not repaired
                    and not state.count_waiting(db)
                    and latest == (foreseen.check if foreseen and not foreseen.batches else state.check(db))):
                # Every push answered, the pull complete, and the township's numbers as of its
                # latest answer equal ours: nothing left to do. Otherwise (a refusal, a staff step
                # stored after the pull...) the check goes as a request of its own below.
                report.check_ok = True
                return
            if batch_id is None and not more:
                # The check this request carried still holds if its answer brought no events.
                events = reply.get("events")
                unchanged = isinstance(events, dict) and events.get("n") == 0 and out.check is not None
                report.check_ok = reply.get("check") == (out.check if unchanged else state.check(db))
                if report.check_ok or repaired:
                    if not report.check_ok:
                        with transaction(db):
                            state.log(db, "mismatch_remains", {"village": state.check(db),
                                                               "township": reply.get("check")})
                    return
                _repair(db, client, reply.get("check"), report)
                repaired = True
                foreseen = None


@dataclass
class _Foreseen:
    """``state.check`` as it will be once the pushes ``batches`` are acknowledged, none of their
    events refused and no events pulled with them; it stands only if every answer that comes
    meanwhile is one of those, so (``answered``)."""

    batches: set[str]
    check: dict

    def answered(self, batch_id: str | None, reply: dict) -> bool:
        """Note an applied answer; whether the foreseen numbers still stand."""
        ack, events = reply.get("ack"), reply.get("events")
        if (batch_id not in self.batches or not isinstance(ack, dict) or ack.get("refused")
                or not isinstance(events, dict) or events.get("n") != 0):
            return False
        self.batches.discard(batch_id)
        return True


def _may_go_before(push: "Prepared", reply: dict) -> bool:
    """Whether a push prepared ahead may be sent before this answer is applied: it asks for no
    events, or the answer moved neither the pull cursor nor brought any (else the push would ask
    for events again that the answer brings)."""
    if push.limit == 0:
        return True
    events = reply.get("events")
    return isinstance(events, dict) and events.get("n") == 0 and reply.get("cursor") == push.cursor


def _later_check(latest: dict | None, check: object) -> dict | None:
    """The township's numbers as of the later of two answers. Its count only grows (events are
    never deleted), so the answer with the larger count was made later; pushes on the wire
    together may be stored in either order, and the last one sent is not always the last stored."""
    if not isinstance(check, dict) or type(check.get("count")) is not int:
        return latest
    if latest is None or check["count"] >= latest["count"]:
        return check
    return latest


class Outgoing:
    """A batch about to be pushed: its rows as read from the database, encoded on first use."""

    __slots__ = ("rows", "_columns", "check", "last", "pulls", "fresh")

    def __init__(self, rows: list[tuple], *, last: bool = False, fresh: bool = False):
        self.rows = rows
        self._columns: dict[bool, dict] = {}  # by data form (``columns``)
        self.check: dict | None = None  # a pull request: the consistency check it carried
        self.last = last  # the queue's end: nothing was waiting after these rows when read
        self.pulls = False  # the request also asks for the township's new events
        self.fresh = fresh  # a new batch (not one from the outbox, which may have been sent before)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def ids(self) -> list[str]:
        return [r[1] for r in self.rows]

    @property
    def seqs(self) -> list[int]:
        return [r[0] for r in self.rows]

    @property
    def last_seq(self) -> int:
        return int(self.rows[-1][0]) if self.rows else 0

    def head(self, k: int) -> "Outgoing":
        return Outgoing(self.rows[:k], fresh=True)

    def columns(self, *, data_rows: bool = False) -> dict:
        """The wire columns; ``data_rows``: each event's data sent as the text it is stored as
        (``protocol.encode_columns``), else grouped by shape (fewer bytes, more work)."""
        if data_rows in self._columns:
            return self._columns[data_rows]
        if not self.rows:
            out: dict = {"n": 0}
        else:
            _, ids, hlcs, villages, origins, entities, eids, ops, texts, actors = (list(c) for c in zip(*self.rows))
            if data_rows:
                out = p.encode_columns(ids, hlcs, villages, origins, entities, eids, ops, None, actors,
                                       data_texts=texts)
            else:
                # Our own rows, written as JSON objects by this program (UTF-8 bytes): parsed in one call.
                datas = jsontext.parse(b"[" + b",".join(texts) + b"]")
                out = p.encode_columns(ids, hlcs, villages, origins, entities, eids, ops, datas, actors)
        self._columns[data_rows] = out
        return out


class Prepared(NamedTuple):
    """A request read and encoded, not yet sent."""

    batch_id: str | None  # None: a pull (with the consistency check)
    out: Outgoing
    body: bytes  # compressed, as it goes on the wire
    limit: int  # events it asks the township for
    level: int  # the compression effort of ``body`` (``protocol.compress``)
    cursor: int  # the pull cursor it carries
    encoding: str  # the content coding of ``body``


def _fill(db: Database, net: ThreadPoolExecutor, client: TownshipClient, inflight: deque, depth: int,
          sizer: BatchSizer, report: SyncReport, ready: list[Prepared], *, prepare: bool = True,
          answered: int = 0) -> None:
    """Put requests on the wire until ``depth`` are in flight (a pull/check request goes alone).

    - The push prepared ahead (``ready``) goes first, cut down first if the link's budget has
      shrunk since it was encoded.
    - ``prepare=False``: only that one; nothing new is read (an answer not yet applied still
      leaves its events waiting in the database). ``answered``: the events of that answer, still
      waiting in the database, counted as on the wire (the township's note of what is waiting).
    """
    while len(inflight) < depth:
        if inflight and inflight[-1][1] is None:
            return
        if not ready and not prepare:
            return
        nxt = ready.pop() if ready else _prepare(db, client, inflight, sizer, report)
        if nxt is None:
            return  # nothing more to push: the check waits until the pushes are answered
        if nxt.batch_id is not None:
            nxt = _fit(db, nxt, sizer, _on_wire(inflight) + answered, client.encoding)
            sizer.measured(len(nxt.body), len(nxt.out), nxt.level)
        batch_id, out, body = nxt.batch_id, nxt.out, nxt.body
        inflight.append((net.submit(_timed_exchange, client, body, nxt.encoding), batch_id, out, len(body)))
        if batch_id is None:
            return


def _prepare(db: Database, client: TownshipClient, inflight: deque, sizer: BatchSizer,
             report: SyncReport) -> Prepared | None:
    """The next request, read and encoded (its size in bytes is then known before it is sent);
    None when pushes are on the wire and nothing more is waiting (the check waits for them)."""
    skip = {b for _, b, _, _ in inflight if b}
    after = max((out.last_seq for _, b, out, _ in inflight if b), default=0)
    batch_id, out = _next_batch(db, sizer.events(), after_seq=after, skip=skip,
                                ask=None if inflight else (client, report))
    if batch_id is None and inflight:
        return None
    # Only the sync's first request and the pulls after the pushes read the township's events:
    # a push behind the first pulls nothing (limit 0), so the township does not walk this
    # laptop's own events that it has just stored, again and again.
    # The queue's last push pulls too: if its answer then shows both sides agree, the sync is
    # done without a request of its own for the check (a small sync: one round trip).
    limit = PULL_LIMIT if batch_id is None or out.last or (not inflight and client.requests_made == 0) else 0
    out.pulls = limit > 0
    return _encoded(db, batch_id, out, limit, sizer.level(), _on_wire(inflight), client.encoding)


# A batch at least this large, on a fast link, sends its events' data as stored (``Outgoing.columns``):
# there the laptop's CPU is the time. Smaller batches (the first ones, a weak or cutting link) keep
# the grouped form, where it saves the most bytes (measured, zstd fast level: 125 against 136 bytes
# a record in 200-event batches, 112 against 125 in 500-event ones).
DATA_ROWS_MIN = 200


def _encoded(db: Database, batch_id: str | None, out: "Outgoing", limit: int, level: int, on_wire: int,
             encoding: str) -> Prepared:
    cursor = state.cursor(db)
    rows = level <= BatchSizer.FAST_LEVEL and len(out) >= DATA_ROWS_MIN
    msg = _message(db, batch_id, out, limit=limit, on_wire=on_wire, cursor=cursor, data_rows=rows)
    return Prepared(batch_id, out, p.compress(msg, level, encoding), limit, level, cursor, encoding)


def _on_wire(inflight: deque) -> int:
    """Events in the pushes on the wire."""
    return sum(len(out) for _, b, out, _ in inflight if b)


def _fit(db: Database, push: Prepared, sizer: BatchSizer, on_wire: int, encoding: str) -> Prepared:
    """A push as it should go now:
    - encoded again at a higher zlib level if it was prepared for a faster link than the one met
      (there bytes are the time), or if it pulls and the cursor has moved since (an answer that
      came meanwhile brought events: they are not asked for twice);
    - cut down (fewer events, a new batch id) until it fits the link's budget."""
    batch_id, out, limit = push.batch_id, push.out, push.limit
    assert batch_id is not None
    if sizer.level() > push.level or (limit and push.cursor != state.cursor(db)) or encoding != push.encoding:
        push = _encoded(db, batch_id, out, limit, max(push.level, sizer.level()), on_wire, encoding)
    for _ in range(6):
        if not sizer.too_big(len(push.body), len(out)):
            break
        keep = max(sizer.low, int(len(out) * sizer.limit() / len(push.body) * 0.9))
        with transaction(db, durable=False):
            state.drop_outbox(db, batch_id)
            batch_id = state.new_batch_id()
            out = out.head(keep)
            out.pulls = limit > 0
            state.put_outbox(db, batch_id, "http", out.ids)
        push = _encoded(db, batch_id, out, limit, push.level, on_wire, encoding)
    return push


def _timed_exchange(client: TownshipClient, body: bytes, encoding: str) -> tuple[dict, float]:
    """One round trip on a network thread: (the answer, the seconds it took)."""
    started = time.monotonic()
    reply = client.exchange(body, encoding)
    return reply, time.monotonic() - started


def _unprepare(db: Database, ready: list[Prepared]) -> None:
    """Forget the push prepared ahead. A new batch never went on the wire: it leaves the outbox
    (no need to ask the township about it) and its events are cut anew for the link as it is now.
    One taken from the outbox may have gone in an earlier sync: it stays there, to be asked about."""
    with transaction(db, durable=False):
        for item in ready:
            if item.batch_id is not None and item.out.fresh:
                state.drop_outbox(db, item.batch_id)
    ready.clear()


def _drain(db: Database, inflight: deque, report: SyncReport) -> None:
    """Wait for the requests still on the wire and apply the acknowledgements that arrive (in the
    order sent); a batch whose answer did not arrive stays in the outbox."""
    for future, batch_id, out, _ in inflight:
        try:
            reply, _took = future.result()
        except Exception:  # noqa: BLE001 - its batch stays in the outbox either way
            continue
        if batch_id is not None:
            try:
                _apply_reply(db, reply, batch_id, out.ids, report, sent_seqs=out.seqs)
            except (VillageError, ValueError, TypeError):
                pass  # a malformed answer: the batch stays in the outbox and goes again
    inflight.clear()


def _message(db: Database, batch_id: str | None, out: Outgoing, limit: int = PULL_LIMIT, *, on_wire: int = 0,
             cursor: int | None = None, data_rows: bool = False) -> dict:
    """A sync request. ``pending`` tells the township how many events the laptop still has to send
    once this request is stored (the console shows it): for a push, those waiting less this batch
    and the pushes on the wire (``on_wire`` events)."""
    waiting = state.count_waiting(db)
    if batch_id is not None:
        waiting = max(0, waiting - on_wire - len(out))
    msg = p.sync_request(cursor=state.cursor(db) if cursor is None else cursor, batch_id=batch_id,
                         columns=out.columns(data_rows=data_rows) if batch_id is not None else None,
                         limit=limit, pending=waiting, own=state.pull_own(db))
    if batch_id is None:
        msg["check"] = out.check = state.check(db)
    return msg


def _next_batch(db: Database, size: int, *, after_seq: int = 0, skip: set[str] | None = None,
                ask: tuple[TownshipClient, SyncReport] | None = None) -> tuple[str | None, Outgoing]:
    """The batch to send: one in the outbox (same id) if it still fits, else a fresh one.

    - ``after_seq``/``skip``: the batch on the wire right now, which the next one must not repeat.
    - ``ask``: with nothing on the wire, a batch too big to send again is first asked about (a
      request of ~100 bytes): if the link broke while the township's answer was on its way, the
      township has it, and its events need not cross the weak link a second time.
    """
    for batch_id, ids in state.outbox(db, "http", skip=skip or ()):
        if len(ids) <= size:
            rows = state.rows_by_id(db, ids)
            if rows:
                return batch_id, Outgoing(rows)
        if ask is not None and ids and _asked(db, batch_id, ids, *ask):
            continue  # it had arrived: acknowledged now
        # Too big for the link now (or already done): its events are sent again in smaller batches;
        # the township recognises any it already stored by their ids.
        with transaction(db, durable=False):
            state.drop_outbox(db, batch_id)
    rows = state.waiting_rows(db, size, after_seq=after_seq)
    if not rows:
        return None, Outgoing([])
    batch_id = state.new_batch_id()
    out = Outgoing(rows, last=len(rows) < size, fresh=True)
    with transaction(db, durable=False):
        state.put_outbox(db, batch_id, "http", out.ids)
    return batch_id, out


def _asked(db: Database, batch_id: str, ids: list[str], client: TownshipClient, report: SyncReport) -> bool:
    """Ask the township whether it has this batch; if so apply its acknowledgement (True)."""
    try:
        # A sync request like any other (so the township's note of what is waiting stays right),
        # pulling nothing.
        msg = p.sync_request(cursor=state.cursor(db), limit=0, pending=state.count_waiting(db))
        reply = client.exchange({**msg, "ask": batch_id})
    except SyncError:
        return False  # unknown: the events go again (the township would skip what it has)
    asked = reply.get("asked")
    ack = asked.get("ack") if isinstance(asked, dict) and asked.get("batch") == batch_id else None
    if not isinstance(ack, dict) or ack.get("batch") != batch_id:
        return False
    _apply_reply(db, {"ack": {**ack, "again": True}, "events": {"n": 0}, "cursor": state.cursor(db)}, batch_id, ids,
                 report)
    return True


def _apply_reply(db: Database, reply: dict, batch_id: str | None, sent_ids: list[str], report: SyncReport, *,
                 sent_seqs: list[int] | None = None) -> bool:
    """Apply one answer in one transaction: acknowledgement, pulled events, cursor.

    - ``sent_seqs``: the pushed events' ``seq`` (ascending, as ``sent_ids``), when known: they are
      then marked by range if that range holds exactly them (``state.mark_acknowledged``).
    """
    ack = reply.get("ack")
    try:
        pulled_raw = p.decode_events(reply.get("events", {"n": 0}))
    except p.ProtocolError as exc:
        raise VillageError("sync_refused", **_said("bad_answer", str(exc))) from None
    pulled, bad = [], 0
    settings = settings_store.load(db)
    for raw in pulled_raw:
        try:
            e = validate_event(raw)
        except EventError:
            bad += 1
            continue
        if e.village != settings.village_code:
            bad += 1
            continue
        pulled.append(e)
    new_cursor = reply.get("cursor")
    if not isinstance(new_cursor, int) or new_cursor < 0:
        raise VillageError("sync_refused", **_said("bad_answer", "乡镇服务器的回复不对（cursor）。"))
    with transaction(db, durable=False):
        if batch_id is not None:
            if not isinstance(ack, dict) or ack.get("batch") != batch_id:
                raise VillageError("sync_refused", **_said("bad_answer", "乡镇服务器的回复不对（ack）。"))
            refused = [r for r in ack.get("refused", []) if isinstance(r, dict)]
            refused_ids = {r.get("id") for r in refused}
            if refused_ids or sent_seqs is None:
                state.mark_known(db, [i for i in sent_ids if i not in refused_ids] if refused_ids else sent_ids)
            else:
                state.mark_acknowledged(db, sent_seqs, sent_ids)
            if refused:
                state.quarantine(db, refused)
                state.log(db, "refused", {"count": len(refused), "codes": sorted({str(r.get('code')) for r in refused})})
            state.drop_outbox(db, batch_id)
            # An "again" answer repeats the first one, which never reached us: count it now.
            report.pushed += int(ack.get("stored", 0))
            report.duplicates += int(ack.get("duplicates", 0))
            report.refused += len(refused)
        if pulled:
            observe_remote(db, pulled)
            # Our own events come back only in a repair (a restored laptop): they stay ours.
            own = [e for e in pulled if e.origin == settings.device_id]
            changes = apply_events(db, [e for e in pulled if e.origin != settings.device_id], local=False)
            if own:
                changes.merge(apply_events(db, own, local=True))
                state.bump_next_seq(db, f"{settings.village_code}-{settings.device_code}-")
            report.changes.merge(changes)
            state.mark_known(db, [e.id for e in pulled])
            report.pulled += changes.new_events
        if bad:
            state.log(db, "pull_refused", {"count": bad})
        if new_cursor > state.cursor(db):
            state.set_cursor(db, new_cursor)
        if not reply.get("more") and state.pull_own(db):
            state.set_pull_own(db, False)
    return bool(reply.get("more"))


def _repair(db: Database, client: TownshipClient, theirs: object, report: SyncReport) -> None:
    """Both sides disagree: find out which events each lacks and send/fetch them again."""
    try:
        township_ids = set(client.ids())
    except SyncError as exc:
        raise _map_error(exc, report) from None
    mine = state.known_ids(db)
    missing_there = sorted(mine - township_ids)
    missing_here = len(township_ids - mine)
    own = [i for i, local in state.local_ids_known(db, missing_there) if local]
    detail = {"village": state.check(db), "township": theirs, "missing_at_township": len(missing_there),
              "resend": len(own), "missing_here": missing_here}
    with transaction(db):
        # Ours: send again. Theirs: pull everything again (storing an event twice is a no-op).
        state._set_pushed(db, own, state.WAITING)
        if missing_here:
            state.set_cursor(db, 0)
            state.set_pull_own(db, True)
        state.log(db, "repair", detail)
    report.repaired = True
    try:
        client.report("repair", detail)
    except SyncError:
        pass  # the township also logged the mismatch itself; the repair goes on regardless


# --- USB ---------------------------------------------------------------------------------------

def export_file(db: Database, path: Path) -> dict:
    """Write the waiting events (in batches) and the pull cursor to an authenticated file."""
    conn = state.connection(db)
    if not conn.enrolled:
        raise VillageError("sync_not_enrolled")
    settings = settings_store.load(db)
    batches = []
    with transaction(db):
        waiting = state.waiting_rows(db, 10**9)
        for i in range(0, len(waiting), 4000):
            part = Outgoing(waiting[i:i + 4000])
            batch_id = state.new_batch_id()
            state.put_outbox(db, batch_id, "file", part.ids)
            batches.append({"id": batch_id, "events": part.columns()})
    body = {"batches": batches, "cursor": state.cursor(db), "pending": len(waiting)}
    data = p.write_file("village-export", {"village": settings.village_code, "device": settings.device_id,
                                           "id": state.new_batch_id(), "events": len(waiting)},
                        body, p.file_key(conn.token))
    try:
        Path(path).write_bytes(data)
    except OSError:
        raise VillageError("sync_file_write", path=str(path)) from None
    with transaction(db):
        state.log(db, "exported", {"path": str(path), "events": len(waiting)})
    return {"events": len(waiting), "batches": len(batches), "bytes": len(data)}


def import_answer(db: Database, path: Path) -> SyncReport:
    """Apply the township's answer file: acknowledgements, the township's events, the cursor.
    Importing the same answer twice changes nothing."""
    conn = state.connection(db)
    if not conn.enrolled:
        raise VillageError("sync_not_enrolled")
    try:
        raw = Path(path).read_bytes()
    except OSError:
        raise VillageError("file_missing", path=str(path)) from None
    try:
        head, body = p.read_file(raw, p.file_key(conn.token), "township-answer")
    except p.ProtocolError as exc:
        raise VillageError("sync_file_bad", **_said(exc.code, str(exc))) from None
    settings = settings_store.load(db)
    if head.get("village") != settings.village_code or head.get("device") != settings.device_id:
        raise VillageError("sync_file_bad", **_said("wrong_file_owner", "这个文件是给别的村或别的电脑的。"))
    report = SyncReport()
    try:
        for ack in body.get("acks", []):
            if not isinstance(ack, dict):
                continue
            ids = state.outbox_ids(db, str(ack.get("batch")))
            if ids is None:
                continue  # already applied (the file imported before), or from an older export
            _apply_reply(db, {"ack": ack, "events": {"n": 0}, "cursor": state.cursor(db)}, ack["batch"], ids, report)
        pages = body.get("pages", [])
        for i, page in enumerate(pages if isinstance(pages, list) else []):
            last = i == len(pages) - 1
            cursor = body.get("cursor", 0) if last else state.cursor(db)
            _apply_reply(db, {"ack": None, "events": page, "cursor": cursor}, None, [], report)
    except VillageError as exc:
        if exc.kind != "sync_refused":
            raise
        # A part of the file that cannot be read: the file is bad, nothing was refused by anyone.
        raise VillageError("sync_file_bad", message=exc.params.get("message", ""),
                           message_en="the file's content could not be read.") from None
    report.check_ok = body.get("check") == state.check(db)
    with transaction(db):
        state.log(db, "imported", {"path": str(path), "pushed": report.pushed, "pulled": report.pulled,
                                   "check_ok": report.check_ok})
    report.waiting = state.count_waiting(db)
    report.quarantined = state.count_quarantined(db)
    return report


def refused_records(db: Database) -> list[dict]:
    return state.quarantined(db)


def retry_refused(db: Database, event_ids: list[str]) -> int:
    with transaction(db):
        return state.release_quarantine(db, event_ids)
