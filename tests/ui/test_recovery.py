"""A damaged database at start (issue 6, case 6): the cadre is told, and offered the ways back."""

from __future__ import annotations

import datetime as dt

import pytest

from villageagent.domain.identity import make_id_number


@pytest.fixture
def damaged(village_home, fixed_today):
    """A village with one resident and a backup of it, then its database file overwritten."""
    from villageagent.services import residents
    from villageagent.services.backups import backup, open_village_db

    db = open_village_db()
    residents.register_resident(db, name="张桂英", id_number=make_id_number("430223", dt.date(1950, 1, 1), 1))
    backup(db)
    db.close()
    raw = bytearray(village_home.read_bytes())
    raw[:100] = b"\x00" * 100
    village_home.write_bytes(bytes(raw))
    for extra in ("-wal", "-shm"):
        village_home.with_name(village_home.name + extra).unlink(missing_ok=True)
    return village_home


def _start_with(qapp, monkeypatch, button_name):
    """Run the app's start-up with the recovery dialog answered by clicking ``button_name``."""
    from villageagent import app as app_module
    from villageagent.ui.dialogs import recovery_dialog

    seen = {}

    def answer(dialog):
        seen["text"] = dialog.findChild(recovery_dialog.QLabel, "recoveryMessage").text()
        seen["buttons"] = [b.text() for b in dialog.findChildren(recovery_dialog.QPushButton) if b.isVisibleTo(dialog)]
        getattr(dialog, button_name).click()
        return 0

    monkeypatch.setattr(recovery_dialog.RecoveryDialog, "exec", answer)
    return app_module, seen


def test_corrupt_database_offers_latest_backup_and_restores_it(qapp, monkeypatch, damaged):
    from villageagent.services.backups import open_village_db

    app_module, seen = _start_with(qapp, monkeypatch, "restore_button")
    _, window, code = app_module.start([])
    try:
        assert code is None and window is not None
        assert "损坏" in seen["text"]
        assert any(b.startswith("从最近的备份恢复") for b in seen["buttons"])
        assert "从乡镇重新下载本村数据" in seen["buttons"]
    finally:
        if window is not None:
            window.close()
            window.shutdown()
    db = open_village_db()
    assert [r["name"] for r in db["residents"].rows] == ["张桂英"]
    db.close()
    kept = list((damaged.parent / "backups").glob("damaged-*.db"))
    assert len(kept) == 1  # the damaged bytes are never thrown away


def test_corrupt_database_start_fresh_sets_file_aside(qapp, monkeypatch, damaged):
    from villageagent.ui.dialogs import setup_dialog

    monkeypatch.setattr(setup_dialog.SetupDialog, "exec", lambda self: setup_dialog.SetupDialog.Rejected)
    app_module, seen = _start_with(qapp, monkeypatch, "fresh_button")
    _, window, code = app_module.start([])
    assert window is None and code == 0  # the set-up of the village was cancelled
    assert list((damaged.parent / "backups").glob("damaged-*.db"))
    # A new, empty and healthy database took the damaged one's place.
    import sqlite3

    conn = sqlite3.connect(damaged)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("select count(*) from residents").fetchone()[0] == 0
    conn.close()


def test_quit_leaves_everything_as_it_was(qapp, monkeypatch, damaged):
    before = damaged.read_bytes()
    app_module, _ = _start_with(qapp, monkeypatch, "quit_button")
    _, window, code = app_module.start([])
    assert window is None and code == 2
    assert damaged.read_bytes() == before
