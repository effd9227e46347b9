"""Disk full on the village side (fault campaign, issue 6, case 5), in process: SQLite's page limit
stands in for the small filesystem the campaign fills (bench/faults.py uses a real tmpfs)."""

from __future__ import annotations

import pytest

from villageagent.domain.errors import VillageError
from villageagent.domain.identity import make_id_number
from villageagent.services.errands import register_errand
from villageagent.services.residents import register_resident


def _full(db) -> None:
    pages = db.execute("pragma page_count").fetchone()[0]
    db.execute(f"pragma max_page_count = {pages}")


def test_a_full_disk_refuses_the_save_plainly_and_keeps_everything_before(village, fixed_today):
    import datetime as dt

    resident, _ = register_resident(village, name="张桂英", id_number=make_id_number("430223", dt.date(1950, 1, 1), 7))
    saved = [register_errand(village, resident_id=resident["id"], item_code="Z001", submit=True)[0]["id"]
             for _ in range(5)]
    _full(village)
    refused = 0
    for _ in range(30):  # the last free bytes of the last page may still take a save or two
        try:
            saved.append(register_errand(village, resident_id=resident["id"], item_code="Z001",
                                         note="材料齐全" * 20)[0]["id"])
        except VillageError as exc:
            assert exc.kind == "disk_full" and "之前保存的内容都还在" in exc.message()
            refused += 1
    assert refused > 0
    have = {r[0] for r in village.execute("select id from errands")}
    assert set(saved) <= have  # every save that reported success is there
    assert village.execute("pragma integrity_check").fetchone()[0] == "ok"
    village.execute("pragma max_page_count = 1073741823")  # space comes back
    register_errand(village, resident_id=resident["id"], item_code="Z001")
    assert village.execute("select count(*) from errands").fetchone()[0] == len(saved) + 1


def test_a_full_disk_during_events_changes_nothing_half_way(village, fixed_today):
    import datetime as dt

    resident, _ = register_resident(village, name="李春燕", id_number=make_id_number("430223", dt.date(1960, 2, 2), 8))
    before = village.execute("select count(*) from events").fetchone()[0]
    _full(village)
    with pytest.raises(VillageError):
        for _ in range(50):
            register_errand(village, resident_id=resident["id"], item_code="Z001", submit=True, note="备注" * 50)
    # Each save is one transaction: its create and its submit step are both there, or neither.
    events = village.execute("select count(*) from events").fetchone()[0] - before
    assert events % 2 == 0
