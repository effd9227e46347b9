"""Regression test from the fault campaign (issue 6, case 2: a link cut after every 16 KiB),
against the real township server on loopback through the campaign's cutting proxy."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sync.client import TownshipClient
from villageagent.services import sync as service

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faultlib.proxy import Proxy, Shaping  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


def _wire_bytes(db, target, shaping: Shaping) -> tuple[int, int]:
    with Proxy(target, shaping) as proxy:
        def factory(conn):
            return TownshipClient(f"http://127.0.0.1:{proxy.address[1]}", conn.token)

        for _ in range(20):  # as the app retries; bounded
            try:
                service.sync_now(db, client_factory=factory, sleep=lambda s: None)
                break
            except Exception:  # noqa: BLE001 - a sync that gave up is retried like the app does
                continue
        return proxy.total, proxy.cuts


# Issue 6, case 2: with the link cut after every 16 KiB of a connection, all errands arrive
# exactly once and the sync moves at most 1.3x the bytes of a clean one. Sized like the campaign's
# case (2,000 errands, ~150 KB): the client cannot know the cut before it meets it, and with two
# pushes in flight at the start both may be cut, so a sync must be large beside 2 x 16 KiB for the
# bound to mean anything (at 600 errands, ~47 KB, two unavoidable cuts alone are 1.7x). Fixed by
# sizing requests in bytes (bisecting between the largest that got through and the smallest cut):
# 1.5-7.5x before, ~1.0x after.
def test_link_cut_every_16k_delivers_everything_exactly_once(enrolled, live_server, add_errands):
    """2,000 errands over a link cut after every 16 KiB of a connection: all of them arrive, once.

    - The byte bound of case 2 (<= 1.3x a clean sync) is checked by the campaign
      (`bench/faults.py`, run by `.ci/run` with `--quick`), against `township-center serve`: here,
      behind pytest-django's live server in a busy suite, the clean sync itself varied by half
      from run to run (ratios of one run: 0.65x, 1.93x, 1.93x), so a byte ratio measured here said
      more about the test server than about the client.
    """
    from sync.township import models as m

    target = (urlparse(live_server.url).hostname, urlparse(live_server.url).port)
    cut_db = enrolled("LTA01", "devcut000001", "C2T")
    add_errands(cut_db, 2000)
    total, cuts = _wire_bytes(cut_db, target, Shaping(cut_every=16 * 1024))
    assert cuts >= 1
    assert cut_db.execute("select count(*) from sync_waiting").fetchone()[0] == 0
    village_events = {r[0] for r in cut_db.execute("select id from events where local = 1")}
    stored = set(m.Event.objects.filter(origin="devcut000001").values_list("event_id", flat=True))
    assert {str(i) for i in stored} == village_events  # every event once, nothing extra
    assert m.Errand.objects.filter(village__code="LTA01").count() == 2000
