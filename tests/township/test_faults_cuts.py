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
def test_cut_every_16k_costs_at_most_1_3x_a_clean_sync(enrolled, live_server, add_errands):
    """Three villages each push 2,000 errands over the cutting link; each gets everything across
    exactly once, and the typical one (the median) stays within 1.3x the clean bytes.

    - The median, because one sync in many meets a cut that falls on an acknowledgement, and
      resending that batch (as it must) costs one more batch; the size regressions this guards
      against (1.4x to 7.5x) were the same on every run. No single run may exceed 2x.
    """
    target = (urlparse(live_server.url).hostname, urlparse(live_server.url).port)
    clean_db = enrolled("LTB02", "devclean0001", "C1N")
    add_errands(clean_db, 2000)
    clean, _ = _wire_bytes(clean_db, target, Shaping())
    ratios = []
    for n, (village, device, code) in enumerate((("LTA01", "devcut000001", "C2T"), ("LTA02", "devcut000002", "C3T"),
                                                 ("LTA03", "devcut000003", "C4T"))):
        cut_db = enrolled(village, device, code)
        add_errands(cut_db, 2000)
        total, cuts = _wire_bytes(cut_db, target, Shaping(cut_every=16 * 1024))
        assert cuts >= 1, f"run {n}: the link was never cut"
        assert cut_db.execute("select count(*) from events where pushed = 0").fetchone()[0] == 0
        ratios.append(total / clean)
    ratios.sort()
    assert ratios[1] <= 1.3, f"median {ratios[1]:.2f}x a clean sync's bytes (runs {ratios})"
    assert ratios[-1] <= 2.0, f"a run cost {ratios[-1]:.2f}x a clean sync's bytes"
