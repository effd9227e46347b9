"""A demo village: realistic residents, errands in every state, orders, rosters and logs.

- Deterministic for a seed and a day: the same ``--seed`` on the same day gives the same data.
- Township-side steps are written as the township's events (as if pulled), so the demo shows
  what a synced village looks like.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from sqlite_utils import Database

from sync.events import Event
from sync.hlc import Timestamp
from sync.workflow import WORKFLOWS
from villageagent.domain.catalog import CatalogItem
from villageagent.domain.errand import errand_number, promised_date
from villageagent.domain.identity import make_id_number
from villageagent.services import clock
from villageagent.services.base import transaction
from villageagent.services.village import load_shipped_catalog, setup_village
from villageagent.storage import settings as settings_store
from villageagent.storage.events import apply_events

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁谭"
GIVEN = "桂英秀兰玉华建国志强海军红梅丽娟德明永福春生金凤淑珍文彬小平立新学军翠花燕冬秋菊振爱民长青宝山芳家豪子涵雨轩欣怡浩然思远佳俊杰婷"
ADDRESS_PLACES = ("枫林组", "塘边", "上屋场", "下屋场", "新屋", "老屋冲", "大坪", "茶园坡")
RETURN_REASONS = ("缺少户口簿复印件", "照片不符合要求，请重新提供近期一寸照片", "缺少医院残疾评定材料",
                  "申请表未签字", "银行卡复印件不清晰")
CONCERNS = ("村道路灯坏了三盏，晚上出行不便", "希望增加农技培训", "灌溉渠堵塞，请组织清淤", "自来水压力不足",
            "询问医保缴费标准", "咨询耕地地力保护补贴发放时间", "邻里宅基地界线纠纷", "土地流转租金纠纷")

VILLAGE_CODE = "LTA01"
DEVICE_ID = "demo0laptop0001"
DEVICE_CODE = "K7Q"
TOWNSHIP = "township"


class _Writer:
    def __init__(self, village: str):
        self.village = village
        self.counters: dict[tuple[str, int], int] = {}
        self.rng_uuid = random.Random(0)
        self.events: list[tuple[Event, bool]] = []
        self.max_hlc = ""

    def uuid(self, rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def add(self, rng: random.Random, when: dt.datetime, origin: str, entity: str, entity_id: str, op: str,
            data: dict[str, Any], actor: str = "") -> None:
        wall = int(when.timestamp() * 1000)
        node = DEVICE_ID if origin != TOWNSHIP else "township0demo"
        key = (node, wall)
        counter = self.counters.get(key, -1) + 1
        self.counters[key] = counter
        hlc = Timestamp(wall, counter, node).encode()
        self.max_hlc = max(self.max_hlc, hlc)
        self.events.append((Event(self.uuid(rng), hlc, self.village, origin if origin == TOWNSHIP else DEVICE_ID,
                                  entity, entity_id, op, data, actor), origin != TOWNSHIP))


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8 + rng.randrange(9), rng.randrange(60), rng.randrange(60)))


def build_demo(db: Database, *, errands: int = 300, seed: int = 1, today: dt.date | None = None,
               chunk: int = 20000, township: bool = True) -> dict[str, int]:
    """Fill an empty database with a demo village. Returns counts of what was made.

    - ``township=True`` (default): the history includes the township's answers (accepted,
      returned, ready…) and rosters, as if pulled — a village to try the app alone. Those answers
      exist only on this laptop, so a township center this village later syncs with refuses
      the village's own steps that follow them.
    - ``township=False``: only the village's own steps (certificates wait at 已报送乡镇, subsidy
      errands are logged at the village): a village to try together with a township center.
    """
    today = today or clock.today()
    rng = random.Random(seed)
    setup_village(db, code=VILLAGE_CODE, name="枫林村", township="莲塘坳镇", cadre_name="李春燕",
                  contact_phone="13907331234", device_id=DEVICE_ID, device_code=DEVICE_CODE)
    catalog = load_shipped_catalog()
    by_kind: dict[str, list[CatalogItem]] = {}
    for item in catalog.items:
        by_kind.setdefault(item.kind, []).append(item)
    w = _Writer(VILLAGE_CODE)
    groups = [f"第{i}组" for i in range(1, 9)]
    n_res = max(40, errands // 4)
    residents: list[str] = []
    first_day = today - dt.timedelta(days=180)
    for i in range(n_res):
        rid = w.uuid(rng)
        name = "张桂英" if i == 0 else rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        born = dt.date(1935 + rng.randrange(70), 1 + rng.randrange(12), 1 + rng.randrange(28))
        phone = "1" + rng.choice("35789") + "".join(str(rng.randrange(10)) for _ in range(9))
        person = {"name": name, "id_number": make_id_number("430223", born, i), "phone": phone,
                "group": rng.choice(groups), "address": f"枫林村{rng.choice(ADDRESS_PLACES)}{1 + rng.randrange(60)}号"}
        w.add(rng, _at(first_day, rng), "village", "resident", rid, "create", person, "李春燕")
        residents.append(rid)
    rosters: dict[tuple[str, str], str] = {}
    # The first errands walk through every state of every kind, so the demo shows them all.
    showcase = [(kind, state) for kind, wf in WORKFLOWS.items() for state in wf.states
                if township or kind != "certificate" or state in ("received", "submitted", "cancelled")]
    seq = 0
    for n in range(errands):
        seq += 1
        force = showcase[n][1] if n < len(showcase) else None
        kind = showcase[n][0] if force else rng.choices(("certificate", "subsidy", "farm_supply"), (0.4, 0.3, 0.3))[0]
        item = rng.choice(by_kind[kind])
        if force:
            day = today - dt.timedelta(days=40 + rng.randrange(30))
        else:
            day = first_day + dt.timedelta(days=int(180 * rng.random() ** 0.7))
        eid = w.uuid(rng)
        rid = rng.choice(residents)
        qty = float(rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 20))) if kind == "farm_supply" else None
        amount = (int(qty * item.unit_price_fen) if qty else item.unit_price_fen) if kind != "certificate" else item.fee_fen
        data: dict[str, Any] = {
            "number": errand_number(VILLAGE_CODE, DEVICE_CODE, seq), "kind": kind, "item_code": item.code,
            "item_name": item.name, "resident_id": rid, "quantity": qty, "unit": item.unit, "amount_fen": amount,
            "materials": [{"name": m, "received": rng.random() < 0.9} for m in item.materials], "note": "",
            "tier": item.tier, "promised_date": promised_date(item, day).isoformat(), "created_date": day.isoformat(),
            "round": f"{day.year}年{'春耕' if day.month <= 6 else '秋冬'}" if kind == "farm_supply" else "",
            "status": {"certificate": "received", "subsidy": "listed", "farm_supply": "ordered"}[kind],
        }
        t = _at(day, rng)
        if kind == "subsidy" and township:
            key = (item.code, f"{day:%Y-%m}")
            if key not in rosters:
                rosters[key] = w.uuid(rng)
                w.add(rng, t - dt.timedelta(hours=1), TOWNSHIP, "roster", rosters[key], "create",
                      {"item_code": item.code, "title": f"{day:%Y年%m月}{item.name}发放名册", "month": key[1]}, "乡镇财政所")
            data["roster_id"] = rosters[key]
            w.add(rng, t, TOWNSHIP, "errand", eid, "create", data, "乡镇财政所")
        else:
            w.add(rng, t, "village", "errand", eid, "create", data, "李春燕")
        age = (today - day).days
        for when_days, origin, step in _path(kind, rng, age, item, force):
            if when_days > age or (origin == TOWNSHIP and not township):
                break
            step_time = _at(day + dt.timedelta(days=when_days), rng)
            if step_time <= t:
                step_time = t + dt.timedelta(minutes=5)
            t = step_time
            if "paid_fen" in step or step["to"] == "settled":
                step = {**step, "paid_fen": amount}
            w.add(rng, t, origin, "errand", eid, "status", step, "乡镇政务中心" if origin == TOWNSHIP else "李春燕")
    for _ in range(max(10, errands // 20)):
        day = first_day + dt.timedelta(days=rng.randrange(181))
        lid = w.uuid(rng)
        typ = rng.choices(("consultation", "dispute", "concern", "problem"), (0.6, 0.1, 0.2, 0.1))[0]
        w.add(rng, _at(day, rng), "village", "log", lid, "create", {
            "type": typ, "summary": rng.choice(CONCERNS), "outcome": rng.choice(("已解答", "已调解成功", "已上报乡镇", "")),
            "date": day.isoformat(), "resident_id": rng.choice(residents) if rng.random() < 0.7 else None}, "李春燕")
    events = sorted(w.events, key=lambda p: p[0].hlc)
    for start in range(0, len(events), chunk):
        part = events[start:start + chunk]
        with transaction(db):
            apply_events(db, [e for e, _ in part], local=lambda e: e.origin != TOWNSHIP)
    with transaction(db):
        settings_store.set_raw(db, "next_seq", seq + 1)
        last = settings_store.get_raw(db, "last_hlc")
        if not last or w.max_hlc > last:
            settings_store.set_raw(db, "last_hlc", w.max_hlc)
    return {"residents": n_res, "errands": errands, "events": len(events), "rosters": len(rosters)}


def _path(kind: str, rng: random.Random, age: int, item: CatalogItem,
          force: str | None = None) -> list[tuple[int, str, dict[str, Any]]]:
    """Steps (days after logging, origin, status data) for one errand's life so far.

    - ``force`` names a state the errand must end in (used so the demo shows every state).
    - Otherwise most errands run their whole course and some stop partway, as in real life.
    """
    V, T = "village", TOWNSHIP
    steps: list[tuple[int, str, dict[str, Any]]]
    late = rng.random() < 0.15
    span = item.promised_days + (rng.randrange(3, 10) if late else -rng.randrange(0, max(1, item.promised_days // 2)))
    span = max(span, 4)
    r = rng.random()
    if kind == "certificate":
        if force == "cancelled" or (force is None and r < 0.05):
            return [(0, V, {"to": "cancelled", "reason": "群众不再办理"})]
        steps = [(0, V, {"to": "submitted"})]
        if force == "returned" or (force is None and r < 0.2):
            steps += [(1, T, {"to": "returned", "reason": rng.choice(RETURN_REASONS)}), (3, V, {"to": "submitted"})]
        steps += [(max(1, span // 4), T, {"to": "accepted"})]
        if force == "forwarded" or (force is None and item.tier == "county"):
            steps += [(max(2, span // 3), T, {"to": "forwarded"})]
        else:
            steps += [(max(2, span // 3), T, {"to": "in_progress"})]
        steps += [(span, T, {"to": "ready"}), (span + rng.randrange(1, 5), V, {"to": "delivered", "signed_by": "本人"})]
    elif kind == "subsidy":
        if force == "problem" or (force is None and r < 0.05):
            return [(1, V, {"to": "problem", "reason": "银行卡号与名册不符"})]
        steps = [(1, V, {"to": "notified"}), (span, V, {"to": "paid", "paid_fen": 0}), (span + 2, V, {"to": "confirmed"})]
    else:
        if force == "cancelled" or (force is None and r < 0.05):
            return [(1, V, {"to": "cancelled", "reason": "农户取消订购"})]
        steps = [(2, V, {"to": "purchased"}), (span, V, {"to": "delivered"}), (span + 3, V, {"to": "settled"})]
    if force is not None:
        for i, (_, _, data) in enumerate(steps):
            if data["to"] == force:
                return steps[: i + 1]
        return [] if force == WORKFLOWS[kind].initial else steps
    if rng.random() < 0.1:
        return steps[: rng.randrange(len(steps) + 1)]
    return steps
