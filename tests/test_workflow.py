import uuid

import pytest

from sync.events import Event
from sync.hlc import Timestamp
from sync.workflow import TOWNSHIP, VILLAGE, WORKFLOWS, fold

PATHS = {
    "certificate": [("submitted", "v"), ("returned", "t"), ("submitted", "v"), ("accepted", "t"),
                    ("in_progress", "t"), ("ready", "t"), ("delivered", "v")],
    "subsidy": [("notified", "v"), ("paid", "v"), ("confirmed", "v")],
    "farm_supply": [("purchased", "v"), ("delivered", "v"), ("settled", "v")],
}


def ev(n, origin, op, data, entity_id="e1"):
    return Event(str(uuid.UUID(int=n)), Timestamp(1_700_000_000_000 + n, 0, origin.replace("-", "")).encode(),
                 "LTA01", origin, "errand", entity_id, op, data)


def run(kind, steps):
    events = [ev(1, "dev1", "create", {"kind": kind, "number": "N1", "status": WORKFLOWS[kind].initial})]
    for i, (to, who) in enumerate(steps, start=2):
        data = {"to": to}
        if WORKFLOWS[kind].step(fold(events).state["status"], to) and WORKFLOWS[kind].step(
                fold(events).state["status"], to).needs_reason:
            data["reason"] = "缺少户口簿复印件"
        events.append(ev(i, "township" if who == "t" else "dev1", "status", data))
    return fold(events)


@pytest.mark.parametrize("kind", list(PATHS))
def test_each_kind_reaches_its_end(kind):
    folded = run(kind, PATHS[kind])
    assert folded.state["status"] == PATHS[kind][-1][0]
    assert all(folded.applied.values())
    assert "done_hlc" in folded.state


def test_return_keeps_reason_until_next_return():
    folded = run("certificate", PATHS["certificate"][:2])
    assert folded.state["status"] == "returned"
    assert folded.state["reason"] == "缺少户口簿复印件"


def test_illegal_step_is_kept_but_not_applied():
    folded = run("certificate", [("ready", "t")])
    assert folded.state["status"] == "received"
    assert list(folded.applied.values()) == [True, False]


def test_village_cannot_take_township_step_and_vice_versa():
    folded = run("certificate", [("submitted", "v"), ("accepted", "v")])
    assert folded.state["status"] == "submitted"
    folded = run("certificate", [("submitted", "t")])
    assert folded.state["status"] == "received"


def test_every_step_targets_a_known_state_and_sides_are_known():
    for wf in WORKFLOWS.values():
        assert wf.initial in wf.states
        for step in wf.steps:
            assert step.source in wf.states and step.target in wf.states
            assert set(step.by) <= {VILLAGE, TOWNSHIP}
        assert wf.done <= set(wf.states) and wf.done <= wf.closed


def test_field_edits_are_last_writer_wins_by_hlc():
    events = [ev(1, "dev1", "create", {"kind": "certificate", "number": "N1", "note": "a"}),
              ev(3, "dev2", "update", {"note": "late"}), ev(2, "township", "update", {"note": "early"})]
    folded = fold(reversed(events))
    assert folded.state["note"] == "late"
    assert folded.field_hlc["note"] == events[1].hlc
