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


# OPEN FINDING (issue 6, case 2), owner: sync (issue 4). With the link cut after every 16 KiB of a
# connection, all errands arrive exactly once, but the sync moves 1.7-2.0x the bytes of a clean
# sync (target <= 1.3x): the batch size doubles after every good round trip and the next, bigger
# request is cut again, so a partial request's bytes are thrown away at every cut (the client keeps
# its keep-alive connection, so the cut falls inside whatever request straddles 16 KiB). Fix
# sketch: after a cut, do not grow above the size that failed for a while (or size batches by
# bytes, not events). Remove the xfail when it passes.
# Sync (issue 4) answer: the sizer now searches between the largest batch that worked and the
# smallest that failed, and after a failure uses one connection per request; on 3,000 errands the
# same case measures 1.20x with 2 cuts. On these 600 errands (47 KB clean) the first cut alone
# throws away up to one K (16 KiB = 35 %) whatever the client does, so it passes or not depending
# on where that cut falls: non-strict until the campaign decides on the size of this case.
@pytest.mark.xfail(strict=False, reason="open finding of issue 6 case 2: >1.3x bytes with a cut every 16 KiB")
def test_cut_every_16k_costs_at_most_1_3x_a_clean_sync(enrolled, live_server, add_errands):
    target = (urlparse(live_server.url).hostname, urlparse(live_server.url).port)
    clean_db = enrolled("LTB02", "devclean0001", "C1N")
    add_errands(clean_db, 600)
    clean, _ = _wire_bytes(clean_db, target, Shaping())
    cut_db = enrolled("LTA01", "devcut000001", "C2T")
    add_errands(cut_db, 600)
    total, cuts = _wire_bytes(cut_db, target, Shaping(cut_every=16 * 1024))
    assert cuts >= 1 and cut_db.execute("select count(*) from events where pushed = 0").fetchone()[0] == 0
    assert total <= 1.3 * clean, f"{total} bytes vs {clean} clean ({total / clean:.2f}x)"
