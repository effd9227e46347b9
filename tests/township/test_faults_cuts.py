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


# FIXED by the sync side (issue 4): requests sized in bytes (bisecting between the largest that got
# through and the smallest that was cut, aiming at most 85% of the cut), one connection per request
# after a failure, a failure forgotten only after 64 good round trips; measured 600 errands 0.91x,
# 3,000 errands 1.01x at 16 KiB and 1.00x at 64 KiB, one cut each. It passes about 19 runs in 20:
# the rare miss is the two pushes in flight at the start both cut on their kept-alive connections
# (two 16 KiB losses on a 47 KB sync), hence still non-strict. The finding as it was:
# (issue 6, case 2), owner: sync (issue 4). With the link cut after every 16 KiB of a
# connection, all errands arrive exactly once, but the sync moves 1.5-2.5x the bytes of a clean
# sync (target <= 1.3x). Still so after 154b496 (bisecting batch size): traced through the proxy,
# a 800-errand sync succeeded with a 15.8 KB request, then sent six requests in a row that were
# each cut at 16,384 bytes (98 KB thrown away). The sizer bisects in *events* between the last
# count that worked and the smallest that failed, never below the last good count, but bytes per
# event vary along the queue, so the same count no longer fits. Fix sketch: size by bytes (the
# request is encoded before it is sent, so its size is known): keep the largest request in bytes
# that got through and the smallest that was cut, and trim the batch to fit. Remove the xfail
# when this passes. At 41a3f1d (after 45b93cd, two pushes in flight) it got worse: 7.5x at 16 KiB,
# 5.0x at 64 KiB, seven >64 KiB requests in a row cut, and the first sync gave up after 8 failures.
@pytest.mark.xfail(strict=False, reason="issue 6 case 2: a rare double cut at the start can exceed 1.3x here")
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
