"""The three errand workflows and the fold that turns an entity's events into its state.

- Each kind has its own state machine. A step names who may take it: the village (the
  cadre's laptop) or the township (staff at the service center).
- ``fold`` is pure and deterministic: events are sorted by (hlc, id), duplicates are dropped,
  fields are last-writer-wins by HLC, and a status step that is not legal from the state
  derived so far is kept in the timeline but not applied. Hence the same set of events gives
  the same state on every device, in any arrival order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from sync.events import Event
from sync.hlc import Timestamp

CERTIFICATE = "certificate"
SUBSIDY = "subsidy"
FARM_SUPPLY = "farm_supply"
KINDS = (CERTIFICATE, SUBSIDY, FARM_SUPPLY)

VILLAGE = "village"
TOWNSHIP = "township"


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    by: tuple[str, ...]
    needs_reason: bool = False


@dataclass(frozen=True)
class Workflow:
    kind: str
    initial: str
    states: tuple[str, ...]
    steps: tuple[Step, ...]
    done: frozenset[str]  # the promise is kept once one of these is reached (办结)
    closed: frozenset[str]  # nothing more is expected (no longer overdue)

    def step(self, source: str, target: str) -> Step | None:
        for s in self.steps:
            if s.source == source and s.target == target:
                return s
        return None

    def next_states(self, source: str, side: str | None = None) -> list[str]:
        return [s.target for s in self.steps if s.source == source and (side is None or side in s.by)]


_V = (VILLAGE,)
_T = (TOWNSHIP,)
_VT = (VILLAGE, TOWNSHIP)

WORKFLOWS: dict[str, Workflow] = {
    CERTIFICATE: Workflow(
        kind=CERTIFICATE,
        initial="received",
        states=("received", "submitted", "accepted", "returned", "in_progress", "forwarded",
                "ready", "delivered", "cancelled"),
        steps=(
            Step("received", "submitted", _V),
            Step("received", "cancelled", _V, needs_reason=True),
            Step("submitted", "accepted", _T),
            Step("submitted", "returned", _T, needs_reason=True),
            Step("returned", "submitted", _V),
            Step("returned", "cancelled", _V, needs_reason=True),
            Step("accepted", "in_progress", _T),
            Step("accepted", "forwarded", _T),
            Step("accepted", "returned", _T, needs_reason=True),
            Step("accepted", "ready", _T),
            Step("in_progress", "forwarded", _T),
            Step("in_progress", "returned", _T, needs_reason=True),
            Step("in_progress", "ready", _T),
            Step("forwarded", "ready", _T),
            Step("forwarded", "returned", _T, needs_reason=True),
            Step("ready", "delivered", _V),
        ),
        done=frozenset({"ready", "delivered"}),
        closed=frozenset({"ready", "delivered", "cancelled"}),
    ),
    SUBSIDY: Workflow(
        kind=SUBSIDY,
        initial="listed",
        states=("listed", "notified", "paid", "confirmed", "problem"),
        steps=(
            Step("listed", "notified", _V),
            Step("listed", "paid", _V),
            Step("listed", "problem", _VT, needs_reason=True),
            Step("notified", "paid", _V),
            Step("notified", "problem", _VT, needs_reason=True),
            Step("paid", "confirmed", _V),
            Step("paid", "problem", _VT, needs_reason=True),
            Step("problem", "listed", _VT),
        ),
        done=frozenset({"paid", "confirmed"}),
        closed=frozenset({"paid", "confirmed"}),
    ),
    FARM_SUPPLY: Workflow(
        kind=FARM_SUPPLY,
        initial="ordered",
        states=("ordered", "purchased", "delivered", "settled", "cancelled"),
        steps=(
            Step("ordered", "purchased", _VT),
            Step("ordered", "cancelled", _V, needs_reason=True),
            Step("purchased", "delivered", _V),
            Step("delivered", "settled", _V),
        ),
        done=frozenset({"delivered", "settled"}),
        closed=frozenset({"delivered", "settled", "cancelled"}),
    ),
}

# Plain Chinese names, for places without Qt translation (CLI, township console, receipts).
STATUS_ZH = {
    "received": "已收件", "submitted": "已报送乡镇", "accepted": "乡镇已受理", "returned": "退回补正",
    "in_progress": "办理中", "forwarded": "已转县办理", "ready": "已办结", "delivered": "已交付群众",
    "cancelled": "已撤销", "listed": "待发放", "notified": "已通知", "paid": "已发放",
    "confirmed": "已确认领取", "problem": "有疑问待核实", "ordered": "已登记订购", "purchased": "已采购",
    "settled": "已结清",
}
KIND_ZH = {CERTIFICATE: "证照代办", SUBSIDY: "补贴代发", FARM_SUPPLY: "农资代购"}
STATUS_EN = {
    "received": "Received", "submitted": "Submitted", "accepted": "Accepted", "returned": "Returned",
    "in_progress": "In progress", "forwarded": "Forwarded to county", "ready": "Ready",
    "delivered": "Handed back", "cancelled": "Cancelled", "listed": "To pay", "notified": "Notified",
    "paid": "Paid", "confirmed": "Receipt confirmed", "problem": "Needs checking", "ordered": "Ordered",
    "purchased": "Purchased", "settled": "Settled",
}
KIND_EN = {CERTIFICATE: "Certificate", SUBSIDY: "Subsidy payout", FARM_SUPPLY: "Farm supply"}
# Where one status code reads differently for a kind (supplies are delivered to a household,
# certificates are handed back to the resident).
_KIND_STATUS_ZH = {(FARM_SUPPLY, "delivered"): "已送达", (FARM_SUPPLY, "cancelled"): "已取消"}
_KIND_STATUS_EN = {(FARM_SUPPLY, "delivered"): "Delivered"}


def status_label(kind: str, status: str, lang: str = "zh") -> str:
    """The plain name of a status for this kind of errand."""
    if lang == "en":
        return _KIND_STATUS_EN.get((kind, status)) or STATUS_EN.get(status, status)
    return _KIND_STATUS_ZH.get((kind, status)) or STATUS_ZH.get(status, status)


def catalog_version_key(version: object) -> tuple:
    """The order of catalog versions (``2026.11-3``): by their numbers, so ``2026.11-10`` comes after
    ``2026.11-9`` (as text it sorted before it, and a village kept the older catalog). A version
    without numbers sorts first, by its text."""
    text = str(version or "")
    numbers = tuple(int(n) for n in re.findall(r"\d+", text))
    return (1, numbers, text) if numbers else (0, (), text)


def workflow(kind: str) -> Workflow:
    try:
        return WORKFLOWS[kind]
    except KeyError:
        raise ValueError(f"unknown errand kind {kind!r}") from None


def hlc_wall_ms(hlc: str) -> int:
    return Timestamp.decode(hlc).wall_ms


@dataclass
class Folded:
    """The derived state of one entity plus what happened to each of its events."""

    state: dict[str, Any]
    applied: dict[str, bool]  # event id -> whether it took effect
    field_hlc: dict[str, str]


def _sorted_unique(events: Iterable[Event]) -> list[Event]:
    seen: dict[str, Event] = {}
    for e in events:
        seen.setdefault(e.id, e)
    return sorted(seen.values(), key=lambda e: (e.hlc, e.id))


def fold(events: Iterable[Event], origin_side: Mapping[str, str] | None = None) -> Folded:
    """Derive an entity's state from its events.

    - ``origin_side`` maps an event origin to VILLAGE or TOWNSHIP; by default an origin that
      starts with ``township`` is the township and everything else a village device.
    - Errand state keys: every field set by create/update, plus ``status``, ``status_hlc``,
      ``reason`` (of the last return/cancel/problem), ``done_hlc`` (first time a done state was
      reached), ``notes`` (list), ``created_hlc``, ``updated_hlc``.
    """

    def side_of(origin: str) -> str:
        if origin_side and origin in origin_side:
            return origin_side[origin]
        return TOWNSHIP if origin.startswith("township") else VILLAGE

    state: dict[str, Any] = {}
    applied: dict[str, bool] = {}
    field_hlc: dict[str, str] = {}
    notes: list[dict[str, Any]] = []
    for e in _sorted_unique(events):
        ok = True
        if e.op in ("create", "update", "publish"):
            for key, value in e.data.items():
                if key in ("status", "notes"):
                    continue
                state[key] = value
                field_hlc[key] = e.hlc
            if e.op == "create" and "created_hlc" not in state:
                state["created_hlc"] = e.hlc
                kind = e.data.get("kind")
                if e.entity == "errand" and kind in WORKFLOWS:
                    wanted = e.data.get("status") or WORKFLOWS[kind].initial
                    state["status"] = wanted if wanted in WORKFLOWS[kind].states else WORKFLOWS[kind].initial
                    state["status_hlc"] = e.hlc
                    if state["status"] in WORKFLOWS[kind].done:
                        state["done_hlc"] = e.hlc
        elif e.op == "status":
            kind = state.get("kind")
            current = state.get("status")
            target = e.data.get("to")
            wf = WORKFLOWS.get(kind) if isinstance(kind, str) else None
            step = wf.step(current, target) if wf and isinstance(current, str) and isinstance(target, str) else None
            if step is None or side_of(e.origin) not in step.by:
                ok = False
            else:
                state["status"] = target
                state["status_hlc"] = e.hlc
                if step.needs_reason or e.data.get("reason"):
                    state["reason"] = e.data.get("reason", "")
                if target in wf.done and "done_hlc" not in state:  # type: ignore[union-attr]
                    state["done_hlc"] = e.hlc
                for key in ("signed_by", "paid_fen"):
                    if key in e.data:
                        state[key] = e.data[key]
                        field_hlc[key] = e.hlc
        elif e.op == "note":
            notes.append({"hlc": e.hlc, "text": e.data.get("text", ""), "actor": e.actor, "origin": e.origin})
        applied[e.id] = ok
        if ok:
            state["updated_hlc"] = e.hlc
    if notes:
        state["notes"] = notes
    return Folded(state=state, applied=applied, field_hlc=field_hlc)
