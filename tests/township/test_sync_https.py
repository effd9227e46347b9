"""HTTPS with the township's own certificate, pinned by the laptop at enrollment (issue 4).

The certificate in fixtures/ is a throwaway self-signed one for 127.0.0.1, made with the
openssl command in docs/sync-protocol.md.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from sync.client import SyncError, TownshipClient
from sync.township import models as m
from sync.township import operations as ops
from villageagent.domain.errors import VillageError
from villageagent.services import sync as service

pytestmark = pytest.mark.django_db(transaction=True)
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def https_url():
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter
    from django.core.wsgi import get_wsgi_application

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = wsgi.Server(("127.0.0.1", port), get_wsgi_application(), numthreads=2, shutdown_timeout=1)
    server.ssl_adapter = BuiltinSSLAdapter(str(FIXTURES / "test-cert.pem"), str(FIXTURES / "test-key.pem"))
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{port}"
    server.stop()


def test_enroll_pins_the_certificate_and_syncs_over_https(https_url, village_factory, add_errands):
    db = village_factory()
    code, _ = ops.issue_enrollment_code("LTA01")
    conn = service.enroll(db, https_url, code)
    assert len(conn.fingerprint) == 64
    ids = add_errands(db, 1)
    report = service.sync_now(db, sleep=lambda _s: None)
    assert report.check_ok is True and m.Errand.objects.get(entity_id=ids[0]).status == "submitted"
    # Another certificate at the same address (or no pin, which means CA checks) is refused.
    with pytest.raises(SyncError) as info:
        TownshipClient(https_url, conn.token, fingerprint="00" * 32).exchange({"v": 1, "cursor": 0})
    assert info.value.code == "certificate_changed" and not info.value.retryable
    with pytest.raises(SyncError) as info:
        TownshipClient(https_url, conn.token).exchange({"v": 1, "cursor": 0})
    assert info.value.code == "certificate_changed"


def test_enroll_checks_a_given_fingerprint(https_url, village_factory):
    db = village_factory()
    code, _ = ops.issue_enrollment_code("LTA01")
    with pytest.raises(VillageError) as info:
        service.enroll(db, https_url, code, fingerprint="AB:" * 31 + "AB")
    assert info.value.kind == "sync_certificate"
    assert m.Device.objects.count() == 0
