"""Shared fixtures: a migrated database, an isolated data folder, a configured village."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("VILLAGEAGENT_LANG", "zh")

import datetime as dt  # noqa: E402

import pytest  # noqa: E402

from villageagent.services import clock  # noqa: E402


@pytest.fixture
def home(tmp_path, monkeypatch):
    """VILLAGEAGENT_HOME pointed at a fresh folder."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("VILLAGEAGENT_HOME", str(path))
    return path


@pytest.fixture
def fixed_today():
    """Services see 2026-03-16 (a Monday) as today; the wall clock follows it."""
    day = dt.date(2026, 3, 16)
    base = int(dt.datetime(2026, 3, 16, 9, 0).timestamp() * 1000)
    ticks = {"n": 0}

    def wall() -> int:
        ticks["n"] += 1
        return base + ticks["n"] * 1000

    clock.set_today(lambda: day)
    clock.set_wall(wall)
    yield day
    clock.set_today(None)
    clock.set_wall(None)


@pytest.fixture
def db(tmp_path):
    """A migrated database in a temporary file (WAL needs a file)."""
    from villageagent.storage.db import open_db

    database = open_db(tmp_path / "village.db")
    yield database
    database.close()


@pytest.fixture
def village(db):
    """``db`` with a village set up (code LTA01, device code K7Q) and the shipped catalog."""
    from villageagent.services.village import setup_village

    setup_village(db, code="LTA01", name="枫林村", township="莲塘坳镇", cadre_name="李春燕",
                  contact_phone="13907331234", device_id="dev0test0001", device_code="K7Q")
    return db
