"""The auth matrix of the fault campaign (issue 6, case 8), in process: every sync API endpoint and
every console page under device credentials that must not work there. (Signed-out users and a
clerk on supervisor pages are covered by test_console_access.py.)"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import pytest
from django.test import Client

from sync import protocol as p
from sync.hlc import Timestamp
from sync.township import models as m
from sync.township import operations as ops

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faultlib.township_ops import console_pages  # noqa: E402

pytestmark = pytest.mark.django_db


def _device(village: str, node: str) -> str:
    code, _ = ops.issue_enrollment_code(village, village_name=village)
    return ops.enroll_device(code, node=node, village_code=village)[1]


@pytest.fixture
def tokens():
    own = _device("LTA01", "devown00001")
    revoked = _device("LTA01", "devrevoked01")
    ops.revoke_device(m.Device.objects.get(node="devrevoked01"))
    other = _device("LTB02", "devother0001")
    return {"own": own, "wrong": "w" * 43, "revoked": revoked, "other": other}


def _event(village: str = "LTA01", origin: str = "devown00001") -> dict:
    return {"id": str(uuid.uuid4()), "hlc": Timestamp(1_770_000_000_000, 0, origin).encode(), "village": village,
            "origin": origin, "entity": "resident", "entity_id": str(uuid.uuid4()), "op": "create",
            "data": {"name": "张桂英"}, "actor": ""}


def _post(path: str, msg: dict, token: str | None):
    extra = {"HTTP_CONTENT_ENCODING": "deflate"}
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client(enforce_csrf_checks=True).post(path, data=p.compress(msg), content_type="application/json", **extra)


@pytest.mark.parametrize("path", ["/api/v1/sync", "/api/v1/ids", "/api/v1/report"])
@pytest.mark.parametrize("who,status,code", [(None, 401, "token_missing"), ("wrong", 401, "token_invalid"),
                                             ("revoked", 403, "device_revoked")])
def test_api_refuses_missing_wrong_and_revoked_credentials(tokens, path, who, status, code):
    msg = {"v": 1, "cursor": 0, "kind": "probe", "detail": {}}
    resp = _post(path, msg, tokens.get(who) if who else None)
    assert resp.status_code == status and json.loads(resp.content)["error"]["code"] == code
    assert m.Event.objects.count() == 0


def test_another_villages_device_neither_writes_nor_reads_this_village(tokens):
    own = _post("/api/v1/sync", p.sync_request(cursor=0, batch_id="ownbatch0001", events=[_event()]), tokens["own"])
    assert own.status_code == 200
    pushed = _post("/api/v1/sync", p.sync_request(cursor=0, batch_id="intruder0001",
                                                  events=[_event(origin="devother0001")]), tokens["other"])
    body = json.loads(pushed.content)
    assert body["ack"]["stored"] == 0 and len(body["ack"]["refused"]) == 1
    assert all(e["village"] != "LTA01" for e in p.decode_events(body["events"]))
    ids = json.loads(_post("/api/v1/ids", {"v": 1}, tokens["other"]).content)["ids"]
    assert ids == ""
    assert m.Event.objects.filter(village__code="LTA01").count() == 1


def test_device_tokens_open_no_console_page(tokens):
    pages = console_pages()
    assert pages, "the console's pages could not be listed"
    for page in pages:
        for who in ("own", "wrong", "revoked", "other"):
            client = Client()
            for method in ("get", "post"):
                resp = getattr(client, method)(page["path"], HTTP_AUTHORIZATION=f"Bearer {tokens[who]}")
                refused = resp.status_code in (403, 404, 405) or (
                    resp.status_code == 302 and "login" in resp.headers.get("Location", ""))
                assert refused, f"{method.upper()} {page['path']} with the {who} device token: {resp.status_code}"
