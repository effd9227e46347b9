"""Seed data and signed-in clients for the console tests (imported by test_console_*.py).

- Errands are stored as village events through ``operations.store_events``, exactly as a pushed
  batch would store them, so the console sees the same projections as in production.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.db import transaction

from sync.events import Event
from sync.hlc import Timestamp
from sync.township import operations as ops
from sync.township.console.idnumber import check_char
from sync.township.console.roles import CLERK, SUPERVISOR, set_role

PASSWORD = "pass-1234-xyz"
_wall = itertools.count(1_770_000_000_000, 1000)
_seq = itertools.count(1)


def id_number(born: dt.date = dt.date(1950, 1, 1), seq: int | None = None) -> str:
    """A valid 18-character ID number (area 430223)."""
    first = f"430223{born:%Y%m%d}{(seq if seq is not None else next(_seq)) % 1000:03d}"
    return first + check_char(first)


def _ev(village: str, entity: str, entity_id: str, op: str, data: dict, origin: str = "dev1",
        wall: int | None = None) -> Event:
    """A village device's event; ``wall`` (ms) for one that must sort after township events of today."""
    return Event(str(uuid.uuid4()), Timestamp(wall or next(_wall), 0, origin).encode(), village, origin, entity,
                 entity_id, op, data)


def store(village_code: str, events: list[Event], name: str = "") -> None:
    village = ops.village_for(village_code, name or f"{village_code}村")
    with transaction.atomic():
        ops.store_events(ops._locked(village), events)


def resident(village_code: str, name: str = "张桂英", number: str | None = None, origin: str = "dev1") -> str:
    rid = str(uuid.uuid4())
    store(village_code, [_ev(village_code, "resident", rid, "create",
                             {"name": name, "id_number": number or id_number(), "phone": "13907331234",
                              "group": "第3组"}, origin)])
    return rid


def errand(village_code: str, resident_id: str, *, kind: str = "certificate", item_code: str = "Z003",
           item_name: str = "老年优待证办理", steps: tuple[str, ...] = ("submitted",), created: str = "2026-03-10",
           promised: str = "2026-03-17", quantity: float | None = None, unit: str = "", amount_fen: int = 0,
           materials: list | None = None, origin: str = "dev1", tier: str = "township") -> str:
    """An errand created by a village device and moved along the village's own steps."""
    eid = str(uuid.uuid4())
    number = f"{village_code}-K7Q-{next(_seq):06d}"
    events = [_ev(village_code, "errand", eid, "create", {
        "number": number, "kind": kind, "item_code": item_code, "item_name": item_name, "resident_id": resident_id,
        "quantity": quantity, "unit": unit, "amount_fen": amount_fen, "tier": tier,
        "materials": materials if materials is not None else [{"name": "居民身份证原件及复印件", "received": True},
                                                              {"name": "近期一寸免冠照片2张", "received": False}],
        "promised_date": promised, "created_date": created, "status": ops.WORKFLOWS[kind].initial}, origin)]
    for target in steps:
        events.append(_ev(village_code, "errand", eid, "status", {"to": target}, origin))
    store(village_code, events)
    return eid


def user(username: str, role: str):
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=username)
    set_role(u, role)
    return u


@pytest.fixture
def clerk(db):
    return user("clerk1", CLERK)


@pytest.fixture
def supervisor(db):
    return user("boss1", SUPERVISOR)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client
