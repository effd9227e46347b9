"""The village clock jumping back in the middle of a session (fault campaign, issue 6, case 9):
what the cadre does later must still sort later, so the status derived from the merged timeline
is the one the cadre last set. (A year ahead or behind, with the township in the loop, is in
tests/township/test_sync_e2e.py and the campaign.)"""

from __future__ import annotations

import datetime as dt
import time

from villageagent.domain.identity import make_id_number
from villageagent.services import clock
from villageagent.services.errands import add_note, advance_status, register_errand
from villageagent.services.residents import register_resident
from villageagent.storage import queries


def test_steps_taken_after_the_clock_jumps_back_still_sort_after(village):
    now = int(time.time() * 1000)
    clock.set_wall(lambda: now)
    try:
        resident, _ = register_resident(village, name="张桂英", id_number=make_id_number("430223", dt.date(1950, 1, 1), 3))
        errand, _ = register_errand(village, resident_id=resident["id"], item_code="Z001")
        clock.set_wall(lambda: now - 2 * 3600 * 1000)  # the clock falls back two hours
        advance_status(village, errand["id"], "submitted")
        clock.set_wall(lambda: now - 86400 * 1000)  # and a day
        add_note(village, errand["id"], "电话通知了本人")
    finally:
        clock.set_wall(None)
    rows = village.execute("select op, hlc from events where entity_id = ? order by seq", [errand["id"]]).fetchall()
    assert [op for op, _ in rows] == ["create", "status", "note"]
    hlcs = [h for _, h in rows]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == 3  # strictly increasing despite the wall clock
    assert queries.get_errand(village, errand["id"])["status"] == "submitted"
