"""Django for the township tests only: settings are chosen when this folder is collected, so the
village (non-Django) tests run exactly as without it.

- ``DATABASE_URL`` set (``scripts/with_postgres.sh``): the tests run on PostgreSQL.
- Otherwise SQLite; ``TOWNSHIP_HOME`` points at a throwaway folder either way.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.township.settings")
os.environ.setdefault("TOWNSHIP_HOME", tempfile.mkdtemp(prefix="township-test-"))
os.environ.setdefault("TOWNSHIP_CONN_MAX_AGE", "0")

import django  # noqa: E402

django.setup()

import pytest  # noqa: E402


@pytest.fixture
def village_factory(tmp_path):
    """Village databases (each its own laptop): ``village_factory("LTA01", "dev1")``."""
    from villageagent.services.village import setup_village
    from villageagent.storage.db import open_db

    opened = []

    def make(code: str = "LTA01", device: str = "dev0test0001", device_code: str = "K7Q"):
        database = open_db(tmp_path / f"{code}-{device}.db")
        setup_village(database, code=code, name="枫林村", township="莲塘坳镇", cadre_name="李春燕",
                      device_id=device, device_code=device_code)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.close()


@pytest.fixture
def enrolled(live_server, village_factory):
    """Enroll a village laptop with the live township server; returns its database."""
    from sync.township.operations import issue_enrollment_code
    from villageagent.services.sync import enroll

    def make(code: str = "LTA01", device: str = "dev0test0001", device_code: str = "K7Q"):
        database = village_factory(code, device, device_code)
        one_time, _ = issue_enrollment_code(code, village_name="枫林村")
        enroll(database, live_server.url, one_time)
        return database

    return make


_resident_seq = __import__("itertools").count(1)


@pytest.fixture
def add_errands():
    """``add_errands(db, n, submit=True)``: a resident and ``n`` certificate errands."""
    return _add_errands


def _add_errands(database, n: int = 3, *, submit: bool = True) -> list[str]:
    """Register a resident and ``n`` certificate errands (submitted to the township)."""
    from villageagent.domain.identity import make_id_number
    from villageagent.services.errands import register_errand
    from villageagent.services.residents import register_resident
    import datetime as dt

    seq = next(_resident_seq)  # distinct ID numbers: a random pick collided now and then
    resident, _ = register_resident(database, name="张桂英", id_number=make_id_number("430223", dt.date(1950, 1, 1), seq))
    ids = []
    for _ in range(n):
        errand, _ = register_errand(database, resident_id=resident["id"], item_code="Z001", submit=submit)
        ids.append(errand["id"])
    return ids
