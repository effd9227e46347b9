"""End to end: the real township server on loopback (pytest-django's live server) and the real
village client, over HTTP (issue 4)."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from sync import protocol as p
from sync.client import SyncError, TownshipClient
from sync.township import models as m
from sync.township import operations as ops
from villageagent.domain.errors import VillageError
from villageagent.services import clock
from villageagent.services import sync as service
from villageagent.storage import queries
from villageagent.storage import sync_state as state

pytestmark = pytest.mark.django_db(transaction=True)


def _no_sleep(_: float) -> None:
    return None


def _server_events(code: str = "LTA01") -> int:
    return m.Event.objects.filter(village__code=code).count()


def test_enroll_push_step_pull_and_quiet_sync_is_one_request(enrolled, add_errands):
    db = enrolled()
    ids = add_errands(db, 3)
    report = service.sync_now(db, sleep=_no_sleep)
    assert report.pushed == 7 and report.check_ok is True  # resident + 3 creates + 3 submits
    assert m.Errand.objects.get(entity_id=ids[0]).status == "submitted"
    ops.take_step(ids[0], "accepted", actor="clerk")
    ops.take_step(ids[1], "returned", reason="缺少户口簿复印件", actor="clerk")
    report = service.sync_now(db, sleep=_no_sleep)
    assert report.pulled == 2 and report.check_ok is True
    assert queries.get_errand(db, ids[0])["status"] == "accepted"
    returned = queries.get_errand(db, ids[1])
    assert returned["status"] == "returned" and returned["reason"] == "缺少户口簿复印件"
    quiet = service.sync_now(db, sleep=_no_sleep)
    assert quiet.requests == 1 and quiet.pushed == 0 and quiet.pulled == 0 and quiet.check_ok is True
    # The pull that brought the township's steps was no mismatch (the village had not pulled them yet).
    assert not m.SyncIncident.objects.filter(kind="mismatch").exists()


def test_enrolling_tells_a_nameless_village_its_name(live_server, village_factory):
    """A code issued with only the village code (``township-center enroll LTA01``): staff then see
    the village by the name its laptop has."""
    code, _ = ops.issue_enrollment_code("LTA01")
    assert m.Village.objects.get(code="LTA01").name == ""
    service.enroll(village_factory("LTA01"), live_server.url, code)
    assert m.Village.objects.get(code="LTA01").name == "枫林村"


def test_a_refused_enrollment_is_said_in_the_laptops_language(live_server, village_factory, monkeypatch):
    """The township answers in Chinese; a laptop switched to English says it in English."""
    import re

    database = village_factory("LTA01")
    ops.issue_enrollment_code("LTA01")
    monkeypatch.setenv("VILLAGEAGENT_LANG", "zh")
    with pytest.raises(VillageError) as info:
        service.enroll(database, live_server.url, "WXYZ-WXYZ")
    assert info.value.message() == "登记没有成功：登记码不对，请核对乡镇给的登记码。"
    monkeypatch.setenv("VILLAGEAGENT_LANG", "en")
    text = info.value.message()
    assert text == "Enrollment failed: The enrollment code is wrong; check the code the township gave."
    assert not re.search(r"[\u4e00-\u9fff]", text)


def test_every_refusal_of_the_township_has_the_laptops_english():
    """A new refusal code on the township fails here until the laptop can say it in English."""
    import inspect
    import re

    assert set(ops.REFUSALS) <= set(service.TOWNSHIP_ENGLISH)
    # Every refusal ``enroll_device`` can answer.
    enrollment = set(re.findall(r'TownshipError\("([a-z_]+)"', inspect.getsource(ops.enroll_device)))
    assert len(enrollment) >= 6 and enrollment <= set(service.TOWNSHIP_ENGLISH)


def test_the_townships_refusal_of_a_sync_is_said_in_english():
    from sync.client import SyncError

    said = service._map_error(SyncError("bad_events", "列 id 的长度不对。", retryable=False))
    assert said.message("zh") == "乡镇服务器拒绝了同步：列 id 的长度不对。"
    assert said.message("en") == "The township refused the sync: the records this laptop sent could not be read."
    # A text already in English is passed on as it is; one only in Chinese is named by its code.
    assert service._map_error(SyncError("http_error", "HTTP 404", retryable=False)).message("en").endswith("HTTP 404")
    assert service._map_error(SyncError("odd_code", "奇怪", retryable=False)).message("en").endswith('"odd_code".')
    # A message passed on without an English one is still a sentence, not a template.
    assert VillageError("sync_refused", message="x").message("en") == "The township refused the sync: x"


def test_a_small_push_and_its_check_take_one_round_trip(enrolled, add_errands):
    # The queue's last push also pulls, and the township's count and digest come back with it:
    # when they equal the laptop's, no request of its own is needed for the check.
    db = enrolled()
    add_errands(db, 3)
    report = service.sync_now(db, sleep=_no_sleep)
    assert report.requests == 1 and report.pushed == 7 and report.check_ok is True
    assert state.count_waiting(db) == 0
    assert state.last_result(db)["requests"] == 1  # the status bar's line counts it too
    assert m.Device.objects.get().pending_reported == 0  # the console shows nothing left to come
    assert not m.SyncIncident.objects.exists()


class _StaleCheck(TownshipClient):
    """Every push's answer carries a count the laptop cannot match (as if a push of the same
    sync were stored after it)."""

    def exchange(self, msg, encoding=None):
        reply = super().exchange(msg, encoding)
        plain = p.decompress(msg) if isinstance(msg, bytes) else msg
        if "batch" in plain:
            reply["check"] = {"count": 0, "digest": "0" * 32}
        return reply


def test_a_push_answer_that_does_not_match_is_followed_by_the_check_request(enrolled, add_errands):
    db = enrolled()
    add_errands(db, 3)
    report = service.sync_now(db, client_factory=lambda conn: _StaleCheck(conn.url, conn.token), sleep=_no_sleep)
    # The separate pull-and-check request ran, found both sides equal, and nothing was repaired.
    assert report.requests == 2 and report.check_ok is True and not report.repaired
    assert not m.SyncIncident.objects.filter(kind="mismatch").exists()


def test_the_later_of_two_township_answers_is_the_one_with_more_events():
    a, b = {"count": 5, "digest": "a" * 32}, {"count": 9, "digest": "b" * 32}
    assert service._later_check(None, a) == a
    assert service._later_check(a, b) == b and service._later_check(b, a) == b
    assert service._later_check(b, None) == b and service._later_check(b, {"count": "9"}) == b


class _FailOneInFlight(TownshipClient):
    """The 5th push never reaches the township (the link broke as it was sent); the pushes sent
    beside it get through. Records which batches were sent, answered and asked about."""

    lock = threading.Lock()
    pushes = 0
    answered: list[str] = []
    sent: list[str] = []
    asked: list[str] = []
    log: list[tuple[str, str]] = []

    def exchange(self, msg, encoding=None):
        plain = p.decompress(msg) if isinstance(msg, bytes) else msg
        cls = type(self)
        batch = plain.get("batch", {}).get("id")
        with cls.lock:
            if "ask" in plain:
                cls.asked.append(plain["ask"])
                cls.log.append(("ask", plain["ask"]))
            if batch:
                cls.pushes += 1
                cls.sent.append(batch)
                cls.log.append(("sent", batch))
                fail = cls.pushes == 5
            else:
                fail = False
        if fail:
            time.sleep(0.2)  # the pushes behind it are answered meanwhile
            raise SyncError("link_failed", "cut", retryable=True)
        reply = super().exchange(msg, encoding)
        if batch:
            with cls.lock:
                cls.answered.append(batch)
                cls.log.append(("answered", batch))
        return reply


def test_answers_behind_a_failed_request_are_kept_not_sent_again(enrolled, add_errands):
    from sync.client import BatchSizer

    db = enrolled()
    add_errands(db, 200, submit=False)
    waiting = state.count_waiting(db)
    cls = _FailOneInFlight
    # Small batches, so the sync reaches its pipelined part (several pushes on the wire at once).
    report = service.sync_now(db, client_factory=lambda conn: cls(conn.url, conn.token), sleep=_no_sleep,
                              sizer=BatchSizer(size=20, high=20))
    # (The test server may also refuse a request of the pipeline now and then: its threads share
    # one in-memory database. Any such retry comes on top of the one provoked here.)
    assert report.retries >= 1 and report.check_ok is True and state.count_waiting(db) == 0
    failed = cls.sent[4]
    assert len(cls.sent) > 6  # pushes were on the wire behind the failed one
    # Once the township's answer to a batch had arrived, the batch never went over the link
    # again and was never asked about: an answer that arrived behind the failed request was
    # applied, not thrown away. (A request the test server itself drops may be sent again
    # before it is answered; that is the ordinary retry.)
    done: set[str] = set()
    for what, b in cls.log:
        assert not (what in ("sent", "ask") and b in done), (what, b)
        if what == "answered":
            done.add(b)
    assert any(i > cls.sent.index(failed) for i in map(cls.sent.index, cls.answered))  # some came after it
    assert _server_events() == waiting
    assert not m.Batch.objects.filter(accepted=0, duplicates__gt=0).exists()


def test_a_push_prepared_ahead_goes_before_the_last_answer_is_written_unless_it_would_pull_twice(
        enrolled, add_errands, monkeypatch):
    from sync.client import BatchSizer

    db = enrolled()
    first = add_errands(db, 3)
    assert service.sync_now(db, sleep=_no_sleep).check_ok is True
    ops.take_step(first[0], "accepted", actor="clerk")  # the next sync's first request pulls this
    add_errands(db, 60, submit=False)
    log: list[tuple] = []  # on the sync's own thread, in order: each push as it goes, each answer written
    applied, fit = service._apply_reply, service._fit

    def apply(db_, reply, batch_id, *args, **kwargs):
        log.append(("applied", batch_id, (reply.get("events") or {}).get("n")))
        return applied(db_, reply, batch_id, *args, **kwargs)

    def fitted(*args, **kwargs):
        push = fit(*args, **kwargs)  # the push as it goes on the wire, right after this
        log.append(("sent", push.batch_id, push.limit))
        return push

    monkeypatch.setattr(service, "_apply_reply", apply)
    monkeypatch.setattr(service, "_fit", fitted)
    report = service.sync_now(db, sleep=_no_sleep, sizer=BatchSizer(size=20, high=20))
    assert report.check_ok is True and report.pulled == 1 and state.count_waiting(db) == 0
    assert queries.get_errand(db, first[0])["status"] == "accepted"
    # Two pushes, both pulling (the first request of a sync, the queue's last), and the first
    # answer brings the township's step: the second waits for it to be written.
    ops.take_step(first[1], "accepted", actor="clerk")
    add_errands(db, 25, submit=False)
    report = service.sync_now(db, sleep=_no_sleep, sizer=BatchSizer(size=20, high=20))
    assert report.check_ok is True and report.pulled == 1 and state.count_waiting(db) == 0
    assert queries.get_errand(db, first[1])["status"] == "accepted"
    pushes = [e for e in log if e[0] == "sent" and e[1]]
    assert len(pushes) >= 6
    early = waited = 0
    for k, push in enumerate(pushes[1:]):
        before = pushes[k]  # the push sent just before this one
        sent_at, answer_at = log.index(push), log.index(next(e for e in log if e[:2] == ("applied", before[1])))
        answer = log[answer_at]
        if push[2] and answer[2]:
            # It asks for the township's events, and the answer before it brought some: it waits
            # until they are written (else it would ask for them again).
            assert sent_at > answer_at, (push, answer)
            waited += 1
        early += sent_at < answer_at
    assert waited == 1
    assert early >= 3  # the others did not wait for the laptop to write the answer down
    assert _server_events() == m.Event.objects.count()


class _LoseFirstAck(TownshipClient):
    """The township stores the batch, but its answer never arrives (the first time)."""

    lost = 0

    def exchange(self, msg, encoding=None):
        reply = super().exchange(msg, encoding)
        if isinstance(msg, bytes):
            msg = p.decompress(msg)
        if "batch" in msg and _LoseFirstAck.lost == 0:
            _LoseFirstAck.lost += 1
            raise SyncError("link_failed", "lost", retryable=True)
        return reply


def test_lost_acknowledgement_batch_resent_without_duplicates(enrolled, add_errands):
    db = enrolled()
    add_errands(db, 5)
    sent_ids = []

    def factory(conn):
        return _LoseFirstAck(conn.url, conn.token)

    report = service.sync_now(db, client_factory=factory, sleep=_no_sleep)
    assert _LoseFirstAck.lost == 1 and report.retries == 1
    assert m.Batch.objects.count() == 1  # the resent batch was recognised, not stored again
    assert _server_events() == db.execute("select count(*) from events").fetchone()[0]
    assert state.count_waiting(db) == 0 and report.check_ok is True
    sent_ids.append(m.Batch.objects.get().batch_id)
    assert m.Batch.objects.get().accepted == 11


class _CutProxy:
    """A TCP proxy that cuts the first ``cuts`` connections after ``limit`` bytes from the client
    (and counts the connections made to it: ``accepted``)."""

    def __init__(self, target: tuple[str, int], limit: int, cuts: int):
        self.target, self.limit, self.cuts = target, limit, cuts
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.cut_done = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._pair, args=(client,), daemon=True).start()

    @staticmethod
    def _back(upstream: socket.socket, client: socket.socket) -> None:
        """The server's answers back to the client (on a thread of its own)."""
        try:
            while data := upstream.recv(65536):
                client.sendall(data)
            # Half-close after the data: closing with unread bytes would send a reset that
            # can destroy the answer before the client reads it.
            client.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _pair(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        cut = self.cut_done < self.cuts
        if cut:
            self.cut_done += 1
        sent = 0
        threading.Thread(target=self._back, args=(upstream, client), daemon=True).start()
        try:
            while data := client.recv(65536):
                if cut and sent + len(data) > self.limit:
                    upstream.sendall(data[: self.limit - sent])
                    break
                sent += len(data)
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    def close(self) -> None:
        self.sock.close()


class _LoseFirstAckCounting(TownshipClient):
    """The answer to the first batch is lost (the township stored it); counts the events each
    request carries and the questions asked."""

    lost = 0
    events_sent = 0
    first: str | None = None
    asked: list[str] = []
    lock = threading.Lock()

    def exchange(self, msg, encoding=None):
        plain = p.decompress(msg) if isinstance(msg, bytes) else msg
        cls = type(self)
        with cls.lock:
            if "batch" in plain:
                cls.events_sent += plain["batch"]["events"]["n"]
                cls.first = cls.first or plain["batch"]["id"]
            if "ask" in plain:
                cls.asked.append(plain["ask"])
        reply = super().exchange(msg, encoding)
        if "batch" in plain and plain["batch"]["id"] == cls.first and cls.lost == 0:
            cls.lost += 1
            raise SyncError("link_failed", "lost", retryable=True)
        return reply


def test_lost_answer_to_a_big_batch_is_asked_about_not_sent_again(enrolled, add_errands):
    # After the failure the batch is too big for the shrunken link, so it is not resent as it
    # was; the client asks the township about it instead (~100 bytes) and learns it arrived.
    db = enrolled()
    add_errands(db, 150)  # ~300 events: the first batch (200) is bigger than the sizer allows after a failure
    waiting = state.count_waiting(db)
    cls = _LoseFirstAckCounting

    report = service.sync_now(db, client_factory=lambda conn: cls(conn.url, conn.token), sleep=_no_sleep)
    assert cls.lost == 1 and report.retries == 1 and cls.first in cls.asked
    assert cls.events_sent == waiting  # every event crossed the link once
    assert report.pushed == waiting and state.count_waiting(db) == 0 and report.check_ok is True
    assert _server_events() == waiting


def test_asking_about_a_batch_keeps_the_waiting_count(enrolled, add_errands):
    # The question is a sync request too: the township's note of what the laptop has waiting
    # (shown in the console) must not drop to 0 because of it.
    db = enrolled()
    add_errands(db, 3)
    waiting = state.count_waiting(db)
    conn = state.connection(db)
    client = TownshipClient(conn.url, conn.token)
    assert service._asked(db, "c" * 32, ["unused"], client, service.SyncReport()) is False  # never sent
    client.close()
    assert waiting > 0 and m.Device.objects.get().pending_reported == waiting


def test_ask_about_a_batch_stores_nothing(enrolled, live_server):
    enrolled()
    device = m.Device.objects.get()
    token_client = TownshipClient(live_server.url)
    assert ops._asked(device, "b" * 32) == {"batch": "b" * 32, "ack": None}
    assert not m.Batch.objects.exists()
    with pytest.raises(p.ProtocolError):
        ops._asked(device, "no spaces allowed")
    token_client.close()


def test_upload_cut_halfway_resumes_and_shrinks(enrolled, live_server, add_errands):
    db = enrolled()
    add_errands(db, 400, submit=False)
    host, port = live_server.url.replace("http://", "").split(":")
    proxy = _CutProxy((host, int(port)), limit=4000, cuts=3)
    try:
        def factory(conn):
            return TownshipClient(f"http://127.0.0.1:{proxy.port}", conn.token)

        report = service.sync_now(db, client_factory=factory, sleep=_no_sleep)
    finally:
        proxy.close()
    assert proxy.cut_done == 3 and 1 <= report.retries <= 3 and report.requests < 25
    local = db.execute("select count(*) from events").fetchone()[0]
    assert _server_events() == local and m.Errand.objects.count() == 400
    assert report.check_ok is True and state.count_waiting(db) == 0


@pytest.mark.parametrize("years", [1, -1])
def test_clock_a_year_wrong_still_merges(enrolled, years, add_errands):
    offset = years * 365 * 24 * 3600 * 1000
    clock.set_wall(lambda: time.time_ns() // 1_000_000 + offset)
    try:
        db = enrolled()
        ids = add_errands(db, 1)
        service.sync_now(db, sleep=_no_sleep)
        ops.take_step(ids[0], "accepted")
        ops.take_step(ids[0], "ready")
        service.sync_now(db, sleep=_no_sleep)
        assert queries.get_errand(db, ids[0])["status"] == "ready"
        from villageagent.services.errands import advance_status

        advance_status(db, ids[0], "delivered", signed_by="本人")
        report = service.sync_now(db, sleep=_no_sleep)
    finally:
        clock.set_wall(None)
    assert m.Errand.objects.get(entity_id=ids[0]).status == "delivered"
    assert report.check_ok is True


def test_usb_round_trip_tamper_and_twice(enrolled, tmp_path, add_errands):
    db = enrolled()
    ids = add_errands(db, 2)
    out = tmp_path / "usb.vasync"
    assert service.export_file(db, out)["events"] == 5
    raw = out.read_bytes()
    tampered = bytearray(raw)
    tampered[len(raw) // 2] ^= 0x01
    with pytest.raises((ops.TownshipError, p.ProtocolError)):
        ops.import_file(bytes(tampered))
    assert _server_events() == 0
    answer, summary = ops.import_file(raw)
    again, summary2 = ops.import_file(raw)
    assert summary["stored"] == 5 and summary2["stored"] == 0 and _server_events() == 5
    ops.take_step(ids[0], "accepted")
    answer2, _ = ops.import_file(raw)  # a third time: nothing stored, the step comes back
    path = tmp_path / "answer.vasync"
    path.write_bytes(answer2)
    report = service.import_answer(db, path)
    assert report.pulled == 1 and report.check_ok is True
    assert queries.get_errand(db, ids[0])["status"] == "accepted" and state.count_waiting(db) == 0
    before = db.execute("select count(*) from events").fetchone()[0]
    report2 = service.import_answer(db, path)
    assert db.execute("select count(*) from events").fetchone()[0] == before and report2.pulled == 0
    bad = tmp_path / "bad.vasync"
    bad.write_bytes(answer2.replace(b'"LTA01"', b'"LTA02"', 1))
    from villageagent.domain.errors import VillageError

    with pytest.raises(VillageError) as info:
        service.import_answer(db, bad)
    assert info.value.kind == "sync_file_bad"
    assert info.value.message("en").startswith("This sync file cannot be imported: The file was changed or damaged")
    assert "已被改动" in info.value.message("zh")


def test_replaced_laptop_restores_and_old_usb_file_still_merges(enrolled, tmp_path, add_errands):
    old = enrolled(device="dev0old00001")
    ids = add_errands(old, 3)
    service.sync_now(old, sleep=_no_sleep)
    ops.take_step(ids[0], "accepted")
    late = add_errands(old, 1)  # saved on the old laptop after its last sync
    usb = tmp_path / "old.vasync"
    service.export_file(old, usb)
    new = enrolled(device="dev0new00001", device_code="N2W")
    report = service.sync_now(new, sleep=_no_sleep)
    assert report.pulled == 8 and report.check_ok is True
    assert queries.get_errand(new, ids[0])["status"] == "accepted"
    assert new.execute("select count(*) from residents").fetchone()[0] == 1
    ops.import_file(usb.read_bytes())  # the old laptop's last records arrive by USB
    service.sync_now(new, sleep=_no_sleep)
    assert queries.get_errand(new, late[0]) is not None


def test_other_village_events_refused_and_quarantined(enrolled, add_errands):
    db = enrolled("LTA02", device="dev0ltb00001")
    add_errands(db, 1)
    # Forge an event for another village straight into this laptop's queue.
    db.execute("update events set village = 'LTA01' where seq = (select max(seq) from events)")
    report = service.sync_now(db, sleep=_no_sleep)
    assert report.refused == 1 and report.pushed == 2
    refused = service.refused_records(db)
    assert refused[0]["code"] == "wrong_village" and refused[0]["message"]
    assert state.count_waiting(db) == 0 and report.check_ok is True
    assert m.Event.objects.filter(village__code="LTA01").count() == 0


@pytest.mark.parametrize("refuse_last", [False, True])
def test_the_laptops_check_is_worked_out_while_the_last_push_travels_unless_an_answer_changes_it(
        enrolled, add_errands, monkeypatch, refuse_last):
    from sync.client import BatchSizer

    db = enrolled()
    add_errands(db, 50, submit=False)
    if refuse_last:  # the queue's last event forged for another village: the township refuses it
        db.execute("update events set village = 'LTA09' where seq = (select max(seq) from events)")
    log: list[str] = []
    check, check_after, applied = state.check, state.check_after, service._apply_reply
    # The laptop's numbers, however worked out (as they are now, or as they will be).
    monkeypatch.setattr(state, "check", lambda db_: (log.append("check"), check(db_))[1])
    monkeypatch.setattr(state, "check_after", lambda db_, ids: (log.append("check"), check_after(db_, ids))[1])

    def apply(*args, **kwargs):
        log.append("applied")
        return applied(*args, **kwargs)

    monkeypatch.setattr(service, "_apply_reply", apply)
    report = service.sync_now(db, sleep=_no_sleep, sizer=BatchSizer(size=20, high=20))
    assert report.check_ok is True and report.requests == 3 and report.refused == int(refuse_last)
    assert state.count_waiting(db) == 0
    last = len(log) - 1 - log[::-1].index("applied")
    if refuse_last:
        # The last answer refused an event: the numbers worked out ahead no longer stand, and the
        # laptop's are counted again after it (without the refused event, as the township's).
        assert "check" in log[last:]
    else:
        assert "check" in log[:last] and "check" not in log[last:]  # worked out while it travelled
    assert state.check(db)["count"] == m.Event.objects.count()
    assert not m.SyncIncident.objects.filter(kind="mismatch").exists()


class _Pending(TownshipClient):
    """Notes each push's ``pending`` (what the laptop says it still has to send after it)."""

    seen: list[tuple[int, int]] = []

    def exchange(self, msg, encoding=None):
        plain = p.decompress(msg, encoding=encoding or self.encoding) if isinstance(msg, bytes) else msg
        if "batch" in plain:
            type(self).seen.append((plain["batch"]["events"]["n"], plain["pending"]))
        return super().exchange(msg, encoding)


def test_a_push_sent_before_the_last_answer_is_written_reports_what_is_left_rightly(enrolled, add_errands):
    # Round trips that count as slow: the push read ahead (at the fast level) is encoded again at
    # the slow one as it goes, before the answer ahead of it is written down; the events of that
    # answer are still waiting in the database then, and must not be counted as left to send.
    from sync.client import BatchSizer

    db = enrolled()
    add_errands(db, 59, submit=False)  # a resident and 59 errands: 60 events, 3 pushes of 20
    _Pending.seen = []
    report = service.sync_now(db, client_factory=lambda conn: _Pending(conn.url, conn.token, encoding=conn.encoding),
                              sleep=_no_sleep, sizer=BatchSizer(size=20, high=20, fast_seconds=1e-9))
    assert report.check_ok is True and report.pushed == 60
    assert _Pending.seen == [(20, 40), (20, 20), (20, 0)]
    assert m.Device.objects.get().pending_reported == 0


def test_revoked_and_unknown_tokens_refused(enrolled, live_server, add_errands):
    db = enrolled()
    conn = state.connection(db)
    bad = TownshipClient(live_server.url, "not-a-token")
    with pytest.raises(SyncError) as info:
        bad.exchange(p.sync_request(cursor=0))
    assert info.value.code == "token_invalid" and info.value.status == 401
    ops.revoke_device(m.Device.objects.get())
    from villageagent.domain.errors import VillageError

    add_errands(db, 1)
    with pytest.raises(VillageError) as err:
        service.sync_now(db, sleep=_no_sleep)
    assert err.value.kind == "sync_revoked"
    assert _server_events() == 0 and conn.token


def test_township_restored_from_old_backup_is_repaired(enrolled, add_errands):
    db = enrolled()
    add_errands(db, 2)
    service.sync_now(db, sleep=_no_sleep)
    # The township loses the last event (as if its database came back from an older backup).
    lost = m.Event.objects.order_by("-seq").first()
    village = m.Village.objects.get(code="LTA01")
    village.event_count -= 1
    village.digest = f"{int(village.digest, 16) ^ lost.event_id.int:032x}"
    village.save()
    lost.delete()
    report = service.sync_now(db, sleep=_no_sleep)
    assert report.repaired is True and report.check_ok is True
    assert m.Event.objects.filter(event_id=lost.event_id).exists()
    assert m.SyncIncident.objects.filter(kind="repair").exists()
    assert any(r["kind"] == "repair" for r in state.recent_log(db))


def test_restored_laptop_gets_its_own_later_errands_back_and_numbers_go_on(enrolled, add_errands, tmp_path):
    # Issue 6 case 6 found the own-events gap; this also guards the numbering after the repair.
    from pathlib import Path

    from villageagent.storage import db as storage_db

    db = enrolled()
    add_errands(db, 2)
    service.sync_now(db, sleep=_no_sleep)
    backup = storage_db.backup_now(db, tmp_path / "backups")
    add_errands(db, 2)
    service.sync_now(db, sleep=_no_sleep)
    path = Path(db.conn.execute("pragma database_list").fetchone()[2])
    db.close()
    storage_db.restore(path, backup, tmp_path / "backups")
    db = storage_db.open_db(path)
    try:
        report = service.sync_now(db, sleep=_no_sleep)
        assert report.repaired and report.check_ok is True
        numbers = {r[0] for r in db.execute("select number from errands")}
        assert len(numbers) == 4
        assert db.execute("select count(*) from events where local = 1").fetchone()[0] == \
            db.execute("select count(*) from events").fetchone()[0]
        new = add_errands(db, 1)
        assert queries.get_errand(db, new[0])["number"] not in numbers
    finally:
        db.close()


def test_roster_and_catalog_flow_down_and_payouts_come_back(enrolled):
    from villageagent.services.errands import advance_status

    db = enrolled()
    ops.publish_catalog("2099.01-1", [{"code": "B001", "name": "耕地地力保护补贴", "kind": "subsidy",
                                       "promised_days": 30}])
    roster = ops.publish_roster("LTA01", item_code="B001", title="2026年3月耕地地力保护补贴", month="2026-03",
                                lines=[ops.RosterLine("430223195001010011", "张桂英", 12000)], actor="财政所")
    report = service.sync_now(db, sleep=_no_sleep)
    assert report.check_ok is True
    assert db.execute("select value from settings where key = 'catalog_version'").fetchone()[0] == '"2099.01-1"'
    row = db.execute("select id, status, amount_fen, roster_id from errands where kind = 'subsidy'").fetchone()
    assert row[1:] == ("listed", 12000, roster.entity_id)
    assert db.execute("select name from residents").fetchone()[0] == "张桂英"
    advance_status(db, row[0], "paid", paid_fen=12000)
    service.sync_now(db, sleep=_no_sleep)
    errand = m.Errand.objects.get(entity_id=row[0])
    assert errand.status == "paid" and errand.paid_fen == 12000


class _Recording(TownshipClient):
    """Notes each push as it goes: (content coding, data as stored or grouped, events)."""

    pushes: list[tuple[str, bool, int]] = []

    def exchange(self, msg, encoding=None):
        coding = encoding or self.encoding
        plain = p.decompress(msg) if isinstance(msg, bytes) else msg
        if "batch" in plain:
            events = plain["batch"]["events"]
            type(self).pushes.append((coding, "data" in events, events["n"]))
        return super().exchange(msg, encoding)


def test_the_laptop_learns_zstd_at_enrollment_and_sends_large_batches_as_stored(enrolled, add_errands):
    db = enrolled()
    assert state.connection(db).encoding == "zstd"  # the township's answer to the enrollment said so
    add_errands(db, 400)
    _Recording.pushes = []
    report = service.sync_now(db, client_factory=lambda conn: _Recording(conn.url, conn.token, encoding=conn.encoding),
                              sleep=_no_sleep)
    assert report.check_ok and report.pushed == db.execute("select count(*) from events where local = 1").fetchone()[0]
    assert {c for c, _, _ in _Recording.pushes} == {"zstd"}
    forms = {(rows, n >= service.DATA_ROWS_MIN) for _, rows, n in _Recording.pushes}
    # Large batches on the fast link go as stored, the first one too (on a link not yet known its
    # bytes are capped anyway, and the township then waits least for it).
    assert (True, True) in forms and (False, True) not in forms
    assert (True, False) not in forms  # never a small one
    local = {r[0]: json.loads(r[1]) for r in db.execute("select id, data from events where local = 1")}
    origins = {r[0] for r in db.execute("select origin from events where local = 1")}
    stored = {str(e.event_id): e.data for e in m.Event.objects.filter(origin__in=origins)}
    assert stored == local  # every event once, its data as the laptop holds it


def test_the_first_push_goes_over_the_connection_opened_ahead(enrolled, live_server, add_errands):
    db = enrolled()
    add_errands(db, 3)
    host, port = live_server.url.removeprefix("http://").split(":")
    proxy = _CutProxy((host, int(port)), limit=0, cuts=0)  # cuts nothing; counts the connections
    opened: list[TownshipClient] = []

    class _Ahead(TownshipClient):
        def connect_ahead(self, executor) -> None:
            super().connect_ahead(executor)
            opened.append(self)

    try:
        with ThreadPoolExecutor(1) as net:
            client = TownshipClient(f"http://127.0.0.1:{proxy.port}", state.connection(db).token)
            client.connect_ahead(net)
            deadline = time.monotonic() + 5
            while proxy.accepted < 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert proxy.accepted == 1  # opened before any request
            client.exchange(p.sync_request(cursor=0, limit=0))
            assert proxy.accepted == 1 and client.requests_made == 1  # the request took that connection
            client.close()
        # A sync that has something to push opens its connection ahead, and its request waits
        # for that one instead of opening another beside it (three small errands: reading and
        # compressing them is quicker than a connection).
        for _ in range(3):
            add_errands(db, 1)
            before = proxy.accepted
            report = service.sync_now(db, sleep=_no_sleep,
                                      client_factory=lambda conn: _Ahead(f"http://127.0.0.1:{proxy.port}", conn.token))
            assert report.pushed > 0 and report.requests == 1 and report.check_ok is True
            assert proxy.accepted == before + 1
        assert len(opened) == 3
        # Nothing waiting: no connection ahead (the one request opens its own).
        opened.clear()
        quiet = service.sync_now(db, sleep=_no_sleep,
                                 client_factory=lambda conn: _Ahead(f"http://127.0.0.1:{proxy.port}", conn.token))
        assert quiet.requests == 1 and not opened and proxy.accepted == 5
    finally:
        proxy.close()


def test_opening_ahead_to_no_township_raises_nothing_and_the_request_reports_it():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # closed again: nothing listens there
    with ThreadPoolExecutor(1) as net:
        client = TownshipClient(f"http://127.0.0.1:{dead}", "t" * 40)
        client.connect_ahead(net)  # best effort: no exception, here or in the thread
        with pytest.raises(SyncError) as exc:
            client.exchange(p.sync_request(cursor=0, limit=0))
        assert exc.value.retryable
        client.start_fresh_connections()
        client.connect_ahead(net)
        assert client._ahead is None  # none at all once each request takes a fresh connection
        client.close()


def test_a_township_that_does_not_answer_costs_one_connect_timeout_not_two():
    # A listener whose queue is full: connecting to it neither succeeds nor fails.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        waiting = [socket.socket() for _ in range(4)]
        for s in waiting:
            s.setblocking(False)
            s.connect_ex(full.getsockname())
        try:
            with ThreadPoolExecutor(1) as net:
                client = TownshipClient(f"http://127.0.0.1:{full.getsockname()[1]}", "t" * 40, timeout=(0.5, 5))
                started = time.monotonic()
                client.connect_ahead(net)
                with pytest.raises(SyncError) as exc:
                    client.exchange(p.sync_request(cursor=0, limit=0))
                took = time.monotonic() - started
                client.close()
        finally:
            for s in waiting:
                s.close()
    assert exc.value.code == "link_failed" and exc.value.retryable
    assert took < 0.9, f"{took:.2f} s: the request waited for the connection ahead and then for its own"


def test_no_connection_is_opened_ahead_over_https():
    # The township's TLS 1.3 session tickets make an idle connection look readable, and urllib3
    # would drop it before the request: two handshakes instead of one.
    with ThreadPoolExecutor(1) as net:
        client = TownshipClient("https://127.0.0.1:9", "t" * 40, fingerprint="ab" * 32)
        client.connect_ahead(net)
        assert client._ahead is None
        client.close()


def test_a_netrc_entry_for_the_township_does_not_replace_the_device_token(enrolled, add_errands, tmp_path,
                                                                          monkeypatch):
    # requests would put a ~/.netrc login for the township's host in place of the token (and the
    # township would refuse every request); the client reads proxies and certificates from the
    # environment itself, once, and nothing else.
    db = enrolled()
    add_errands(db, 2)
    host = state.connection(db).url.removeprefix("http://").split(":")[0]
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine {host} login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    report = service.sync_now(db, sleep=_no_sleep)
    assert report.pushed == 5 and report.check_ok is True


class _ForwardProxy(_CutProxy):
    """An HTTP proxy for one server: the request line's absolute address becomes a path again
    (``POST http://host:port/api/v1/sync`` -> ``POST /api/v1/sync``), the rest goes as it is."""

    def __init__(self, target: tuple[str, int]):
        super().__init__(target, limit=0, cuts=0)
        self.prefix = f" http://{target[0]}:{target[1]}/".encode()
        self.forwarded = 0

    def _pair(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.target)
        threading.Thread(target=self._back, args=(upstream, client), daemon=True).start()
        try:
            while data := client.recv(65536):
                self.forwarded += data.count(self.prefix)
                upstream.sendall(data.replace(self.prefix, b" /"))
            upstream.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def test_a_proxy_from_the_environment_is_used_for_every_request_of_a_sync(enrolled, add_errands, live_server,
                                                                         monkeypatch):
    db = enrolled()
    add_errands(db, 2)
    host, port = live_server.url.removeprefix("http://").split(":")
    proxy = _ForwardProxy((host, int(port)))
    try:
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        reads = []
        environ = TownshipClient.__dict__["_settings"]

        def counted(self):
            reads.append(self._env is None)
            return environ(self)

        monkeypatch.setattr(TownshipClient, "_settings", counted)
        report = service.sync_now(db, sleep=_no_sleep)
        assert report.pushed == 5 and report.check_ok is True
        assert proxy.forwarded == report.requests  # through the proxy, not straight to the township
        assert reads.count(True) == 1 and len(reads) >= report.requests  # the environment read once
    finally:
        proxy.close()
