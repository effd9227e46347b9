"""The sync API refuses bad input with a 4xx and a machine-readable code, stores nothing, and
never answers 500 (issue 4)."""

from __future__ import annotations

import json
import uuid
import zlib

import pytest
from django.test import Client

from sync import protocol as p
from sync.hlc import Timestamp
from sync.township import models as m
from sync.township import operations as ops

pytestmark = pytest.mark.django_db


@pytest.fixture
def device_token():
    code, _ = ops.issue_enrollment_code("LTA01", village_name="枫林村")
    device, token = ops.enroll_device(code, node="dev1", village_code="LTA01")
    return token


def _post(client: Client, path: str, body: bytes, token: str | None = None, deflate: bool = True, **extra):
    headers = {"HTTP_CONTENT_ENCODING": "deflate"} if deflate else {}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(path, data=body, content_type="application/json", **headers, **extra)


def _event(**over):
    e = {"id": str(uuid.uuid4()), "hlc": Timestamp(1_770_000_000_000, 0, "dev1").encode(), "village": "LTA01",
         "origin": "dev1", "entity": "resident", "entity_id": str(uuid.uuid4()), "op": "create",
         "data": {"name": "张桂英"}, "actor": ""}
    e.update(over)
    return e


def _sync_body(events, batch_id="batch-0001"):
    return p.compress(p.sync_request(cursor=0, batch_id=batch_id, events=events))


BAD_BODIES = [
    ("bad_compression", b"not zlib at all"),
    ("bad_json", zlib.compress(b"{not json")),
    ("not_object", zlib.compress(b"[1, 2]")),
    ("unsupported_version", p.compress({"v": 2, "cursor": 0})),
    ("bad_field", p.compress({"v": 1, "cursor": "zero"})),
    ("bad_field", p.compress({"v": 1, "cursor": -5})),
    ("bad_batch", p.compress({"v": 1, "cursor": 0, "batch": {"id": "x", "events": {"n": 0}}})),
    ("bad_events", p.compress({"v": 1, "cursor": 0, "batch": {"id": "batch-0001", "events": {"n": 3, "id": 5}}})),
    ("too_deep", zlib.compress(b"[" * 50000 + b"]" * 50000)),
    ("empty_body", b""),
]


@pytest.mark.parametrize("code,body", BAD_BODIES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(BAD_BODIES)])
def test_bad_bodies_get_4xx_with_code_and_store_nothing(device_token, code, body):
    resp = _post(Client(), "/api/v1/sync", body, device_token)
    assert 400 <= resp.status_code < 500
    assert resp.json()["error"]["code"] == code and resp.json()["error"]["message"]
    assert m.Event.objects.count() == 0 and m.Batch.objects.count() == 0


def test_oversized_body_refused_before_reading(device_token):
    resp = _post(Client(), "/api/v1/sync", b"x" * 100, device_token, CONTENT_LENGTH=str(p.MAX_WIRE + 1))
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("token,code,status", [(None, "token_missing", 401), ("wrong", "token_invalid", 401)])
def test_missing_or_wrong_token(token, code, status):
    resp = _post(Client(), "/api/v1/sync", _sync_body([_event()]), token)
    assert resp.status_code == status and resp.json()["error"]["code"] == code
    assert m.Event.objects.count() == 0


def test_revoked_device_refused(device_token):
    ops.revoke_device(m.Device.objects.get())
    resp = _post(Client(), "/api/v1/sync", _sync_body([_event()]), device_token)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "device_revoked"
    assert m.Event.objects.count() == 0


def test_bad_events_refused_one_by_one_rest_stored(device_token):
    good = _event()
    batch = [good, _event(village="LTA02"), _event(origin="township"), _event(id="nope"),
             _event(entity="catalog", op="publish"), _event(data={"x": "y" * 20000}),
             _event(data={"name": "nul\x00"})]
    resp = _post(Client(), "/api/v1/sync", _sync_body(batch), device_token)
    assert resp.status_code == 200
    ack = json.loads(zlib.decompress(resp.content)) if resp.get("Content-Encoding") else resp.json()
    codes = sorted(r["code"] for r in ack["ack"]["refused"])
    assert codes == sorted(["wrong_village", "origin_forbidden", "event_bad_id", "op_forbidden", "event_too_large",
                            "event_bad_text"])
    assert ack["ack"]["stored"] == 1
    assert list(m.Event.objects.values_list("event_id", flat=True)) == [uuid.UUID(good["id"])]


def test_a_lone_surrogate_is_refused_alone_never_a_server_error(device_token):
    # JSON can carry half a surrogate pair as an escape; no database can store it as text. Before,
    # such an event failed the whole batch with a 500; now it is refused alone.
    good = _event()
    batch = [good, _event(data={"name": "半个\ud800字"}), _event(actor="\udc00"), _event(entity_id="e\ud9ff")]
    body = zlib.compress(json.dumps(p.sync_request(cursor=0, batch_id="batch-0003", events=batch)).encode("ascii"))
    resp = _post(Client(), "/api/v1/sync", body, device_token)
    assert resp.status_code == 200
    ack = json.loads(zlib.decompress(resp.content)) if resp.get("Content-Encoding") else resp.json()
    assert sorted(r["code"] for r in ack["ack"]["refused"]) == ["event_bad_text"] * 3
    assert ack["ack"]["stored"] == 1
    assert list(m.Event.objects.values_list("event_id", flat=True)) == [uuid.UUID(good["id"])]


def test_an_integer_beyond_64_bits_is_kept_exactly_and_nan_stored_as_null(device_token):
    # orjson can write neither, so such data goes the standard library's way: the integer kept to
    # the last digit, and NaN (which a device can send, and which is not JSON) stored as null, as
    # orjson writes it. Before, NaN was stored as it came: PostgreSQL refused the whole batch on
    # every try, SQLite kept text that is not JSON.
    big = 10**30 + 7
    odd = _event(data={"count": big, "ratio": float("nan"), "name": "张桂英"})
    batch = [_event(), odd]
    body = zlib.compress(json.dumps(p.sync_request(cursor=0, batch_id="batch-0009", events=batch)).encode())
    assert b"NaN" in zlib.decompress(body)
    resp = _post(Client(), "/api/v1/sync", body, device_token)
    assert resp.status_code == 200
    ack = json.loads(zlib.decompress(resp.content)) if resp.get("Content-Encoding") else resp.json()
    assert ack["ack"]["stored"] == 2 and ack["ack"]["refused"] == []
    assert m.Event.objects.get(event_id=uuid.UUID(odd["id"])).data == {"count": big, "ratio": None, "name": "张桂英"}


def test_another_villages_entity_cannot_be_touched(device_token):
    code, _ = ops.issue_enrollment_code("LTA02")
    _, other_token = ops.enroll_device(code, node="dev2", village_code="LTA02")
    target = _event()
    _post(Client(), "/api/v1/sync", _sync_body([target]), device_token)
    attack = _event(village="LTA02", origin="dev2", entity_id=target["entity_id"], op="update",
                    data={"name": "改名"})
    resp = _post(Client(), "/api/v1/sync", _sync_body([attack], "batch-0002"), other_token,
                 HTTP_ACCEPT_ENCODING="identity")
    assert resp.json()["ack"]["refused"][0]["code"] == "entity_other_village"
    assert m.Resident.objects.get(entity_id=target["entity_id"]).name == "张桂英"


@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_another_villages_event_id_is_refused_as_a_conflict_not_counted_as_a_duplicate(device_token, case):
    code, _ = ops.issue_enrollment_code("LTA02")
    _, other_token = ops.enroll_device(code, node="dev2", village_code="LTA02")
    theirs = _event()
    _post(Client(), "/api/v1/sync", _sync_body([theirs]), device_token)
    clash = _event(id=case(theirs["id"]), village="LTA02", origin="dev2")
    mine = _event(village="LTA02", origin="dev2")
    resp = _post(Client(), "/api/v1/sync", _sync_body([clash, mine], "batch-0002"), other_token)
    ack = resp.json()["ack"]
    assert [(r["id"], r["code"]) for r in ack["refused"]] == [(clash["id"], "id_conflict")]
    assert ack["stored"] == 1 and ack["duplicates"] == 0
    assert m.Event.objects.get(event_id=uuid.UUID(theirs["id"])).village.code == "LTA01"


def test_pushed_data_is_stored_as_its_compact_text(device_token):
    # The push hands the data to the database as UTF-8 bytes: stored as text all the same (never
    # a blob), exactly the compact JSON the laptop's own store holds, Chinese unescaped.
    from django.db import connection

    batch = [_event(data={"name": "张桂英", "materials": ["户口本", {"页": 2}], "amount_fen": 12050}), _event()]
    ack = _post(Client(), "/api/v1/sync", _sync_body(batch), device_token).json()["ack"]
    assert ack["stored"] == 2
    with connection.cursor() as cur:
        cur.execute("SELECT typeof(data), data FROM township_event ORDER BY seq" if connection.vendor == "sqlite"
                    else "SELECT 'text', data::text FROM township_event ORDER BY seq")
        rows = cur.fetchall()
    assert [json.loads(text) for _, text in rows] == [e["data"] for e in batch]
    if connection.vendor == "sqlite":
        assert [kind for kind, _ in rows] == ["text", "text"]
        assert rows[0][1] == '{"name":"张桂英","materials":["户口本",{"页":2}],"amount_fen":12050}'
    assert m.Event.objects.get(event_id=uuid.UUID(batch[0]["id"])).data == batch[0]["data"]


def test_a_row_the_database_skips_is_refused_by_name_never_counted_as_stored(device_token, monkeypatch):
    # A row the insert skips for anything but a stored id (here: a data text gone missing, as a
    # fault would lose it) is stored nowhere: the push refuses it with a code of its own, so the
    # laptop keeps it aside and the cadre sees it, instead of taking it for a duplicate.
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("on PostgreSQL the insert fails as a whole instead (the batch is not stored)")
    validate = ops.validate_columns

    def losing(cols, *args, **kwargs):
        texts, bad = validate(cols, *args, **kwargs)
        texts[1] = None
        return texts, bad

    monkeypatch.setattr(ops, "validate_columns", losing)
    batch = [_event(), _event(), _event()]
    ack = _post(Client(), "/api/v1/sync", _sync_body(batch), device_token).json()["ack"]
    assert [(r["id"], r["code"]) for r in ack["refused"]] == [(batch[1]["id"], "not_stored")]
    assert ack["stored"] == 2 and ack["duplicates"] == 0
    assert set(m.Event.objects.values_list("event_id", flat=True)) == {uuid.UUID(batch[0]["id"]), uuid.UUID(batch[2]["id"])}


def test_enrollment_codes_are_one_time_and_checked():
    code, _ = ops.issue_enrollment_code("LTA01")
    body = p.compress({"v": 1, "code": code, "device": "dev1", "village": "LTA02"})
    resp = _post(Client(), "/api/v1/enroll", body)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "village_mismatch"
    body = p.compress({"v": 1, "code": code.lower().replace("-", " "), "device": "dev1", "village": "LTA01"})
    resp = _post(Client(), "/api/v1/enroll", body, HTTP_ACCEPT_ENCODING="identity")
    assert resp.status_code == 201 and len(resp.json()["token"]) > 30
    resp = _post(Client(), "/api/v1/enroll", body)
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "code_used"
    assert m.Device.objects.count() == 1
    assert resp.json()["error"]["message"]


def test_enrollment_names_a_nameless_village_but_never_renames_one():
    unnamed, _ = ops.issue_enrollment_code("LTA05")
    body = p.compress({"v": 1, "code": unnamed, "device": "dev5", "village": "LTA05", "name": "枫林村 李春燕",
                       "village_name": "  枫林村 "})
    assert _post(Client(), "/api/v1/enroll", body).status_code == 201
    assert m.Village.objects.get(code="LTA05").name == "枫林村"
    named, _ = ops.issue_enrollment_code("LTA06", village_name="石桥村")
    body = p.compress({"v": 1, "code": named, "device": "dev6", "village": "LTA06", "village_name": "别的名字"})
    assert _post(Client(), "/api/v1/enroll", body).status_code == 201
    assert m.Village.objects.get(code="LTA06").name == "石桥村"
    # A bad value is refused before anything is stored: the code stays unused, and works after.
    third, _ = ops.issue_enrollment_code("LTA07")
    for bad in (7, "枫林\x00村", "枫林\ud800村", "村" * 31):
        # As a client other than ours may send it: the lone surrogate as a JSON escape.
        body = json.dumps({"v": 1, "code": third, "device": "dev7", "village": "LTA07", "village_name": bad}).encode()
        resp = _post(Client(), "/api/v1/enroll", body, deflate=False)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "bad_field", bad
        assert m.Village.objects.get(code="LTA07").name == "" and not m.Device.objects.filter(node="dev7").exists()
    for field in ("code", "device", "village", "name"):
        msg = {"v": 1, "code": third, "device": "dev7", "village": "LTA07", field: "x\x00"}
        resp = _post(Client(), "/api/v1/enroll", json.dumps(msg).encode(), deflate=False)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "bad_field", field
    body = p.compress({"v": 1, "code": third, "device": "dev7", "village": "LTA07", "village_name": "   "})
    assert _post(Client(), "/api/v1/enroll", body).status_code == 201
    assert m.Village.objects.get(code="LTA07").name == ""  # only spaces: no name


def test_token_is_stored_hashed_and_never_logged(caplog, device_token):
    import logging

    caplog.set_level(logging.DEBUG)
    _post(Client(), "/api/v1/sync", _sync_body([_event()]), device_token)
    _post(Client(), "/api/v1/sync", _sync_body([_event()]), "wrong-token")
    assert device_token not in caplog.text
    assert not m.Device.objects.filter(token_hash=device_token).exists()
    assert m.Device.objects.get().token_hash == p.token_hash(device_token)


def test_openapi_schema_and_unknown_paths():
    client = Client()
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.") and "/api/v1/sync" in schema["paths"]
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    resp = client.get("/api/v1/sync")
    assert resp.status_code == 405 and resp.json()["error"]["code"] == "method_not_allowed"


def test_zstd_bodies_and_answers_and_the_codings_said_on_every_answer(device_token):
    body = p.compress(p.sync_request(cursor=0, batch_id="batch-zstd1", events=[_event()]), 2, p.ZSTD)
    resp = Client().post("/api/v1/sync", data=body, content_type="application/json", HTTP_CONTENT_ENCODING="zstd",
                         HTTP_ACCEPT_ENCODING="zstd, deflate", HTTP_AUTHORIZATION=f"Bearer {device_token}")
    assert resp.status_code == 200 and resp["Content-Encoding"] == "zstd"
    assert resp["Accept-Encoding"] == "zstd, deflate"
    assert p.decompress(resp.content, encoding=p.ZSTD)["ack"]["stored"] == 1
    # A client that reads only deflate gets deflate; one that reads neither, plain JSON.
    for accept, coding in (("deflate", "deflate"), ("gzip, zstd;q=0", None), ("", None)):
        resp = Client().post("/api/v1/sync", data=body, content_type="application/json", HTTP_CONTENT_ENCODING="zstd",
                             HTTP_ACCEPT_ENCODING=accept, HTTP_AUTHORIZATION=f"Bearer {device_token}")
        assert resp.status_code == 200 and resp.get("Content-Encoding") == coding, accept
        assert p.decompress(resp.content, encoding=coding or p.IDENTITY)["ack"]["again"] is True
    # A coding it does not take: 415, saying which it does; nothing stored.
    resp = Client().post("/api/v1/sync", data=b"\x00" * 40, content_type="application/json", HTTP_CONTENT_ENCODING="br",
                         HTTP_AUTHORIZATION=f"Bearer {device_token}")
    assert resp.status_code == 415 and resp.json()["error"]["code"] == "bad_encoding"
    assert resp["Accept-Encoding"] == "zstd, deflate"
    assert Client().get("/api/v1/ping")["Accept-Encoding"] == "zstd, deflate"
    assert m.Event.objects.count() == 1


def test_in_the_data_as_stored_form_bad_events_are_refused_one_by_one_too(device_token):
    import orjson

    good = _event()
    batch = [good, _event(village="LTA02"), _event(data={"x": "y" * 20000}), _event(data={"name": "nul\x00"})]
    cols = [[e[k] for e in batch] for k in ("id", "hlc", "village", "origin", "entity", "entity_id", "op")]
    form = p.encode_columns(*cols, None, [e["actor"] for e in batch],
                            data_texts=[orjson.dumps(e["data"]) for e in batch])
    body = p.compress({"v": 1, "cursor": 0, "limit": 0, "batch": {"id": "batch-rows1", "events": form}}, 2, p.ZSTD)
    resp = Client().post("/api/v1/sync", data=body, content_type="application/json", HTTP_CONTENT_ENCODING="zstd",
                         HTTP_AUTHORIZATION=f"Bearer {device_token}")
    assert resp.status_code == 200
    ack = resp.json()["ack"]
    assert sorted(r["code"] for r in ack["refused"]) == ["event_bad_text", "event_too_large", "wrong_village"]
    assert ack["stored"] == 1
    stored = m.Event.objects.get()
    assert stored.event_id == uuid.UUID(good["id"]) and stored.data == good["data"]


def test_stored_rows_keep_batch_village_actor_and_data_as_text_across_pushes(device_token):
    """The push's insert binds what every row shares once (the village, the batch, a common origin
    or actor) and sends the data as UTF-8 bytes on SQLite: each row must still get its own values,
    and the data must be stored as text, equal to what was sent."""
    from django.db import connection

    first = [_event(actor="李春燕"), _event(actor="李春燕"), _event(actor="王建国", data={"note": "需要带身份证复印件"})]
    second = [_event(actor="李春燕", data={"name": "赵" * 6000})]  # 6,000 characters, 18,000 bytes: not too large
    for batch_id, batch in (("batch-0001", first), ("batch-0002", second)):
        resp = _post(Client(), "/api/v1/sync", _sync_body(batch, batch_id), device_token)
        assert resp.status_code == 200 and resp.json()["ack"]["stored"] == len(batch), resp.json()
    batches = {b.batch_id: b.pk for b in m.Batch.objects.all()}
    village = m.Village.objects.get(code="LTA01").pk
    with connection.cursor() as cur:
        cur.execute(f"SELECT event_id, actor, origin, batch_id, village_id, data FROM {m.Event._meta.db_table}")
        rows = {str(uuid.UUID(str(r[0]))): r[1:] for r in cur.fetchall()}
        if connection.vendor == "sqlite":
            cur.execute(f"SELECT DISTINCT typeof(data) FROM {m.Event._meta.db_table}")
            assert [r[0] for r in cur.fetchall()] == ["text"]
    for batch_id, batch in (("batch-0001", first), ("batch-0002", second)):
        for e in batch:
            actor, origin, batch_pk, village_pk, data = rows[e["id"]]
            assert (actor, origin, batch_pk, village_pk) == (e["actor"], "dev1", batches[batch_id], village)
            assert (json.loads(data) if isinstance(data, str) else data) == e["data"]


def test_a_pull_page_of_large_events_stays_under_what_a_laptop_reads():
    # Events of the largest data allowed (16 Ki characters; in Chinese ~48 KB of UTF-8 each), in
    # characters that hardly compress: a page of them is cut at ``PULL_DATA_BYTES`` of data, so
    # its answer stays under ``MAX_WIRE`` compressed; the rest comes in later pages, each once.
    import random

    rnd = random.Random(7)
    writer_code, _ = ops.issue_enrollment_code("LTA01", village_name="枫林村")
    writer, _ = ops.enroll_device(writer_code, node="dev1", village_code="LTA01")
    reader_code, _ = ops.issue_enrollment_code("LTA01")
    reader, _ = ops.enroll_device(reader_code, node="dev2", village_code="LTA01")
    sent = []
    for b in range(3):
        events = [_event(hlc=Timestamp(1_770_000_000_000 + b * 100 + i, 0, "dev1").encode(),
                         data={"note": "".join(chr(rnd.randrange(0x4E00, 0x9FA5)) for _ in range(16_000))})
                  for i in range(40)]
        sent += [e["id"] for e in events]
        reply = ops.exchange(writer, {"v": 1, "cursor": 0, "limit": 0,
                                      "batch": {"id": uuid.uuid4().hex, "events": p.encode_events(events)}})
        assert reply["ack"]["stored"] == 40
    cursor, got, pages = 0, [], 0
    while True:
        reply = ops.exchange(reader, {"v": 1, "cursor": cursor, "limit": 5000})
        pages += 1
        page = p.decode_events(reply["events"])
        assert sum(len(json.dumps(e["data"], ensure_ascii=False).encode()) for e in page) <= ops.PULL_DATA_BYTES
        assert len(p.compress(reply, encoding=p.ZSTD)) < p.MAX_WIRE
        got += [e["id"] for e in page]
        cursor = reply["cursor"]
        if not reply["more"]:
            break
    assert sorted(got) == sorted(sent) and len(got) == len(set(got))
    assert pages >= 2  # 120 x ~48 KB = ~5.6 MB of data: more than one page
