"""What the township center does with events: plain functions shared by the API, the CLI and
the staff console.

- ``receive_batch``: a village device's pushed batch, applied atomically and acknowledged once;
  a bad event is refused individually (with a code and a reason) and does not block the others.
- ``take_step``: a township-side status step on an errand (受理/退回补正/办理中/办结/转县).
- ``publish_roster`` / ``publish_catalog``: events that flow down to the villages.
- ``events_since``: the pull (events of a village after a cursor, the device's own left out).
- Every township event is stamped by the village's server clock: a hybrid logical clock that
  has observed every event received from that village, so a township step always sorts after
  what it answers, even when the village laptop's clock is a year ahead. One clock per village
  keeps one wrong laptop from dragging the other villages' dates along.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sync.events import Event as WireEvent
from sync.events import new_id, validate_columns
from sync.hlc import HybridClock
from sync.township import models as m
from sync.township.store import (  # noqa: F401 - store_events and Stored are part of this module's API
    _CHUNK, Stored, batch_ack, catch_up, device_by_token_hash, device_synced, entity_owners, event_owners,
    events_after, finish_batch, insert_pushed, new_batch, project_village, pushed, store_events, village_row, writing,
)
from sync.workflow import STATUS_ZH, TOWNSHIP, WORKFLOWS

log = logging.getLogger("sync.township")

TOWNSHIP_ORIGIN = "township"
CLOCK_NODE = "township"


class TownshipError(Exception):
    """A refusal with a machine-readable ``code`` and a plain Chinese ``message``."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# --- villages and the per-village clock -------------------------------------------------------

def village_for(code: str, name: str = "") -> m.Village:
    """The village with this code, created on first use."""
    village, created = m.Village.objects.get_or_create(code=code, defaults={"name": name})
    if not created and name and not village.name:
        village.name = name
        village.save(update_fields=["name"])
    return village


def _locked(village: m.Village) -> m.Village:
    # Writers of one village go one at a time, so its events commit in ``seq`` order and a pull
    # cursor never skips an event that commits late (PostgreSQL hands out sequences early).
    return m.Village.objects.select_for_update().get(pk=village.pk)


def _stamp(village: m.Village, floor: str | None = None) -> str:
    clock = HybridClock(CLOCK_NODE, last=village.hlc_last or None)
    if floor:
        clock.observe(floor)
    return clock.now()


def village_check(village: m.Village) -> dict[str, Any]:
    """Count and digest of everything the township holds for the village (the consistency check)."""
    return {"count": village.event_count, "digest": village.digest}


# --- receiving a village's batch ----------------------------------------------------------------

REFUSALS = {
    "wrong_village": "这条记录属于别的村，本设备只能上传本村的记录。",
    "wrong_origin": "这条记录不是本设备产生的，不能由本设备上传。",
    "origin_forbidden": "村里的设备不能上传乡镇一方的记录。",
    "op_forbidden": "事项目录只能由乡镇发布。",
    "entity_other_village": "这条记录修改的是别的村的数据，已拒收。",
    "id_conflict": "这条记录的编号和别的村的记录重复，已拒收。",
    "event_bad_text": "这条记录里有无法保存的字符（NUL控制字符或残缺的Unicode代理字符），已拒收。",
    "not_stored": "乡镇的数据库没能保存这条记录，已拒收；请联系乡镇查看服务器日志。",
}


def _refuse(raw: Any, code: str, message: str) -> dict[str, str]:
    rid = raw.get("id") if isinstance(raw, dict) else None
    return {"id": rid[:64] if isinstance(rid, str) else "", "code": code, "message": message}


def receive_batch(device: m.Device, batch_id: str, events: Any, *, via: str = "http",
                  nul_free: bool = False, synced: dict[str, Any] | None = None) -> dict[str, Any]:
    """Apply one batch atomically and return its acknowledgement; a batch seen before gets the
    acknowledgement it got the first time and changes nothing.

    - ``events``: the decoded columns (``sync.protocol.Columns``) or a list of event objects.
    - The acknowledgement is sent once the events are stored; their projection follows
      (``store.pushed``). ``synced``: the device's sync mark, written in the same transaction.
    """
    from sync import protocol as p

    cols = events if isinstance(events, p.Columns) else _as_columns(events)
    # Checking each event is pure Python: done before taking the write lock, so one village's
    # validation never holds up another village's push (SQLite has one writer at a time).
    village = device.village
    texts, bad = validate_columns(cols)
    refused: list[dict[str, str]] = []
    keys = cols.id_hex if cols.id_hex is not None else cols.id
    if (not bad and nul_free and set(cols.village) == {village.code} and set(cols.origin) == {device.node}
            and not device.node.startswith(TOWNSHIP) and "catalog" not in set(cols.entity)
            and len(set(keys)) == cols.n):
        good = list(range(cols.n))  # the usual batch: every event this device's own, each id once
    else:
        positions: dict[str, int] = {}  # id -> position of its first good occurrence
        for i in range(cols.n):
            error = bad.get(i)
            if error is not None:
                refused.append(_refuse(cols.row(i), error.code, str(error)))
                continue
            code = _column_refusal(device, village, cols, i, nul_free)
            if code:
                refused.append(_refuse(cols.row(i), code, REFUSALS[code]))
                continue
            positions.setdefault(cols.id[i], i)
        good = list(positions.values())
    with writing(durable=False):
        village = village_row(device.village_id, lock=True)
        seen = batch_ack(device.pk, batch_id)
        if seen is not None:
            if synced:
                device_synced(device.pk, **synced)
            return {**seen, "again": True}
        entities = entity_owners(sorted({cols.entity_id[i] for i in good}))
        foreign = {eid for eid, villages in entities.items() if villages - {village.pk}}
        if foreign:
            keep = []
            for i in good:
                if cols.entity_id[i] in foreign:
                    refused.append({"id": cols.id[i], "code": "entity_other_village",
                                    "message": REFUSALS["entity_other_village"]})
                else:
                    keep.append(i)
            good = keep
        batch = new_batch(device, batch_id, via)
        every = len(good) == cols.n  # the usual batch: the columns as they came

        def pick(column: Any) -> Any:
            return column if every or column is None else [column[i] for i in good]

        columns = (pick(cols.hlc), pick(cols.origin), pick(cols.entity), pick(cols.entity_id), pick(cols.op),
                   pick(texts), pick(cols.actor))
        stored = insert_pushed(village, pick(cols.id), pick(cols.id_hex), columns, batch)
        duplicates = len(good) - len(stored)
        if duplicates:
            # Not stored now: stored before, by this village (a duplicate) or by another (refused).
            fresh = {good[k] for k in stored}
            again = [cols.id[i] for i in good if i not in fresh]
            owners = event_owners(again)
            for event_id in again:
                owner = owners.get(str(uuid.UUID(event_id)))
                if owner is None:  # stored nowhere: the database skipped the row for another reason
                    log.error("batch %s of %s: event %s was not stored", batch_id, device, event_id)
                    refused.append({"id": event_id, "code": "not_stored", "message": REFUSALS["not_stored"]})
                    duplicates -= 1
                elif owner != village.pk:
                    refused.append({"id": event_id, "code": "id_conflict", "message": REFUSALS["id_conflict"]})
                    duplicates -= 1
        ack = {"batch": batch_id, "stored": len(stored), "duplicates": duplicates, "refused": refused}
        finish_batch(batch, len(stored), duplicates, len(refused), ack)
        if refused:
            m.SyncIncident.objects.create(village=village, device=device, kind="refused",
                                          detail={"batch": batch_id, "refused": refused[:50]})
            log.info("batch %s of %s: %d refused", batch_id, device, len(refused))
        if synced:
            device_synced(device.pk, **synced)
    if stored:
        pushed(village.pk)
    return ack


def _as_columns(events: Sequence[Any]) -> Any:
    """Event objects or dicts as columns (for callers that hold a list, e.g. tests)."""
    from sync import protocol as p

    rows = [e.to_dict() if isinstance(e, WireEvent) else e for e in events]
    return p.decode_columns(p.encode_events(rows))


def _column_refusal(device: m.Device, village: m.Village, cols: Any, i: int, nul_free: bool) -> str | None:
    if cols.village[i] != village.code:
        return "wrong_village"
    origin = cols.origin[i]
    if origin.startswith(TOWNSHIP):
        return "origin_forbidden"
    if origin != device.node:
        return "wrong_origin"
    if cols.entity[i] == "catalog":
        return "op_forbidden"
    # Text a database cannot store is refused here rather than fail the whole batch: U+0000
    # (PostgreSQL's text and jsonb) and a lone surrogate (not UTF-8 at all, for either database;
    # JSON can carry one as an escape such as "\\ud800").
    # ``nul_free``: the caller saw neither escape in the whole JSON body (JSON cannot carry either
    # raw), which spares walking every event (measured: 10% of a push).
    if not nul_free and (bad_text(cols.actor[i]) or bad_text(cols.entity_id[i]) or bad_text(origin)
                         or bad_text(cols.hlc[i]) or bad_text(cols.data[i])):
        return "event_bad_text"
    return None


def bad_text(value: Any) -> bool:
    """Whether a string anywhere in ``value`` holds U+0000 or a lone surrogate."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        if value.isascii():
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(bad_text(k) or bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(bad_text(v) for v in value)
    return False


# --- the pull -------------------------------------------------------------------------------------

# Data bytes in one pull page at most: its answer then stays well under what a laptop reads
# (``protocol.MAX_WIRE``, 8 MiB compressed, even for data that does not compress) and under
# waitress's 16 MiB of unsent output, past which the thread answering would wait for the laptop
# to read (that thread is the sync lane's: ``lane.SyncRequestsInLane``). A page of the largest
# events allowed (16 Ki characters, in Chinese ~48 KB each) would otherwise run to hundreds of MB.
PULL_DATA_BYTES = 4 * 1024 * 1024


def events_since(village: m.Village, cursor: int, *, exclude_origin: str = "", limit: int = 2000
                 ) -> tuple[list[dict[str, Any]], int, bool]:
    """(events after ``cursor`` for the village, the new cursor, whether more remain). At most
    ``limit`` events, and fewer once their data reach ``PULL_DATA_BYTES``."""
    rows, top, cut = events_after(village.pk, cursor, exclude_origin=exclude_origin, limit=limit + 1,
                                  budget=PULL_DATA_BYTES)
    more = len(rows) > limit or cut
    rows = rows[:limit]
    new_cursor = rows[-1][0] if more else max(cursor, top)
    code = village.code
    return [{"id": eid, "hlc": hlc, "village": code, "origin": origin, "entity": entity, "entity_id": entity_id,
             "op": op, "data": data, "actor": actor}
            for _, eid, hlc, origin, entity, entity_id, op, data, actor in rows], new_cursor, more


# --- township-side actions ------------------------------------------------------------------------

def _township_event(village: m.Village, entity: str, entity_id: str, op: str, data: dict[str, Any],
                    actor: str, floor: str | None = None) -> WireEvent:
    hlc = _stamp(village, floor)
    village.hlc_last = max(village.hlc_last or "", hlc)
    return WireEvent(id=new_id(), hlc=hlc, village=village.code, origin=TOWNSHIP_ORIGIN, entity=entity,
                     entity_id=entity_id, op=op, data=data, actor=(actor or "")[:64])


def _caught_up(village: m.Village) -> m.Village:
    """The locked village with every stored event projected (staff act on what is true now)."""
    village = _locked(village)
    while project_village(village):
        pass
    return village


def _current_errand(entity_id: str) -> tuple[m.Village, m.Errand]:
    """(locked, caught-up village; the errand as projected now), or ``errand_unknown``."""
    current = m.Errand.objects.filter(entity_id=entity_id).only("village_id").first()
    if current is not None:
        village_pk = current.village_id
    else:  # pushed a moment ago and not projected yet?
        owners = sorted(entity_owners([entity_id]).get(entity_id, set()))
        if len(owners) != 1:
            raise TownshipError("errand_unknown", "找不到这件代办事项。", 404)
        village_pk = owners[0]
    village = _caught_up(m.Village(pk=village_pk))
    current = m.Errand.objects.filter(entity_id=entity_id).select_related("village").first()
    if current is None:
        raise TownshipError("errand_unknown", "找不到这件代办事项。", 404)
    return village, current


def allowed_steps(errand: m.Errand) -> list[str]:
    """The statuses township staff may move this errand to now."""
    wf = WORKFLOWS.get(errand.kind)
    return wf.next_states(errand.status, TOWNSHIP) if wf else []


def take_step(errand: m.Errand | str, target: str, *, reason: str = "", actor: str = "") -> m.Errand:
    """Take one township-side step on an errand (accept, return with a reason, in progress,
    ready, forwarded to the county) and return the errand as it is now.

    - Raises ``TownshipError`` (code ``errand_unknown``, ``bad_transition``, ``not_township_step``,
      ``reason_needed``, ``reason_too_long``) and changes nothing when the step is not allowed.
    - The step becomes a township event that the village pulls on its next sync.
    """
    entity_id = errand.entity_id if isinstance(errand, m.Errand) else str(errand)
    reason = (reason or "").strip()
    with transaction.atomic():
        village, current = _current_errand(entity_id)
        wf = WORKFLOWS[current.kind]
        step = wf.step(current.status, target)
        if step is None:
            raise TownshipError("bad_transition", f"这件事项现在是“{STATUS_ZH.get(current.status, current.status)}”，"
                                f"不能改为“{STATUS_ZH.get(target, target)}”。", 409)
        if TOWNSHIP not in step.by:
            raise TownshipError("not_township_step", f"“{STATUS_ZH.get(target, target)}”这一步由村里办理。", 409)
        if step.needs_reason and not reason:
            raise TownshipError("reason_needed", "请写明原因（例如缺少哪些材料）。")
        if len(reason) > 500:
            raise TownshipError("reason_too_long", "原因最多500个字。")
        floor = m.Event.objects.filter(village=village, entity_id=entity_id).aggregate(top=Max("hlc"))["top"]
        data: dict[str, Any] = {"to": target}
        if reason:
            data["reason"] = reason
        event = _township_event(village, "errand", entity_id, "status", data, actor, floor)
        store_events(village, [event])
        current.refresh_from_db()
        if current.status != target:  # pragma: no cover - the fold and the check above agree
            raise TownshipError("bad_transition", "这一步没有生效，请刷新后重试。", 409)
    return current


@dataclass
class StepOutcome:
    entity_id: str
    ok: bool
    code: str = ""
    message: str = ""


def take_steps(entity_ids: Iterable[str], target: str, *, reason: str = "", actor: str = "") -> list[StepOutcome]:
    """The same step on several errands (batch actions); each errand succeeds or fails alone."""
    outcomes = []
    for entity_id in entity_ids:
        try:
            take_step(entity_id, target, reason=reason, actor=actor)
            outcomes.append(StepOutcome(entity_id, True))
        except TownshipError as exc:
            outcomes.append(StepOutcome(entity_id, False, exc.code, exc.message))
    return outcomes


def add_note(errand: m.Errand | str, text: str, *, actor: str = "") -> m.Errand:
    """A township note on an errand's timeline (seen in the village after its next sync)."""
    entity_id = errand.entity_id if isinstance(errand, m.Errand) else str(errand)
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise TownshipError("note_length", "备注应为1到500个字。")
    with transaction.atomic():
        village, current = _current_errand(entity_id)
        event = _township_event(village, "errand", entity_id, "note", {"text": text}, actor, current.updated_hlc)
        store_events(village, [event])
        current.refresh_from_db()
    return current


@dataclass
class RosterLine:
    """One payee of a roster: ID number, name, amount in fen (分)."""

    id_number: str
    name: str
    amount_fen: int


def latest_catalog() -> m.CatalogVersion | None:
    return m.CatalogVersion.objects.order_by("-published_at", "-id").first()


def _catalog_item(item_code: str) -> dict[str, Any] | None:
    cat = latest_catalog()
    for item in (cat.items if cat else []):
        if isinstance(item, dict) and item.get("code") == item_code:
            return item
    return None


def publish_roster(village_code: str, *, item_code: str, title: str, month: str, lines: Sequence[RosterLine],
                   actor: str = "", item_name: str = "", promised_days: int | None = None,
                   note: str = "") -> m.Roster:
    """Publish a subsidy roster (补贴名册) to one village: a roster event, and for each line a
    subsidy errand (status 待发放) for the resident with that ID number.

    - A resident the township has not heard of yet is created from the line (name + ID number).
    - The caller validates the lines (the console checks uploaded rows); all or nothing here.
    """
    village = m.Village.objects.filter(code=village_code).first()
    if village is None:
        raise TownshipError("village_unknown", f"没有代码为{village_code}的村。", 404)
    item = _catalog_item(item_code) or {}
    name = item_name or item.get("name") or item_code
    days = promised_days if promised_days is not None else int(item.get("promised_days") or 30)
    today = timezone.localdate()
    roster_id = new_id()
    with transaction.atomic():
        village = _caught_up(village)
        events = [_township_event(village, "roster", roster_id, "create",
                                  {"item_code": item_code, "title": title.strip()[:60], "month": month,
                                   "note": note.strip()[:200]}, actor)]
        known = dict(m.Resident.objects.filter(village=village, id_number__in=[ln.id_number for ln in lines])
                     .values_list("id_number", "entity_id"))
        short = roster_id.replace("-", "")[:6].upper()
        for n, line in enumerate(lines, start=1):
            resident_id = known.get(line.id_number)
            if resident_id is None:
                resident_id = new_id()
                known[line.id_number] = resident_id
                events.append(_township_event(village, "resident", resident_id, "create",
                                              {"name": line.name, "id_number": line.id_number, "phone": "",
                                               "group": "", "address": ""}, actor))
            events.append(_township_event(village, "errand", new_id(), "create", {
                "number": f"{village.code}-R{short}-{n:04d}", "kind": "subsidy", "item_code": item_code,
                "item_name": name, "resident_id": resident_id, "quantity": None, "unit": "",
                "amount_fen": int(line.amount_fen), "materials": [], "note": "", "tier": "township",
                "promised_date": (today + dt.timedelta(days=days)).isoformat(), "created_date": today.isoformat(),
                "round": "", "status": WORKFLOWS["subsidy"].initial, "roster_id": roster_id,
            }, actor))
        store_events(village, events)
    return m.Roster.objects.get(entity_id=roster_id)


def publish_catalog(version: str, items: list[dict[str, Any]], *, actor: str = "") -> m.CatalogVersion:
    """Publish a catalog version; every village receives it on its next sync (newer versions win)."""
    version = (version or "").strip()
    if not version or len(version) > 32:
        raise TownshipError("catalog_version", "目录版本号应为1到32个字符。")
    if m.CatalogVersion.objects.filter(version=version).exists():
        raise TownshipError("catalog_version_exists", f"目录版本{version}已经发布过。", 409)
    for item in items:
        if not isinstance(item, dict) or not item.get("code") or not item.get("name") or item.get("kind") not in WORKFLOWS:
            raise TownshipError("catalog_item", "目录里有事项缺少编码、名称或类型。")
    if len(json.dumps(items, ensure_ascii=False)) > 15 * 1024:
        raise TownshipError("catalog_too_large", "目录太大（超过15KB），请精简说明文字。")
    with transaction.atomic():
        cat = m.CatalogVersion.objects.create(version=version, items=items, published_by=actor[:64])
        for village in m.Village.objects.all():
            _send_catalog(village, cat, actor)
    return cat


def _send_catalog(village: m.Village, cat: m.CatalogVersion, actor: str = "") -> None:
    village = _locked(village)
    store_events(village, [_township_event(village, "catalog", "catalog", "publish",
                                           {"version": cat.version, "items": cat.items}, actor)])


# --- devices ----------------------------------------------------------------------------------------

def stats() -> dict[str, Any]:
    """Per village: errands by status, devices, events (the ``township-center stats`` JSON)."""
    out: dict[str, Any] = {"villages": {}}
    catch_up()
    for village in m.Village.objects.all():
        by_status: dict[str, int] = {}
        for status, n in _count_by(m.Errand.objects.filter(village=village), "status"):
            by_status[status] = n
        out["villages"][village.code] = {
            "name": village.name,
            "errands": sum(by_status.values()),
            "errands_by_status": by_status,
            "residents": m.Resident.objects.filter(village=village).count(),
            "devices": m.Device.objects.filter(village=village, revoked_at__isnull=True).count(),
            "devices_revoked": m.Device.objects.filter(village=village, revoked_at__isnull=False).count(),
            "events": village.event_count,
        }
    return out


def _count_by(qs, field_name: str) -> list[tuple[str, int]]:
    from django.db.models import Count

    return [(r[field_name], r["n"]) for r in qs.values(field_name).annotate(n=Count("pk")).order_by(field_name)]


# --- enrollment ---------------------------------------------------------------------------------

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
CODE_TTL = dt.timedelta(days=7)


def normalize_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def issue_enrollment_code(village_code: str, *, village_name: str = "", user: Any = None,
                          ttl: dt.timedelta = CODE_TTL) -> tuple[str, m.EnrollmentCode]:
    """A one-time code (``ABCD-EFGH``) for enrolling one device of the village; only its hash is stored."""
    import secrets

    code = village_code.strip().upper()
    if not code or len(code) > 12 or not code.isalnum():
        raise TownshipError("village_code", "村代码只能用字母和数字（2到12位），例如 LTA01。")
    with transaction.atomic():
        village = village_for(code, village_name.strip())
        cat = latest_catalog()
        if cat and not m.Event.objects.filter(village=village, entity="catalog").exists():
            _send_catalog(village, cat)
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        row = m.EnrollmentCode.objects.create(village=village, code_hash=_hash(raw), expires_at=timezone.now() + ttl,
                                              created_by=user if getattr(user, "pk", None) else None)
    return f"{raw[:4]}-{raw[4:]}", row


def enrollment_qr_text(url: str, code: str) -> str:
    """What the QR code carries: the township address and the code (the laptop fills both in)."""
    from urllib.parse import urlencode

    return "villageagent:enroll?" + urlencode({"url": url, "code": code})


def enroll_device(code: str, *, node: str, village_code: str = "", name: str = "",
                  village_name: str = "") -> tuple[m.Device, str]:
    """Exchange a one-time code for a device token (returned once; only its hash is kept).

    - ``village_name``: the name the laptop's village has; taken if the township's village has
      none yet (its code was issued without one), never over a name the township gave it.
    """
    import secrets

    from sync.protocol import token_hash

    if not node or len(node) > 64 or "-" in node or node.startswith(TOWNSHIP):
        raise TownshipError("bad_device", "设备编号不对。")
    with transaction.atomic():
        row = (m.EnrollmentCode.objects.select_for_update().select_related("village")
               .filter(code_hash=_hash(normalize_code(code))).first())
        if row is None:
            raise TownshipError("code_invalid", "登记码不对，请核对乡镇给的登记码。", 403)
        if row.used_at is not None:
            raise TownshipError("code_used", "这个登记码已经用过了，请向乡镇要一个新的。", 403)
        if row.expires_at < timezone.now():
            raise TownshipError("code_expired", "这个登记码已过期，请向乡镇要一个新的。", 403)
        village = row.village
        if village_code and village_code.upper() != village.code:
            raise TownshipError("village_mismatch", f"这个登记码是给{village.code}村的，这台电脑设置的是"
                                f"{village_code}村，请核对村代码。", 403)
        other = m.Device.objects.filter(node=node, revoked_at__isnull=True).exclude(village=village).first()
        if other is not None:
            raise TownshipError("device_other_village", "这台电脑已经登记在别的村。", 409)
        token = secrets.token_urlsafe(32)
        # Enrolling the same laptop again replaces its old token.
        m.Device.objects.filter(node=node, village=village, revoked_at__isnull=True).update(revoked_at=timezone.now())
        device = m.Device.objects.create(village=village, node=node, name=(name or "")[:60], token_hash=token_hash(token))
        given = " ".join(village_name.split())[:m.Village._meta.get_field("name").max_length]
        if given:  # only where there is none: a name staff gave (even meanwhile) stays
            m.Village.objects.filter(pk=village.pk, name="").update(name=given)
        row.used_at = timezone.now()
        row.device = device
        row.save(update_fields=["used_at", "device"])
    log.info("device %s enrolled for %s", node, village.code)
    return device, token


def device_for_token(token: str) -> m.Device:
    from sync.protocol import token_hash

    if not token:
        raise TownshipError("token_missing", "缺少设备令牌，请先登记这台电脑。", 401)
    device = device_by_token_hash(token_hash(token))
    if device is None:
        raise TownshipError("token_invalid", "设备令牌不对，请重新登记这台电脑。", 401)
    if device.revoked_at is not None:
        raise TownshipError("device_revoked", "这台电脑的登记已被乡镇注销，请联系乡镇重新登记。", 403)
    return device


def revoke_device(device: m.Device) -> None:
    m.Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


# --- one round trip and offline files -------------------------------------------------------------

def exchange(device: m.Device, msg: dict[str, Any], *, via: str = "http", nul_free: bool = False) -> dict[str, Any]:
    """One sync round trip: the pushed batch (if any) is applied, then the pull page after the
    cursor, then the consistency numbers."""
    from sync import protocol as p

    cursor = p.int_field(msg, "cursor", 0, 0, 2**62)
    limit = p.int_field(msg, "limit", 2000, 0, p.MAX_EVENTS)
    pending = p.int_field(msg, "pending", 0, 0, 10**9)
    batch = p.batch_columns_of(msg)
    asked = _asked(device, msg["ask"]) if "ask" in msg else None
    village = device.village
    own = msg.get("own") is True
    # The pull is read first: the cursor it reaches is written with the batch, in one transaction.
    if limit:
        events, new_cursor, more = events_since(village, cursor, exclude_origin="" if own else device.node,
                                                limit=limit)
    else:  # a push that pulls nothing this time
        events, new_cursor, more = [], cursor, False
    synced = {"cursor": new_cursor, "pending": pending}
    if batch:
        ack = receive_batch(device, batch[0], batch[1], via=via, nul_free=nul_free, synced=synced)
    else:
        ack = None
        with writing(durable=False):
            device_synced(device.pk, **synced)
    village = village_row(device.village_id)
    check = village_check(village)
    theirs = msg.get("check")
    # Compared only when this answer brings the village nothing: a page of events changes the
    # village's side, which it then compares itself (and reports a mismatch that remains).
    if isinstance(theirs, dict) and not more and not events and not ack_refused(ack):
        if theirs.get("count") != check["count"] or theirs.get("digest") != check["digest"]:
            m.SyncIncident.objects.create(village=village, device=device, kind="mismatch",
                                          detail={"village": theirs if len(str(theirs)) < 500 else "?",
                                                  "township": check})
            log.warning("consistency mismatch for %s (device %s)", village.code, device.node)
    reply = {"v": p.VERSION, "ack": ack, "events": p.encode_events(events), "cursor": new_cursor, "more": more,
             "check": check}
    if asked is not None:
        reply["asked"] = asked
    return reply


def _asked(device: m.Device, batch_id: Any) -> dict[str, Any]:
    """The answer to "did you get batch X?" (a link cut while the acknowledgement was on its way):
    the acknowledgement it got, or null; nothing is stored either way."""
    from sync import protocol as p

    if not p.is_batch_id(batch_id):
        raise p.ProtocolError("bad_field", "ask 应为批次编号。")
    return {"batch": batch_id, "ack": batch_ack(device.pk, batch_id)}


def ack_refused(ack: dict[str, Any] | None) -> bool:
    return bool(ack and ack.get("refused"))


def village_ids(device: m.Device) -> str:
    """Every event id the township holds for the device's village (the repair after a mismatch)."""
    ids = m.Event.objects.filter(village_id=device.village_id).values_list("event_id", flat=True)
    return "".join(u.hex for u in ids)


def report_incident(device: m.Device, kind: str, detail: dict[str, Any]) -> None:
    m.SyncIncident.objects.create(village_id=device.village_id, device=device, kind=kind[:32],
                                  detail=detail if len(json.dumps(detail)) < 4000 else {"truncated": True})


def import_file(raw: bytes) -> tuple[bytes, dict[str, Any]]:
    """A village's offline (USB) file in, the answer file out, plus a summary.

    - The file must verify with the key of an active device of its village (a changed byte is
      refused); importing the same file twice changes nothing and gives an equivalent answer.
    """
    from sync import protocol as p

    head = p.read_file_header(raw)
    village_code, node = head.get("village"), head.get("device")
    if not isinstance(village_code, str) or not isinstance(node, str):
        raise TownshipError("not_a_sync_file", "这不是村代办的同步文件。")
    devices = list(m.Device.objects.select_related("village").filter(village__code=village_code, node=node)
                   .order_by("-enrolled_at"))
    if not devices:
        raise TownshipError("device_unknown", f"{village_code}村的这台电脑还没有在乡镇登记。", 403)
    body = None
    device = None
    for candidate in devices:
        try:
            _, body = p.read_file(raw, bytes.fromhex(candidate.token_hash), "village-export")
            device = candidate
            break
        except p.ProtocolError as exc:
            if exc.code != "file_tampered":
                raise TownshipError(exc.code, str(exc)) from None
    if device is None or body is None:
        raise TownshipError("file_tampered", "同步文件已被改动，或者不是文件上写的那台村里电脑导出的，已拒收。"
                             "请让村里重新导出一份；还不行的话，请给那台电脑重新登记。", 403)
    if device.revoked_at is not None:
        raise TownshipError("device_revoked", "这台电脑的登记已被注销，它的文件不能导入。", 403)
    batches = body.get("batches", [])
    if not isinstance(batches, list):
        raise TownshipError("bad_file", "同步文件内容不对。")
    acks = []
    for b in batches:
        reply = exchange(device, {"v": p.VERSION, "cursor": 0, "limit": 1, "batch": b}, via="file")
        acks.append(reply["ack"])
    cursor = body.get("cursor", 0)
    pages = []
    summary = {"village": village_code, "device": node, "batches": len(acks),
               "stored": sum(a["stored"] for a in acks if a and not a.get("again")),
               "again": sum(1 for a in acks if a and a.get("again")),
               "refused": sum(len(a["refused"]) for a in acks if a and not a.get("again"))}
    while True:
        reply = exchange(device, {"v": p.VERSION, "cursor": cursor, "limit": p.MAX_EVENTS,
                                  "pending": body.get("pending", 0) if isinstance(body.get("pending"), int) else 0})
        pages.append(reply["events"])
        cursor = reply["cursor"]
        if not reply["more"]:
            break
    summary["events_back"] = sum(pg.get("n", 0) for pg in pages)
    answer = {"acks": acks, "pages": pages, "cursor": cursor, "check": reply["check"]}
    out = p.write_file("township-answer", {"village": village_code, "device": node, "answer_to": head.get("id", "")},
                       answer, bytes.fromhex(device.token_hash))
    return out, summary
