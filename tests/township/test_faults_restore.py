"""Regression tests from the fault campaign (issue 6, case 6: corrupted database at start,
"restore from the latest backup"), against the real township server on loopback."""

from __future__ import annotations

import pytest

from sync.township import models as m
from villageagent.services import sync as service
from villageagent.storage import db as storage_db

pytestmark = pytest.mark.django_db(transaction=True)


def _no_sleep(_: float) -> None:
    return None


def _errands(db) -> int:
    return db.execute("select count(*) from errands").fetchone()[0]


# Issue 6, case 6 found: after a cadre restored the latest backup, the errands this laptop saved and
# sent *after* that backup never came back (the pull left out the device's own events, and the
# repair only reset the cursor). Fixed by the sync side in d863921 (the repair's re-pull asks for
# the device's own events).
def test_restore_of_an_older_backup_gets_back_what_was_sent_after_it(enrolled, add_errands, tmp_path):
    db = enrolled()
    add_errands(db, 3)
    service.sync_now(db, sleep=_no_sleep)
    backup = storage_db.backup_now(db, tmp_path / "backups")
    add_errands(db, 2)  # saved and sent after the backup
    service.sync_now(db, sleep=_no_sleep)
    path = db.conn.execute("pragma database_list").fetchone()[2]
    db.close()
    storage_db.restore(__import__("pathlib").Path(path), backup, tmp_path / "backups")
    db = storage_db.open_db(path)
    try:
        assert _errands(db) == 3
        report = service.sync_now(db, sleep=_no_sleep)
        assert m.Errand.objects.filter(village__code="LTA01").count() == 5
        assert _errands(db) == 5 and report.check_ok is True
    finally:
        db.close()
